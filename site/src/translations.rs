//! Translation freshness: each translation records which version of its source it follows, and
//! `site check` warns when the source's text has changed since a translator last reviewed it.
//!
//! A page records it in its front matter, written by `site translated FILE`:
//! `translates = { from = "en", text = "3fa2c1 09bd44 ..." }`, one short fingerprint per
//! paragraph of its counterpart (title and description first). A file holding both languages
//! (an offering, a form) records it in a `[translation]` table: the language translated from,
//! and one fingerprint per localized value, keyed by the value's path (`fields.email.label`).
//! Whitespace is normalized first, so re-wrapping a paragraph is not a change.

use crate::content::{self, Library, Page};
use model::diagnostic::LineIndex;
use model::translation::PageRecord;
use model::{Diagnostic, Diagnostics, Lang};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// One paragraph (or title, heading, list item) of a text, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub line: usize,
    pub fingerprint: String,
}

/// A short fingerprint of `text` with its whitespace normalized: 6 hex digits of SHA-256, so a
/// page's record stays one readable line (a chance change going unseen is 1 in 16 million).
pub fn fingerprint(text: &str) -> String {
    let normalized = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let digest = Sha256::digest(normalized.as_bytes());
    digest[..3].iter().map(|b| format!("{b:02x}")).collect()
}

/// A page's blocks: its title, its description, then each paragraph of its body. A paragraph
/// is a run of non-blank lines; a heading and each list item start one of their own, so a
/// changed item is named by its own line.
pub fn page_blocks(page: &Page) -> Vec<Block> {
    let fm = &page.front_matter;
    let mut blocks = vec![
        Block {
            line: front_matter_line(page, "title"),
            fingerprint: fingerprint(&fm.title),
        },
        Block {
            line: front_matter_line(page, "description"),
            fingerprint: fingerprint(&fm.description),
        },
    ];
    blocks.extend(body_blocks(&page.body_text, page.body_line));
    blocks
}

/// The paragraphs of a Markdown body that starts at `first_line` of its file.
fn body_blocks(body: &str, first_line: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut flush = |current: &mut Option<(usize, String)>| {
        if let Some((line, text)) = current.take() {
            blocks.push(Block {
                line,
                fingerprint: fingerprint(&text),
            });
        }
    };
    for (index, line) in body.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            flush(&mut current);
            continue;
        }
        if starts_block(trimmed) {
            flush(&mut current);
        }
        match &mut current {
            Some((_, text)) => {
                text.push('\n');
                text.push_str(line);
            }
            None => current = Some((first_line + index, line.to_string())),
        }
    }
    flush(&mut current);
    blocks
}

/// A heading or a list item starts a block even without a blank line before it.
fn starts_block(line: &str) -> bool {
    let ordered = line
        .split_once(". ")
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    line.starts_with('#')
        || line.starts_with("- ")
        || line.starts_with("* ")
        || line.starts_with("+ ")
        || ordered
}

/// The file line of a front-matter field (`title = ...`), or 1.
fn front_matter_line(page: &Page, field: &str) -> usize {
    page.front_matter_text
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 2)
}

/// The record a translation of `source` carries: its language and its blocks' fingerprints.
pub fn page_record(source: &Page) -> PageRecord {
    PageRecord {
        from: source.lang,
        text: page_blocks(source)
            .iter()
            .map(|b| b.fingerprint.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Every translation-freshness warning of the library: pages, then bilingual files.
pub fn check(library: &Library, problems: &mut Diagnostics) {
    for page in &library.pages {
        let Some(counterpart) = library
            .pages
            .iter()
            .find(|p| p.key == page.key && p.lang != page.lang)
        else {
            continue; // reported as a missing translation
        };
        match &page.front_matter.translates {
            // Each would warn whenever the other is brought in line: one records, not both.
            Some(record)
                if page.lang == Lang::En && counterpart.front_matter.translates.is_some() =>
            {
                problems.push(both_recorded(page, counterpart, record));
            }
            Some(record) => check_page(page, counterpart, record, problems),
            // One warning per unrecorded pair, on its French page.
            None if page.lang == Lang::Fr && counterpart.front_matter.translates.is_none() => {
                problems.push(unrecorded_pair(page, counterpart))
            }
            None => {}
        }
    }
    for (folder, ids) in bilingual_files(library) {
        for id in ids {
            let file = PathBuf::from(format!("content/{folder}/{id}.toml"));
            if let Ok(text) = std::fs::read_to_string(library.root.join(&file)) {
                check_bilingual_file(&file, &text, problems);
            }
        }
    }
}

/// The offerings and forms that loaded (one that did not is already reported), by folder.
fn bilingual_files(library: &Library) -> [(&'static str, Vec<&str>); 2] {
    [
        (
            "offerings",
            library.offerings.iter().map(|o| o.id.as_str()).collect(),
        ),
        (
            "forms",
            library.forms.iter().map(|f| f.id.as_str()).collect(),
        ),
    ]
}

fn unrecorded_pair(page: &Page, counterpart: &Page) -> Diagnostic {
    Diagnostic::warning(
        &page.file,
        format!(
            "neither this page nor {} records which version of the other it translates, so a \
             change to either cannot be caught",
            counterpart.file.display()
        ),
    )
    .at_line(1)
    .with_help(format!(
        "once a translator has checked that the two say the same thing, run `site translated \
         FILE` on the page written second (usually `site translated {}`)",
        page.file.display()
    ))
}

fn both_recorded(
    page: &Page,
    counterpart: &Page,
    record: &toml::Spanned<PageRecord>,
) -> Diagnostic {
    Diagnostic::warning(
        &page.file,
        format!(
            "this page and {} each record that they translate the other: only the \
             translation (the page written second) should",
            counterpart.file.display()
        ),
    )
    .at_line(page.field_line(record.span()))
    .with_help("delete the `translates` line of the page that was written first")
}

fn check_page(
    page: &Page,
    source: &Page,
    record: &toml::Spanned<PageRecord>,
    problems: &mut Diagnostics,
) {
    let line = page.field_line(record.span());
    if record.get_ref().from != source.lang {
        problems.push(
            Diagnostic::error(
                &page.file,
                format!(
                    "`translates` says this page translates the {} page, but its counterpart \
                     is {}",
                    lang_name(record.get_ref().from),
                    source.file.display()
                ),
            )
            .at_line(line)
            .with_help(format!(
                "run `site translated {}` to record the counterpart's text",
                page.file.display()
            )),
        );
        return;
    }
    let current = page_blocks(source);
    let Some(change) = compare(&record.get_ref().text, &current) else {
        return;
    };
    problems.push(
        Diagnostic::warning(
            &page.file,
            format!(
                "{} has changed since this translation was last reviewed: {change}",
                source.file.display()
            ),
        )
        .at_line(line)
        .with_help(format!(
            "bring this page in line with {}, then run `site translated {}`",
            source.file.display(),
            page.file.display()
        )),
    );
}

/// What changed between the recorded fingerprints and the source's blocks, in words, or `None`
/// when nothing did. A block whose fingerprint is not recorded is changed (or new); a recorded
/// fingerprint no block has any more is a removed paragraph.
fn compare(recorded: &str, current: &[Block]) -> Option<String> {
    let recorded: Vec<&str> = recorded.split_whitespace().collect();
    if recorded
        .iter()
        .copied()
        .eq(current.iter().map(|b| b.fingerprint.as_str()))
    {
        return None;
    }
    let mut unmatched: BTreeMap<&str, usize> = BTreeMap::new();
    for fingerprint in &recorded {
        *unmatched.entry(fingerprint).or_default() += 1;
    }
    let mut changed = Vec::new();
    for block in current {
        match unmatched.get_mut(block.fingerprint.as_str()) {
            Some(count) if *count > 0 => *count -= 1,
            _ => changed.push(block.line),
        }
    }
    // A recorded paragraph with no match, beside a changed one, is that paragraph before the
    // change: only the surplus was removed.
    let removed = unmatched
        .values()
        .sum::<usize>()
        .saturating_sub(changed.len());
    let mut parts = Vec::new();
    if !changed.is_empty() {
        let lines: Vec<String> = changed.iter().map(usize::to_string).collect();
        let (noun, verb) = if changed.len() == 1 {
            ("the paragraph at line", "is")
        } else {
            ("the paragraphs at lines", "are")
        };
        parts.push(format!("{noun} {} changed or {verb} new", lines.join(", ")));
    }
    if removed > 0 {
        let s = if removed == 1 { "" } else { "s" };
        parts.push(format!("{removed} paragraph{s} removed"));
    }
    if parts.is_empty() {
        parts.push("its paragraphs were reordered".to_string());
    }
    Some(parts.join("; "))
}

/// A value given in both languages in a TOML file, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedValue {
    /// `title`, `cohorts.english.note`, `fields.email.label`: array items are named by their
    /// `id`, `name`, `value` or `topic` when they have one, else by their position.
    pub path: String,
    pub line: usize,
    pub en: String,
    pub fr: String,
}

impl LocalizedValue {
    /// The value in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }
}

/// Every `{ en = "...", fr = "..." }` value of a TOML text, outside its `[translation]` table.
pub fn localized_values(text: &str) -> Result<Vec<LocalizedValue>, String> {
    let table = DeTable::parse(text).map_err(|err| err.message().to_string())?;
    let lines = LineIndex::new(text);
    let mut values = Vec::new();
    for (key, value) in table.get_ref().iter() {
        if key.get_ref() != "translation" {
            walk(key.get_ref(), value, &lines, &mut values);
        }
    }
    // In the file's order, so the record reads like the file.
    values.sort_by_key(|v| v.line);
    Ok(values)
}

fn walk(
    path: &str,
    value: &toml::Spanned<DeValue<'_>>,
    lines: &LineIndex,
    out: &mut Vec<LocalizedValue>,
) {
    match value.get_ref() {
        DeValue::Table(table) => {
            if let Some((en, fr)) = as_localized(table) {
                out.push(LocalizedValue {
                    path: path.to_string(),
                    line: lines.line(value.span().start),
                    en,
                    fr,
                });
                return;
            }
            for (key, child) in table.iter() {
                walk(&format!("{path}.{}", key.get_ref()), child, lines, out);
            }
        }
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let name = item_name(item.get_ref()).unwrap_or_else(|| index.to_string());
                walk(&format!("{path}.{name}"), item, lines, out);
            }
        }
        _ => {}
    }
}

/// `{ en = "...", fr = "..." }` and nothing else.
fn as_localized(table: &DeTable<'_>) -> Option<(String, String)> {
    let mut en = None;
    let mut fr = None;
    for (key, value) in table.iter() {
        let text = value.get_ref().as_str()?.to_string();
        match key.get_ref().as_ref() {
            "en" => en = Some(text),
            "fr" => fr = Some(text),
            _ => return None,
        }
    }
    Some((en?, fr?))
}

/// The name an array item goes by in a path: its `id`, `name`, `value` or `topic`.
fn item_name(item: &DeValue<'_>) -> Option<String> {
    let table = item.as_table()?;
    ["id", "name", "value", "topic"].iter().find_map(|wanted| {
        table
            .iter()
            .find(|(key, _)| key.get_ref() == wanted)
            .and_then(|(_, value)| value.get_ref().as_str().map(str::to_string))
    })
}

/// The `[translation]` table of a bilingual file, if any: `from` and `text` (path -> print).
fn file_record(text: &str) -> Option<model::translation::FileRecord> {
    #[derive(serde::Deserialize)]
    struct Only {
        translation: Option<model::translation::FileRecord>,
    }
    toml::from_str::<Only>(text).ok()?.translation
}

/// Warns for each value whose source-language text changed since the file's record.
fn check_bilingual_file(file: &Path, text: &str, problems: &mut Diagnostics) {
    let Ok(values) = localized_values(text) else {
        return; // a file that does not parse is already reported
    };
    if values.is_empty() {
        return;
    }
    let Some(record) = file_record(text) else {
        problems.push(
            Diagnostic::warning(
                file,
                "this file records no translation review, so a change to the text of one \
                 language cannot be caught",
            )
            .at_line(1)
            .with_help(format!(
                "once a translator has checked both languages, run `site translated {}`",
                file.display()
            )),
        );
        return;
    };
    let (from, to) = (record.from, record.from.other());
    for value in values {
        if record.text.get(&value.path) == Some(&fingerprint(value.text(from))) {
            continue;
        }
        problems.push(
            Diagnostic::warning(
                file,
                format!(
                    "the {} text of `{}` has changed (or is new) since its {} was last reviewed",
                    lang_name(from),
                    value.path,
                    lang_name(to)
                ),
            )
            .at_line(value.line)
            .with_help(format!(
                "bring `{}` in line with `{}`, then run `site translated {}`",
                to.code(),
                from.code(),
                file.display()
            )),
        );
    }
}

/// `site translated FILE`: records, in `FILE` (relative to `root`), the text it translates as
/// it is now. Returns what was recorded, for the editor.
pub fn mark_translated(root: &Path, file: &Path) -> anyhow::Result<String> {
    // `./content/fr/x.md` names the same page as `content/fr/x.md`.
    let file: PathBuf = content::relative(root, file)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let path = root.join(&file);
    let text = std::fs::read_to_string(&path)
        .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", file.display()))?;
    match file.extension().and_then(|e| e.to_str()) {
        Some("md") => mark_page(root, &file, &path, &text),
        Some("toml") => mark_bilingual_file(&file, &path, &text),
        _ => anyhow::bail!(
            "{} is neither a page (.md) nor an offering or form (.toml)",
            file.display()
        ),
    }
}

fn mark_page(root: &Path, file: &Path, path: &Path, text: &str) -> anyhow::Result<String> {
    let (library, _) = content::load(root).map_err(|d| anyhow::anyhow!("{d}"))?;
    let page = library
        .pages
        .iter()
        .find(|p| p.file == file)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not a page of the site, or it has an error: run `site check`",
                file.display()
            )
        })?;
    let source = library
        .pages
        .iter()
        .find(|p| p.key == page.key && p.lang != page.lang)
        .ok_or_else(|| anyhow::anyhow!("{} has no translation to record", file.display()))?;
    let record = page_record(source);
    let line = format!(
        "translates = {{ from = \"{}\", text = \"{}\" }}",
        record.from.code(),
        record.text
    );
    std::fs::write(path, with_front_matter_line(text, &line)?)?;
    Ok(format!(
        "{} now records that it translates {} as it is today",
        file.display(),
        source.file.display()
    ))
}

/// `text` with its front matter's `translates = ...` line replaced by `line` (or added last).
fn with_front_matter_line(text: &str, line: &str) -> anyhow::Result<String> {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let close = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "+++")
        .map(|i| i + 1)
        .ok_or_else(|| anyhow::anyhow!("the page's front matter is not closed by +++"))?;
    let new_line = format!("{line}\n");
    let existing = lines[1..close].iter().position(|l| {
        l.trim_start()
            .strip_prefix("translates")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match existing {
        Some(i) => lines[i + 1] = &new_line,
        None => lines.insert(close, &new_line),
    }
    Ok(lines.concat())
}

/// The comment written above a file's `[translation]` table.
const RECORD_COMMENT: &str = "# Written by `site translated`: the text each translated value \
                              follows, as a translator last reviewed it.";

fn mark_bilingual_file(file: &Path, path: &Path, text: &str) -> anyhow::Result<String> {
    let values = localized_values(text)
        .map_err(|err| anyhow::anyhow!("{} is not valid TOML: {err}", file.display()))?;
    let from = file_record(text).map_or(Lang::En, |record| record.from);
    let mut out = without_record(text);
    out.push_str(&format!(
        "\n{RECORD_COMMENT}\n[translation]\nfrom = \"{}\"\n\n[translation.text]\n",
        from.code()
    ));
    for value in &values {
        let key = value.path.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str(&format!(
            "\"{key}\" = \"{}\"\n",
            fingerprint(value.text(from))
        ));
    }
    std::fs::write(path, out)?;
    Ok(format!(
        "{} now records the {} text of its {} values as it is today",
        file.display(),
        lang_name(from),
        values.len()
    ))
}

/// `text` without its `[translation]` tables and the comment above them, ending in one newline.
fn without_record(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut in_record = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_record = trimmed == "[translation]" || trimmed.starts_with("[translation.");
        }
        if !in_record && trimmed != RECORD_COMMENT {
            kept.push(line);
        }
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    let mut out = kept.join("\n");
    out.push('\n');
    out
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Fr => "French",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrapping_a_paragraph_keeps_its_fingerprint() {
        assert_eq!(
            fingerprint("One two\nthree  four"),
            fingerprint("One two three four")
        );
        assert_ne!(fingerprint("One two"), fingerprint("One three"));
    }

    #[test]
    fn blocks_start_at_blank_lines_headings_and_list_items() {
        let body = "\nFirst line\nstill first\n## Heading\n- one\n- two\n  continued\n\nLast\n";
        let lines: Vec<usize> = body_blocks(body, 10).iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![11, 13, 14, 15, 18]);
    }

    #[test]
    fn compare_names_changed_lines_and_counts_removed_paragraphs() {
        let block = |line, text| Block {
            line,
            fingerprint: fingerprint(text),
        };
        let recorded = [fingerprint("a"), fingerprint("b"), fingerprint("c")].join(" ");
        assert_eq!(
            compare(&recorded, &[block(1, "a"), block(3, "b"), block(5, "c")]),
            None
        );
        assert_eq!(
            compare(&recorded, &[block(1, "a"), block(3, "B"), block(5, "c")]).as_deref(),
            Some("the paragraph at line 3 changed or is new")
        );
        assert_eq!(
            compare(&recorded, &[block(1, "a"), block(5, "c")]).as_deref(),
            Some("1 paragraph removed")
        );
        assert_eq!(
            compare(&recorded, &[block(1, "A"), block(5, "C")]).as_deref(),
            Some("the paragraphs at lines 1, 5 changed or are new; 1 paragraph removed")
        );
        assert_eq!(
            compare(&recorded, &[block(1, "c"), block(3, "b"), block(5, "a")]).as_deref(),
            Some("its paragraphs were reordered")
        );
    }

    #[test]
    fn localized_values_are_named_by_path_with_their_lines() {
        let text = "title = { en = \"Hi\", fr = \"Salut\" }\nweight = 3\n\n[[fields]]\nname = \
                    \"email\"\nlabel = { en = \"Email\", fr = \"Courriel\" }\n\n[translation]\n\
                    from = \"en\"\n";
        let values = localized_values(text).unwrap();
        let found: Vec<(&str, usize)> = values.iter().map(|v| (v.path.as_str(), v.line)).collect();
        assert_eq!(found, vec![("title", 1), ("fields.email.label", 6)]);
    }

    #[test]
    fn the_record_replaces_the_old_one_at_the_end() {
        let text = format!("a = 1\n\n{RECORD_COMMENT}\n[translation]\nfrom = \"fr\"\n");
        assert_eq!(without_record(&text), "a = 1\n");
        assert_eq!(
            with_front_matter_line("+++\ntitle = \"A\"\n+++\nBody\n", "translates = 1").unwrap(),
            "+++\ntitle = \"A\"\ntranslates = 1\n+++\nBody\n"
        );
        assert_eq!(
            with_front_matter_line(
                "+++\ntranslates = 0\ntitle = \"A\"\n+++\n",
                "translates = 1"
            )
            .unwrap(),
            "+++\ntranslates = 1\ntitle = \"A\"\n+++\n"
        );
    }
}
