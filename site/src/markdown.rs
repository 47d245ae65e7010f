//! Markdown to HTML, collecting what `check` needs (headings, links, images, raw HTML) with the
//! line each came from.

use model::Lang;
use model::diagnostic::LineIndex;
use model::typography;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;

/// A heading as rendered: its level (2 for `##`), anchor id and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
    pub line: usize,
}

/// A link written in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    pub has_text: bool,
    pub line: usize,
}

/// An image written in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub src: String,
    pub alt: String,
    pub line: usize,
}

/// Raw HTML written in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHtml {
    pub html: String,
    pub line: usize,
}

/// A rendered body and the facts `check` verifies.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    pub images: Vec<Image>,
    pub raw_html: Vec<RawHtml>,
    /// Lines holding a TODO marker left by `site new`.
    pub todo_lines: Vec<usize>,
    /// The first paragraph as plain text, for summaries in lists.
    pub summary: String,
}

/// Renders `body` (which starts at `first_line` of its file) in `lang`.
pub fn render(body: &str, first_line: usize, lang: Lang) -> Rendered {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH;
    let lines = LineIndex::new(body);
    let line_at = |offset: usize| lines.line(offset) + first_line - 1;

    let mut walk = Walk::default();
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        walk.note(&event, line_at(range.start));
        walk.push(event);
    }
    let Walk {
        mut out,
        mut events,
        ..
    } = walk;

    if lang == Lang::Fr {
        for event in &mut events {
            if let Event::Text(text) = event {
                *text = CowStr::from(typography::french(text));
            }
        }
        out.summary = typography::french(&out.summary);
    }
    pulldown_cmark::html::push_html(&mut out.html, events.into_iter());
    out
}

/// What [`render`] collects while it walks the Markdown's events.
#[derive(Default)]
struct Walk<'a> {
    out: Rendered,
    events: Vec<Event<'a>>,
    used_ids: HashSet<String>,
    /// Open heading: index in `events`, level, explicit id, text so far, line.
    heading: Option<(usize, u8, Option<String>, String, usize)>,
    /// Open link: its destination, whether text was seen, its line.
    link: Option<(String, bool, usize)>,
    /// Open image: its source, its alt text so far, its line.
    image: Option<(String, String, usize)>,
    paragraph_depth: usize,
    summary_done: bool,
}

impl<'a> Walk<'a> {
    /// Notes what `event` (at `line`) tells about the page: headings, links, images, raw HTML,
    /// TODO markers and the summary.
    fn note(&mut self, event: &Event<'a>, line: usize) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.heading = Some((
                    self.events.len(),
                    heading_level(*level),
                    id.as_ref().map(|s| s.to_string()),
                    String::new(),
                    line,
                ));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((index, level, explicit, text, line)) = self.heading.take() {
                    let base = explicit.unwrap_or_else(|| slugify(&text));
                    let id = unique_id(&base, &mut self.used_ids);
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut self.events[index] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    self.out.headings.push(Heading {
                        level,
                        id,
                        text,
                        line,
                    });
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.link = Some((dest_url.to_string(), false, line));
            }
            Event::End(TagEnd::Link) => {
                if let Some((dest, has_text, line)) = self.link.take() {
                    self.out.links.push(Link {
                        dest,
                        has_text,
                        line,
                    });
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.image = Some((dest_url.to_string(), String::new(), line));
            }
            Event::End(TagEnd::Image) => {
                if let Some((src, alt, line)) = self.image.take() {
                    if let Some(link) = &mut self.link {
                        link.1 |= !alt.trim().is_empty();
                    }
                    self.out.images.push(Image { src, alt, line });
                }
            }
            Event::Start(Tag::Paragraph) => self.paragraph_depth += 1,
            Event::End(TagEnd::Paragraph) => {
                self.paragraph_depth = self.paragraph_depth.saturating_sub(1);
                if !self.out.summary.is_empty() {
                    self.summary_done = true;
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => self.out.raw_html.push(RawHtml {
                html: html.to_string(),
                line,
            }),
            Event::Text(text) | Event::Code(text) => {
                if text.contains("TODO") {
                    self.out.todo_lines.push(line);
                }
                if let Some(h) = &mut self.heading {
                    h.3.push_str(text);
                }
                if let Some(l) = &mut self.link {
                    l.1 |= !text.trim().is_empty();
                }
                if let Some(i) = &mut self.image {
                    i.1.push_str(text);
                }
                if self.paragraph_depth > 0 && !self.summary_done && self.heading.is_none() {
                    self.out.summary.push_str(text);
                }
            }
            Event::SoftBreak if self.paragraph_depth > 0 && !self.summary_done => {
                self.out.summary.push(' ')
            }
            _ => {}
        }
    }

    /// Keeps `event` for rendering, merging adjacent text so typography sees "mot !" whole, not
    /// "mot " and "!".
    fn push(&mut self, event: Event<'a>) {
        if let (Event::Text(new), Some(Event::Text(previous))) = (&event, self.events.last_mut()) {
            let merged = format!("{previous}{new}");
            *previous = CowStr::from(merged);
            return;
        }
        self.events.push(event);
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// A heading's anchor: lowercase letters (accents kept) and digits, words joined by hyphens.
/// "## How to apply" -> `how-to-apply`; "## Première partie : l’art" -> `première-partie-lart`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "section" } else { base };
    let mut id = base.to_string();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_ids_and_lines() {
        let r = render("Intro\n\n## How to apply\n\n## How to apply\n", 5, Lang::En);
        assert!(
            r.html
                .contains(r#"<h2 id="how-to-apply">How to apply</h2>"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h2 id="how-to-apply-1">"#), "{}", r.html);
        assert_eq!(r.headings[0].line, 7);
        assert_eq!(r.summary, "Intro");
    }

    #[test]
    fn french_text_gets_french_spacing_but_code_and_urls_do_not() {
        let r = render(
            "Bienvenue ! Voir [le site](https://a.ca/?x=1) et `a ? b`.\n",
            1,
            Lang::Fr,
        );
        assert!(r.html.contains("Bienvenue\u{202f}!"), "{}", r.html);
        assert!(r.html.contains(r#"href="https://a.ca/?x=1""#), "{}", r.html);
        assert!(r.html.contains("<code>a ? b</code>"), "{}", r.html);
    }

    #[test]
    fn english_gets_curly_quotes() {
        let r = render("\"Peer\" support isn't alone.\n", 1, Lang::En);
        assert!(r.html.contains("“Peer” support isn’t alone."), "{}", r.html);
    }

    #[test]
    fn links_images_and_html_are_collected() {
        let r = render(
            "[](/en/a/)\n\n![](/x.png)\n\n<div onclick=\"x()\">hi</div>\n",
            1,
            Lang::En,
        );
        assert_eq!(r.links[0].dest, "/en/a/");
        assert!(!r.links[0].has_text);
        assert_eq!(r.images[0].alt, "");
        assert_eq!(r.images[0].line, 3);
        assert_eq!(r.raw_html[0].line, 5);
    }

    #[test]
    fn slugs_keep_accents_and_drop_punctuation() {
        assert_eq!(slugify("Première partie : l’art"), "première-partie-lart");
        assert_eq!(slugify("What's next?"), "whats-next");
    }
}
