//! Plain language: the advice `site check` gives as warnings (long sentences, long paragraphs,
//! headings with no text under them, words on the list in `content/style.toml`), and the
//! readability score per page that `site check --report` prints.
//!
//! Sentences: a sentence ends at `.`, `!`, `?` or `…` (closing quotes and brackets after it
//! allowed) when the next word starts with a capital letter, a digit or an opening quote, unless
//! the word ending there is a known abbreviation (`e.g.`, `M.`, `p. ex.`, ...) or an initial. A
//! list item, a heading or a table cell ends a sentence even without a period: list fragments
//! are short sentences. Code, URLs and email addresses are not words.

use crate::content::{Library, Page};
use model::diagnostic::LineIndex;
use model::{Diagnostic, Diagnostics, Lang, front_matter};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The most sentences a paragraph should have.
pub const MAX_SENTENCES: usize = 5;

/// The most words a sentence should have: French needs a few more words for the same idea.
pub fn max_sentence_words(lang: Lang) -> usize {
    match lang {
        Lang::En => 25,
        Lang::Fr => 30,
    }
}

/// The words to avoid and what to write instead, per language (`content/style.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    #[serde(default)]
    pub en: BTreeMap<String, String>,
    #[serde(default)]
    pub fr: BTreeMap<String, String>,
}

impl Style {
    fn avoid(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }
}

/// Where the list of words to avoid lives, relative to the site's root.
pub const STYLE_FILE: &str = "content/style.toml";

/// Reads `content/style.toml`; a site without one avoids no words, and a file that does not
/// parse is an error at its line.
pub fn load_style(root: &Path, diagnostics: &mut Diagnostics) -> Style {
    let path = root.join(STYLE_FILE);
    if !path.exists() {
        return Style::default();
    }
    let parsed = front_matter::read_text(&path)
        .map_err(|d| model::Diagnostic {
            file: STYLE_FILE.into(),
            ..d
        })
        .and_then(|text| front_matter::parse::<Style>(Path::new(STYLE_FILE), &text, 1));
    match parsed {
        Ok(style) => style,
        Err(d) => {
            diagnostics.push(d);
            Style::default()
        }
    }
}

/// A run of prose in a page body: a paragraph, a list item's own text, a table cell or a
/// heading, with a way back from a byte of its text to the file line.
#[derive(Debug, Clone, Default)]
struct Prose {
    is_heading: bool,
    text: String,
    /// (offset in `text`, file line) where each piece of source text starts.
    pieces: Vec<(usize, usize)>,
}

impl Prose {
    fn line_at(&self, offset: usize) -> usize {
        let index = self.pieces.partition_point(|(start, _)| *start <= offset);
        self.pieces[index.saturating_sub(1)].1
    }

    fn line(&self) -> usize {
        self.pieces.first().map_or(1, |p| p.1)
    }
}

/// What a body is made of, in order: prose, and anything else (code, HTML, tables' borders).
#[derive(Debug, Clone)]
enum Block {
    Prose(Prose),
    Other,
}

/// Splits a Markdown body into blocks of prose. A list item holds only its own text: a list
/// nested in it is its own blocks.
fn blocks(body: &str, first_line: usize) -> Vec<Block> {
    let lines = LineIndex::new(body);
    let mut out = Vec::new();
    let mut current: Option<Prose> = None;
    let flush = |current: &mut Option<Prose>, out: &mut Vec<Block>| {
        if let Some(prose) = current.take().filter(|p| !p.text.trim().is_empty()) {
            out.push(Block::Prose(prose));
        }
    };
    for (event, range) in Parser::new_ext(body, Options::ENABLE_TABLES).into_offset_iter() {
        let line = lines.line(range.start) + first_line - 1;
        match event {
            Event::Start(Tag::Heading { .. }) => {
                flush(&mut current, &mut out);
                current = Some(Prose {
                    is_heading: true,
                    ..Prose::default()
                });
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::TableCell | Tag::List(_)) => {
                flush(&mut current, &mut out);
                current = Some(Prose::default());
            }
            Event::End(
                TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell,
            ) => flush(&mut current, &mut out),
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) => {
                flush(&mut current, &mut out);
                out.push(Block::Other);
            }
            Event::Text(text) => {
                if let Some(prose) = &mut current {
                    prose.pieces.push((prose.text.len(), line));
                    prose.text.push_str(&text);
                }
            }
            // Code is not prose; a space keeps the words around it apart.
            Event::Code(_) | Event::SoftBreak | Event::HardBreak => {
                if let Some(prose) = &mut current {
                    prose.text.push(' ');
                }
            }
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

/// Words that end with a period without ending a sentence, lowercase.
const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "etc.", "vs.", "dr.", "dre.", "mr.", "mrs.", "ms.", "m.", "mm.", "mme.",
    "mmes.", "st.", "ste.", "no.", "nos.", "p.", "ex.", "c.-à-d.", "env.", "approx.", "a.m.",
    "p.m.", "inc.", "ltd.", "jr.", "sr.", "tél.", "tel.",
];

/// A sentence: its words and the offset in its prose where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sentence {
    start: usize,
    words: Vec<String>,
}

/// The sentences of a run of prose (see the module's comment for the rule).
fn sentences(text: &str) -> Vec<Sentence> {
    let tokens: Vec<(usize, &str)> = text
        .split_whitespace()
        .map(|t| (t.as_ptr() as usize - text.as_ptr() as usize, t))
        .collect();
    let mut out = Vec::new();
    let mut current: Option<Sentence> = None;
    for (i, (offset, token)) in tokens.iter().enumerate() {
        let sentence = current.get_or_insert_with(|| Sentence {
            start: *offset,
            words: Vec::new(),
        });
        if is_word(token) {
            sentence.words.push(token.to_string());
        }
        let next = tokens.get(i + 1).map(|(_, t)| *t);
        if next.is_some_and(starts_sentence) && ends_sentence(token) {
            out.extend(current.take().filter(|s| !s.words.is_empty()));
        }
    }
    out.extend(current.filter(|s| !s.words.is_empty()));
    out
}

fn ends_sentence(token: &str) -> bool {
    let core = token.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '\u{a0}', '\u{202f}']);
    if !core.ends_with(['.', '!', '?', '…']) {
        return false;
    }
    let lower = core.to_lowercase();
    let initial = core.chars().count() == 2 && core.starts_with(char::is_uppercase);
    !(ABBREVIATIONS.contains(&lower.as_str()) || initial)
}

fn starts_sentence(token: &str) -> bool {
    let first = token
        .trim_start_matches(['"', '\'', '“', '‘', '«', '(', '[', '\u{a0}', '\u{202f}'])
        .chars()
        .next();
    first.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// A token with a letter or digit that is not an address.
fn is_word(token: &str) -> bool {
    let address = token.contains("://")
        || token.starts_with("www.")
        || (token.contains('@') && token.contains('.'));
    token.chars().any(char::is_alphanumeric) && !address
}

/// Every plain-language warning of the library's pages, and of the text in both languages of
/// its offerings (which their pages show). Forms are not checked yet: their privacy notices
/// follow the wording the Privacy Act statements require, and need a reviewer's care.
pub fn check(library: &Library, problems: &mut Diagnostics) {
    for page in &library.pages {
        check_page(page, library.style.avoid(page.lang), problems);
    }
    let files = library
        .offerings
        .iter()
        .map(|o| format!("content/offerings/{}.toml", o.id));
    for file in files {
        if let Ok(text) = std::fs::read_to_string(library.root.join(&file)) {
            check_values(Path::new(&file), &text, &library.style, problems);
        }
    }
}

/// Long sentences and avoided words in each `{ en = "...", fr = "..." }` value of a file.
fn check_values(file: &Path, text: &str, style: &Style, problems: &mut Diagnostics) {
    let Ok(values) = crate::translations::localized_values(text) else {
        return; // a file that does not parse is already reported
    };
    for value in &values {
        for lang in Lang::ALL {
            let prose = Prose {
                is_heading: false,
                text: value.text(lang).to_string(),
                pieces: vec![(0, value.line)],
            };
            let mut found = Diagnostics::default();
            check_words(file, &prose, style.avoid(lang), &mut found);
            check_sentences(file, lang, &prose, &mut found);
            let what = format!("the {} text of `{}`", lang_name(lang), value.path);
            problems.extend(found.into_iter().map(|d| Diagnostic {
                message: format!("{what}: {}", d.message),
                ..d
            }));
        }
    }
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Fr => "French",
    }
}

fn check_page(page: &Page, avoid: &BTreeMap<String, String>, problems: &mut Diagnostics) {
    let blocks = blocks(&page.body_text, page.body_line);
    for (i, block) in blocks.iter().enumerate() {
        let Block::Prose(prose) = block else { continue };
        check_words(&page.file, prose, avoid, problems);
        if prose.is_heading {
            // A section's list of pages, or a page's form, comes right after its text: a last
            // heading may introduce it.
            let followed = match blocks.get(i + 1) {
                Some(Block::Prose(next)) => !next.is_heading,
                Some(Block::Other) => true,
                None => page.is_section || page.front_matter.form.is_some(),
            };
            if !followed {
                problems.push(
                    Diagnostic::warning(&page.file, "this heading is not followed by any text")
                        .at_line(prose.line())
                        .with_help(
                            "write a sentence or two under it, or remove it: a heading \
                             introduces text",
                        ),
                );
            }
            continue;
        }
        check_sentences(&page.file, page.lang, prose, problems);
    }
}

fn check_sentences(file: &Path, lang: Lang, prose: &Prose, problems: &mut Diagnostics) {
    let found = sentences(&prose.text);
    let limit = max_sentence_words(lang);
    for sentence in &found {
        if sentence.words.len() > limit {
            let opening: Vec<&str> = sentence.words.iter().take(6).map(String::as_str).collect();
            problems.push(
                Diagnostic::warning(
                    file,
                    format!(
                        "this sentence has {} words (\"{} ...\"): plain language keeps \
                         sentences to {limit} words at most",
                        sentence.words.len(),
                        opening.join(" ")
                    ),
                )
                .at_line(prose.line_at(sentence.start))
                .with_help("split it into two sentences, one idea each"),
            );
        }
    }
    if found.len() > MAX_SENTENCES {
        problems.push(
            Diagnostic::warning(
                file,
                format!(
                    "this paragraph has {} sentences: plain language keeps paragraphs to \
                     {MAX_SENTENCES} at most",
                    found.len()
                ),
            )
            .at_line(prose.line())
            .with_help("split it into shorter paragraphs, or make a list"),
        );
    }
}

/// Warns for each word or phrase of the style list found in `prose` (either apostrophe).
fn check_words(
    file: &Path,
    prose: &Prose,
    avoid: &BTreeMap<String, String>,
    problems: &mut Diagnostics,
) {
    // Lowercasing keeps the byte offsets of the letters our two languages use.
    let text = prose.text.to_lowercase();
    for (word, prefer) in avoid {
        let straight = word.to_lowercase().replace('’', "'");
        let curly = straight.replace('\'', "’");
        let mut found: Vec<usize> = text.match_indices(&straight).map(|(i, _)| i).collect();
        if curly != straight {
            found.extend(text.match_indices(&curly).map(|(i, _)| i));
        }
        found.sort_unstable();
        for offset in found {
            let len = if text[offset..].starts_with(&straight) {
                straight.len()
            } else {
                curly.len()
            };
            let before = text[..offset].chars().next_back();
            let after = text[offset + len..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue; // part of a longer word
            }
            problems.push(
                Diagnostic::warning(
                    file,
                    format!("plain language: write \"{prefer}\" rather than \"{word}\""),
                )
                .at_line(prose.line_at(offset))
                .with_help(format!(
                    "{STYLE_FILE} lists the words to avoid and the plainer ones to use"
                )),
            );
        }
    }
}

/// How easy a page is to read, by the standard score of its language.
#[derive(Debug, Clone, PartialEq)]
pub struct Readability {
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
    /// Flesch reading ease (English) or its Kandel-Moles adaptation (French): higher is
    /// easier; 60 to 70 is plain language, under 50 is hard.
    pub score: f64,
}

/// The readability of a page's prose (headings left out).
pub fn readability(page: &Page) -> Readability {
    let (mut words, mut sentence_count, mut syllable_count) = (0, 0, 0);
    for block in blocks(&page.body_text, page.body_line) {
        let Block::Prose(prose) = block else { continue };
        if prose.is_heading {
            continue;
        }
        for sentence in sentences(&prose.text) {
            sentence_count += 1;
            words += sentence.words.len();
            syllable_count += sentence
                .words
                .iter()
                .map(|w| syllables(w, page.lang))
                .sum::<usize>();
        }
    }
    let per_sentence = words as f64 / sentence_count.max(1) as f64;
    let per_word = syllable_count as f64 / words.max(1) as f64;
    let score = match page.lang {
        Lang::En => 206.835 - 1.015 * per_sentence - 84.6 * per_word,
        Lang::Fr => 207.0 - 1.015 * per_sentence - 73.6 * per_word,
    };
    Readability {
        words,
        sentences: sentence_count,
        syllables: syllable_count,
        score,
    }
}

/// Syllables in a word, by counting groups of vowels: a silent final `e` (English "made",
/// French "aide", "aides") is not one. A heuristic, as the scores' authors used by hand; no
/// small, maintained crate counts French syllables.
pub fn syllables(word: &str, lang: Lang) -> usize {
    let lower: Vec<char> = word
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    if lower.is_empty() {
        return 1; // a number is read as one word at least
    }
    let vowel = |c: char| "aeiouyàâäéèêëîïôöùûüÿæœ".contains(c);
    let mut groups = 0;
    let mut previous = false;
    for &c in &lower {
        let is_vowel = vowel(c);
        if is_vowel && !previous {
            groups += 1;
        }
        previous = is_vowel;
    }
    let ends = |suffix: &str| lower.iter().collect::<String>().ends_with(suffix);
    let silent_e = match lang {
        Lang::En => ends("e") && !ends("le") && !ends("ee"),
        Lang::Fr => ends("e") || ends("es"),
    };
    if silent_e && groups > 1 {
        groups -= 1;
    }
    groups.max(1)
}

/// `site check --report`: the readability of every page, one line each, English then French.
pub fn report(library: &Library) -> String {
    let mut out = String::from(
        "Readability (Flesch reading ease in English, Kandel-Moles in French; higher is \
         easier, 60 and up is plain language):\n",
    );
    let mut pages: Vec<&Page> = library.pages.iter().collect();
    pages.sort_by(|a, b| (a.lang, &a.file).cmp(&(b.lang, &b.file)));
    for page in pages {
        let r = readability(page);
        out.push_str(&format!(
            "{:>6.1}  {}  ({} words, {:.1} words a sentence)\n",
            r.score,
            page.file.display(),
            r.words,
            r.words as f64 / r.sentences.max(1) as f64
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_per_sentence(text: &str) -> Vec<usize> {
        sentences(text).iter().map(|s| s.words.len()).collect()
    }

    #[test]
    fn sentences_end_at_a_period_before_a_capital() {
        assert_eq!(words_per_sentence("One two. Three four five."), vec![2, 3]);
        assert_eq!(words_per_sentence("Call us! We answer."), vec![2, 2]);
        assert_eq!(
            words_per_sentence("Bienvenue ! Voir les activités."),
            vec![1, 3]
        );
        assert_eq!(
            words_per_sentence("It ends at 5 p.m. and not later."),
            vec![8]
        );
    }

    #[test]
    fn abbreviations_and_initials_end_no_sentence() {
        assert_eq!(words_per_sentence("Bring a pen, e.g. Blue ones."), vec![6]);
        assert_eq!(
            words_per_sentence("Parlez à M. Tremblay, p. ex. Demain."),
            vec![7]
        );
        assert_eq!(words_per_sentence("Ask J. Smith today."), vec![4]);
    }

    #[test]
    fn urls_code_and_dashes_are_not_words() {
        assert_eq!(
            words_per_sentence("See https://example.ca — or write to a@b.ca now."),
            vec![5]
        );
    }

    #[test]
    fn list_items_and_headings_are_blocks_of_their_own() {
        let body =
            "## Title\n\nIntro text.\n\n- item one\n- item two\n  - nested\n\n```\ncode\n```\n";
        let kinds: Vec<String> = blocks(body, 10)
            .iter()
            .map(|b| match b {
                Block::Prose(p) if p.is_heading => format!("h{}", p.line()),
                Block::Prose(p) => format!("{}@{}", p.text.trim(), p.line()),
                Block::Other => "other".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "h10",
                "Intro text.@12",
                "item one@14",
                "item two@15",
                "nested@16",
                "other"
            ]
        );
    }

    #[test]
    fn syllables_are_vowel_groups_without_a_silent_e() {
        assert_eq!(syllables("support", Lang::En), 2);
        assert_eq!(syllables("made", Lang::En), 1);
        assert_eq!(syllables("table", Lang::En), 2);
        assert_eq!(syllables("aide", Lang::Fr), 1);
        assert_eq!(syllables("soutien", Lang::Fr), 2);
        assert_eq!(syllables("pairs", Lang::Fr), 1);
        assert_eq!(syllables("2026", Lang::Fr), 1);
    }
}
