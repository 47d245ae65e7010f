//! Validation: everything `site check` reports, collected in one pass over the loaded library.

use crate::content::{Library, Page};
use model::{Diagnostic, Diagnostics, Lang};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Checks the library and returns every problem found.
pub fn check(library: &Library, templates: &BTreeSet<String>) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let by_url: HashMap<&str, &Page> = library.pages.iter().map(|p| (p.url.as_str(), p)).collect();
    check_translations(library, &mut problems);
    check_urls(library, &mut problems);
    check_sections(library, &by_url, &mut problems);
    for page in &library.pages {
        check_front_matter(library, page, templates, &mut problems);
        check_headings(page, &mut problems);
        check_links(library, &by_url, page, &mut problems);
        check_images(page, &mut problems);
        check_raw_html(page, &mut problems);
        check_todos(page, &mut problems);
    }
    check_strings(library, &mut problems);
    check_offering_order(library, &mut problems);
    crate::translations::check(library, &mut problems);
    crate::plain_language::check(library, &mut problems);
    problems
}

/// Every page has its counterpart in the other language, and only one.
fn check_translations(library: &Library, problems: &mut Diagnostics) {
    let mut by_key: BTreeMap<&str, Vec<&Page>> = BTreeMap::new();
    for page in &library.pages {
        by_key.entry(page.key.as_str()).or_default().push(page);
    }
    for (key, pages) in &by_key {
        for lang in Lang::ALL {
            let in_lang: Vec<&&Page> = pages.iter().filter(|p| p.lang == lang).collect();
            if in_lang.len() > 1 {
                for page in &in_lang[1..] {
                    problems.push(
                        Diagnostic::error(
                            &page.file,
                            format!(
                                "two {} pages share the translation key `{key}` (the other is {})",
                                lang_name(lang),
                                in_lang[0].file.display()
                            ),
                        )
                        .at_line(1)
                        .with_help("give each page its own translation_key"),
                    );
                }
            }
        }
        for page in pages {
            let other = page.lang.other();
            if !pages.iter().any(|p| p.lang == other)
                && !library.langs_with_broken_pages.contains(&other)
            {
                let fix = if page.front_matter.translation_key.is_some() {
                    format!(
                        "create the {} page with translation_key = \"{key}\" in content/{other}/",
                        lang_name(other)
                    )
                } else {
                    format!(
                        "create content/{other}/{} (or a page with translation_key = \"{key}\")",
                        page.rel_path
                    )
                };
                problems.push(
                    Diagnostic::error(
                        &page.file,
                        format!("this page has no {} translation", lang_name(other)),
                    )
                    .at_line(1)
                    .with_help(fix),
                );
            }
        }
    }
}

/// No two pages claim the same URL, and each language has a home page.
fn check_urls(library: &Library, problems: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    for page in &library.pages {
        if let Some(first) = seen.insert(page.url.as_str(), page) {
            problems.push(
                Diagnostic::error(
                    &page.file,
                    format!(
                        "this page has the same URL ({}) as {}",
                        page.url,
                        first.file.display()
                    ),
                )
                .at_line(1)
                .with_help("rename one of the files: `x.md` and `x/_index.md` both become /x/"),
            );
        }
    }
    for lang in Lang::ALL {
        let home = format!("/{lang}/");
        // A home page that failed to load is already reported.
        if !library.pages.iter().any(|p| p.url == home) && !library.broken_urls.contains(&home) {
            problems.push(
                Diagnostic::error(
                    format!("content/{lang}/_index.md"),
                    "the home page is missing",
                )
                .with_help("create it: every language needs a home page"),
            );
        }
    }
}

/// Every page but a home page is listed by the section in its folder (`_index.md`): a page
/// no section lists is reachable by no link of the site.
fn check_sections(library: &Library, by_url: &HashMap<&str, &Page>, problems: &mut Diagnostics) {
    for page in &library.pages {
        let Some(parent) = page.parent_url() else {
            continue;
        };
        // A missing home page, or a section that failed to load, is reported on its own.
        if by_url.get(parent.as_str()).is_some_and(|p| p.is_section)
            || library.broken_urls.contains(&parent)
            || parent == format!("/{}/", page.lang)
        {
            continue;
        }
        let parent_dir = |path: &str| path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
        let mut folder = parent_dir(&page.rel_path);
        if page.is_section {
            folder = parent_dir(&folder);
        }
        let folder = folder.as_str();
        problems.push(
            Diagnostic::error(
                &page.file,
                format!(
                    "no section lists this page: content/{}/{folder}/ has no _index.md",
                    page.lang
                ),
            )
            .at_line(1)
            .with_help(section_help(library, by_url, page, folder)),
        );
    }
}

/// Where an unlisted page belongs: the section of its translation's section, when there is one.
fn section_help(
    library: &Library,
    by_url: &HashMap<&str, &Page>,
    page: &Page,
    folder: &str,
) -> String {
    let translated_section = library
        .pages
        .iter()
        .find(|p| p.key == page.key && p.lang != page.lang)
        .and_then(|other| by_url.get(other.parent_url()?.as_str()).copied())
        .and_then(|section| {
            library
                .pages
                .iter()
                .find(|p| p.is_section && p.lang == page.lang && p.key == section.key)
        });
    let create = format!("create content/{}/{folder}/_index.md", page.lang);
    match translated_section {
        Some(section) => format!(
            "move the file into {}/, the {} version of the section that lists its {} version, \
             or {create}",
            section.file.parent().unwrap_or(&section.file).display(),
            lang_name(page.lang),
            lang_name(page.lang.other())
        ),
        None => format!("move the file into the folder of a section, or {create}"),
    }
}

fn check_front_matter(
    library: &Library,
    page: &Page,
    templates: &BTreeSet<String>,
    problems: &mut Diagnostics,
) {
    let fm = &page.front_matter;
    if page.date_modified.is_none() {
        problems.push(
            Diagnostic::error(&page.file, "`date_modified` must be a date like 2025-07-01")
                .at_line(page.field_line(fm.date_modified.span()))
                .with_help("write the date the page last changed, without a time"),
        );
    }
    for (field, value) in [("title", &fm.title), ("description", &fm.description)] {
        if value.trim().is_empty() {
            problems.push(
                Diagnostic::error(&page.file, format!("`{field}` is empty"))
                    .at_line(field_line(page, field))
                    .with_help(format!("write the page's {field}")),
            );
        }
    }
    if let Some(template) = &fm.template
        && !templates.is_empty()
        && !templates.contains(template.get_ref())
    {
        problems.push(
            Diagnostic::error(
                &page.file,
                format!("there is no template `{}`", template.get_ref()),
            )
            .at_line(page.field_line(template.span()))
            .with_help(suggest(
                template.get_ref(),
                templates.iter().map(String::as_str),
            )),
        );
    }
    if let Some(offering) = &fm.offering
        && library.offering(offering.get_ref()).is_none()
        && !library.broken_offerings.contains(offering.get_ref())
    {
        problems.push(
            Diagnostic::error(
                &page.file,
                format!("there is no offering `{}`", offering.get_ref()),
            )
            .at_line(page.field_line(offering.span()))
            .with_help(suggest(
                offering.get_ref(),
                library.offerings.iter().map(|o| o.id.as_str()),
            )),
        );
    }
    if let Some(form) = &fm.form
        && library.form(form.get_ref()).is_none()
        && !library.broken_forms.contains(form.get_ref())
    {
        problems.push(
            Diagnostic::error(&page.file, format!("there is no form `{}`", form.get_ref()))
                .at_line(page.field_line(form.span()))
                .with_help(suggest(
                    form.get_ref(),
                    library.forms.iter().map(|f| f.id.as_str()),
                )),
        );
    }
}

/// The template renders the title as the only h1; the body starts at h2 and never skips.
fn check_headings(page: &Page, problems: &mut Diagnostics) {
    let mut previous = 1u8;
    for heading in &page.body.headings {
        if heading.level == 1 {
            problems.push(
                Diagnostic::error(&page.file, "a level-1 heading (#) in the page body")
                    .at_line(heading.line)
                    .with_help(
                        "the title is the page's only level-1 heading: start the body at ##",
                    ),
            );
        } else if heading.level > previous + 1 {
            problems.push(
                Diagnostic::error(
                    &page.file,
                    format!(
                        "heading level skipped: \"{}\" is level {} after level {previous}",
                        heading.text, heading.level
                    ),
                )
                .at_line(heading.line)
                .with_help(format!(
                    "use {} here, so screen reader users can follow the outline",
                    "#".repeat(usize::from(previous) + 1)
                )),
            );
        }
        previous = heading.level;
    }
}

/// Internal links lead to a page (and a heading on it); every link has text.
fn check_links(
    library: &Library,
    by_url: &HashMap<&str, &Page>,
    page: &Page,
    problems: &mut Diagnostics,
) {
    for link in &page.body.links {
        if !link.has_text {
            problems.push(
                Diagnostic::error(&page.file, format!("the link to {} has no text", link.dest))
                    .at_line(link.line)
                    .with_help("write what the link leads to between the brackets: [Contact us](/en/contact/)"),
            );
        }
        let dest = link.dest.as_str();
        if dest.starts_with("http://") || dest.starts_with("https://") {
            continue;
        }
        if dest.starts_with("mailto:") || dest.starts_with("tel:") {
            continue;
        }
        let (path, fragment) = match dest.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (dest, None),
        };
        // A query string (`/en/contact/?a=1`) leaves the page the same.
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        let target = if path.is_empty() {
            Some(page)
        } else if path.starts_with('/') {
            by_url.get(normalized(path).as_str()).copied()
        } else {
            problems.push(
                Diagnostic::error(&page.file, format!("the link `{dest}` is relative"))
                    .at_line(link.line)
                    .with_help("start internal links at the site root, like /en/contact/"),
            );
            continue;
        };
        let Some(target) = target else {
            if path.ends_with(".ics") || path.starts_with("/assets/") || path.starts_with("/api/") {
                continue;
            }
            // The page is there but failed to load: its own error says so.
            if library.broken_urls.iter().any(|u| *u == normalized(path)) {
                continue;
            }
            let nearest = suggest(path, library.pages.iter().map(|p| p.url.as_str()));
            problems.push(
                Diagnostic::error(&page.file, format!("the link `{dest}` leads to no page"))
                    .at_line(link.line)
                    .with_help(nearest),
            );
            continue;
        };
        if let Some(fragment) = fragment
            && !target.body.headings.iter().any(|h| h.id == fragment)
            && !TEMPLATE_ANCHORS.contains(&fragment)
        {
            problems.push(
                Diagnostic::error(
                    &page.file,
                    format!("the link `{dest}` names an anchor that is not on that page"),
                )
                .at_line(link.line)
                .with_help(suggest(
                    fragment,
                    target.body.headings.iter().map(|h| h.id.as_str()),
                )),
            );
        }
    }
}

/// A site path as pages' URLs are written: `/en/contact` is `/en/contact/`.
fn normalized(path: &str) -> String {
    if path.ends_with('/') || path.contains('.') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

/// Anchors every page has from its layout.
const TEMPLATE_ANCHORS: [&str; 1] = ["main-content"];

fn check_images(page: &Page, problems: &mut Diagnostics) {
    for image in &page.body.images {
        if image.alt.trim().is_empty() {
            problems.push(
                Diagnostic::error(
                    &page.file,
                    format!("the image {} has no alternative text", image.src),
                )
                .at_line(image.line)
                .with_help("describe the image between the brackets: ![A peer group meeting online](/assets/x.png)"),
            );
        }
    }
}

/// Raw HTML that a strict Content-Security-Policy (`default-src 'self'`) would block.
fn check_raw_html(page: &Page, problems: &mut Diagnostics) {
    for raw in &page.body.raw_html {
        let lower = raw.html.to_ascii_lowercase();
        let reason = if lower.contains("<script") {
            Some("an inline <script>")
        } else if lower.contains("<style") {
            Some("an inline <style> block")
        } else if has_attribute(&lower, "style") {
            Some("a style attribute")
        } else if has_event_handler(&lower) {
            Some("an event handler attribute (onclick, onload, ...)")
        } else if lower.contains("javascript:") {
            Some("a javascript: URL")
        } else {
            None
        };
        if let Some(reason) = reason {
            problems.push(
                Diagnostic::error(
                    &page.file,
                    format!("{reason} would be blocked by the site's Content-Security-Policy"),
                )
                .at_line(raw.line)
                .with_help("remove it: styles belong in static/site.css and scripts in static/"),
            );
        }
    }
}

fn has_attribute(html: &str, name: &str) -> bool {
    html.match_indices(name).any(|(i, _)| {
        let before = html[..i].chars().last();
        let after = html[i + name.len()..].trim_start();
        before.is_some_and(char::is_whitespace) && after.starts_with('=')
    })
}

fn has_event_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(i, _)| {
        let rest = &html[i + 3..];
        let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    })
}

/// `site new` leaves TODO markers; a page is not done until they are gone.
fn check_todos(page: &Page, problems: &mut Diagnostics) {
    for (number, line) in page.front_matter_text.lines().enumerate() {
        if line.contains("TODO") {
            problems.push(
                Diagnostic::error(&page.file, "a TODO marker is still in the front matter")
                    .at_line(number + 2)
                    .with_help("replace the TODO with the real text"),
            );
        }
    }
    for line in &page.body.todo_lines {
        problems.push(
            Diagnostic::error(&page.file, "a TODO marker is still in the page")
                .at_line(*line)
                .with_help("replace the TODO with the real text"),
        );
    }
}

/// The neutral words that replace the program's name where `[discretion]` says (site.toml);
/// the handler needs them too, for acknowledgements.
fn check_discreet_words(library: &Library, problems: &mut Diagnostics) {
    let discretion = library.config.discretion;
    let file = std::path::Path::new("content/strings.toml");
    let acknowledges = library.forms.iter().any(|f| f.acknowledgement.is_some());
    if ((discretion.acknowledgements && acknowledges)
        || (discretion.calendar && !library.offerings.is_empty()))
        && let Err(missing) = model::discretion::DiscreetWords::from_strings(file, &library.strings)
    {
        problems.push(missing);
    }
    let key = "calendar_privacy_discreet";
    if discretion.calendar && !library.offerings.is_empty() && !library.strings.contains_key(key) {
        problems.push(
            Diagnostic::error(
                file,
                format!("the string `{key}` is missing (the note under the calendar links)"),
            )
            .with_help(format!(
                "add a line: {key} = {{ en = \"...\", fr = \"...\" }}, saying calendar files do \
                 not name the program"
            )),
        );
    }
}

fn check_strings(library: &Library, problems: &mut Diagnostics) {
    let required = crate::view::REQUIRED_STRINGS
        .iter()
        .chain([&crate::view::COMMITMENT_CLOSED])
        .filter(|_| !library.offerings.is_empty());
    for key in required {
        if !library.strings.contains_key(*key) {
            problems.push(
                Diagnostic::error(
                    "content/strings.toml",
                    format!("the string `{key}` is missing (offering pages need it)"),
                )
                .with_help(format!(
                    "add a line: {key} = {{ en = \"...\", fr = \"...\" }}"
                )),
            );
        }
    }
    check_discreet_words(library, problems);
    crate::string_keys::check(library, problems);
    for (key, value) in &library.strings {
        for lang in Lang::ALL {
            if value.get(lang).contains("TODO") || value.get(lang).trim().is_empty() {
                problems.push(
                    Diagnostic::error(
                        "content/strings.toml",
                        format!("the {} text of `{key}` is empty or a TODO", lang_name(lang)),
                    )
                    .with_help("write the text"),
                );
            }
        }
    }
}

/// Where a page stands as the site lists it: its section's weight and URL, then its own.
type ListPosition<'a> = (i32, &'a str, i32, &'a str);

/// Forms list the offerings in their files' order (`weight`, then id); the site lists the pages
/// presenting them by section, then page `weight`. A person must meet them in the same order
/// in both (Informal before Formal on the group pages and in the intake form alike).
fn check_offering_order(library: &Library, problems: &mut Diagnostics) {
    let by_url: HashMap<&str, &Page> = library.pages.iter().map(|p| (p.url.as_str(), p)).collect();
    let mut reported = false;
    for lang in Lang::ALL {
        let mut pages: Vec<(ListPosition, &str)> = library
            .pages
            .iter()
            .filter(|p| p.lang == lang)
            .filter_map(|p| {
                let offering = library.offering(p.front_matter.offering.as_ref()?.get_ref())?;
                let section = p.parent_url().and_then(|u| by_url.get(u.as_str()).copied());
                let key = (
                    section.map_or(0, |s| s.front_matter.weight),
                    section.map_or("", |s| s.url.as_str()),
                    p.front_matter.weight,
                    p.url.as_str(),
                );
                Some((key, offering.id.as_str()))
            })
            .collect();
        pages.sort();
        let mut page_order: Vec<&str> = Vec::new();
        for (_, id) in pages {
            if !page_order.contains(&id) {
                page_order.push(id);
            }
        }
        let form_order: Vec<&str> = library
            .offerings
            .iter()
            .map(|o| o.id.as_str())
            .filter(|id| page_order.contains(id))
            .collect();
        if form_order == page_order || reported {
            continue;
        }
        reported = true;
        // Name the first offering the forms put out of place.
        let misplaced = page_order
            .iter()
            .zip(&form_order)
            .find(|(page, form)| page != form)
            .map_or(page_order[0], |(page, _)| *page);
        let offering = library
            .offering(misplaced)
            .expect("listed from the library");
        let weights: Vec<String> = page_order
            .iter()
            .enumerate()
            .map(|(i, id)| format!("{id} {}", (i + 1) * 10))
            .collect();
        problems.push(
            Diagnostic::error(
                crate::content::relative(&library.root, &offering.file),
                format!(
                    "the forms list the offerings as {}, but the {} pages as {}",
                    form_order.join(", "),
                    lang_name(lang),
                    page_order.join(", ")
                ),
            )
            .at_optional_line(offering.weight_line)
            .with_help(format!(
                "set `weight` in each content/offerings/ file to follow the pages: {}",
                weights.join(", ")
            )),
        );
    }
}

fn field_line(page: &Page, field: &str) -> usize {
    page.front_matter_text
        .lines()
        .position(|l| l.trim_start().starts_with(field))
        .map_or(1, |i| i + 2)
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Fr => "French",
    }
}

/// "did you mean `x`?" for the closest of `candidates`, or the list when none is close.
pub fn suggest<'a>(wrong: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let candidates: Vec<&str> = candidates.collect();
    let best = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), *c))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!("did you mean `{c}`?"),
        None if candidates.is_empty() => "there is none to choose from".to_string(),
        None => format!("choose one of: {}", candidates.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_handlers_and_style_attributes_are_found() {
        assert!(has_event_handler("<div onclick=\"x()\">"));
        assert!(has_event_handler("<img src=x onerror = y>"));
        assert!(!has_event_handler("<p>only one</p>"));
        assert!(has_attribute("<p style=\"color:red\">", "style"));
        assert!(!has_attribute("<p class=\"lifestyle\">", "style"));
    }

    #[test]
    fn suggestions_name_the_close_one() {
        assert_eq!(
            suggest("/en/contct/", ["/en/contact/", "/en/"].into_iter()),
            "did you mean `/en/contact/`?"
        );
    }
}
