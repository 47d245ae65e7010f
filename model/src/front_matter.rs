//! Parsing TOML that editors write (page front matter, offerings, forms) into typed values,
//! with errors that name the file, the line and the field, and suggest the close name for a typo.

use crate::diagnostic::{Diagnostic, line_of_offset};
use serde::de::DeserializeOwned;
use std::path::Path;

/// A Markdown file split into its `+++` TOML front matter and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub front_matter: &'a str,
    /// 1-based line of the file where the front matter's first line is.
    pub front_matter_line: usize,
    pub body: &'a str,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
}

/// Splits `+++\n<toml>\n+++\n<markdown>`. The opening delimiter must be the first line.
pub fn split<'a>(file: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let missing = || {
        Diagnostic::error(file, "the page does not start with front matter")
            .at_line(1)
            .with_help(
                "begin the file with a line containing only +++, then the TOML fields \
                 (title = \"...\"), then another line containing only +++",
            )
    };
    let first_line_end = text.find('\n').ok_or_else(missing)?;
    if text[..first_line_end].trim_end() != "+++" {
        return Err(missing());
    }
    let rest = &text[first_line_end + 1..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front_matter = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let closing_line = 2 + front_matter.matches('\n').count();
            return Ok(Split {
                front_matter,
                front_matter_line: 2,
                body,
                body_line: closing_line + 1,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(file, "the front matter is never closed")
        .at_line(1)
        .with_help("add a line containing only +++ after the last front-matter field"))
}

/// Reads a file an editor wrote as text, reporting a missing file or invalid UTF-8 (with the
/// line where the bad bytes are) as a diagnostic.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|err| Diagnostic::error(path, format!("cannot read the file: {err}")))?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let line = line_of_offset(&String::from_utf8_lossy(&err.as_bytes()[..valid]), valid);
        Diagnostic::error(path, "the file is not valid UTF-8 text")
            .at_line(line)
            .with_help(
                "save the file with UTF-8 encoding (most editors offer it under \"Save as\")",
            )
    })
}

/// Every `.toml` file directly in `dir`, sorted by name, with its text; a missing folder is
/// empty, and unreadable files are reported.
pub fn toml_files(dir: &Path) -> (Vec<(std::path::PathBuf, String)>, crate::Diagnostics) {
    let mut files = Vec::new();
    let mut diagnostics = crate::Diagnostics::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (files, diagnostics),
        Err(err) => {
            diagnostics.push(Diagnostic::error(
                dir,
                format!("cannot read the folder: {err}"),
            ));
            return (files, diagnostics);
        }
    };
    let mut paths: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        match read_text(&path) {
            Ok(text) => files.push((path, text)),
            Err(d) => diagnostics.push(d),
        }
    }
    (files, diagnostics)
}

/// Parses TOML into `T`, turning a failure into a diagnostic at the right line of `file`.
/// `first_line` is the file line where `toml_text` begins (2 for front matter, 1 for a .toml file).
pub fn parse<T: DeserializeOwned>(
    file: &Path,
    toml_text: &str,
    first_line: usize,
) -> Result<T, Diagnostic> {
    toml::from_str(toml_text).map_err(|err| {
        let line = err
            .span()
            .map(|span| line_of_offset(toml_text, span.start) + first_line - 1);
        let message = err.message().trim().to_string();
        let field = err
            .span()
            .and_then(|span| field_at(toml_text, span.start))
            .filter(|field| !field.is_empty());
        if let (Some(field), true) = (field, message.starts_with("string values must be quoted")) {
            return Diagnostic::error(
                file,
                format!("the value of `{field}` is not one TOML understands"),
            )
            .at_optional_line(line)
            .with_help(format!(
                "put text between straight double quotes, like {field} = \"...\" \
                 (numbers, dates, true and false go without quotes)"
            ));
        }
        let mut diagnostic = Diagnostic::error(file, explain(&message)).at_optional_line(line);
        if let Some(help) = suggest_field(&message) {
            diagnostic = diagnostic.with_help(help);
        } else if message.contains("date") || message.contains("time") {
            diagnostic = diagnostic.with_help(
                "write dates as 2025-07-10 and date-times as 2025-07-10T17:00:00 (local time)",
            );
        }
        diagnostic
    })
}

/// The key written at the start of the line holding `offset` (`title` in `title = Home`).
fn field_at(toml_text: &str, offset: usize) -> Option<&str> {
    let start = toml_text[..offset.min(toml_text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = toml_text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    key.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        .then_some(key)
}

/// Rewrites serde's wording in terms an editor knows.
fn explain(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        return format!("unknown field {field}");
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("the required field {rest} is missing");
    }
    message.to_string()
}

/// For `unknown field `titel`, expected one of `title`, ...`, suggests the closest known name.
fn suggest_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty())
        .collect();
    let best = expected
        .iter()
        .map(|name| (strsim::jaro_winkler(unknown, name), *name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, name)) => Some(format!(
            "did you mean `{name}`? The fields allowed here are: {}",
            expected.join(", ")
        )),
        None if !expected.is_empty() => Some(format!(
            "the fields allowed here are: {}",
            expected.join(", ")
        )),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Page {
        title: String,
        weight: Option<u32>,
    }

    #[test]
    fn splits_front_matter_and_body_with_lines() {
        let text = "+++\ntitle = \"A\"\n+++\n# Body\n";
        let split = split(Path::new("a.md"), text).unwrap();
        assert_eq!(split.front_matter, "title = \"A\"\n");
        assert_eq!(split.body, "# Body\n");
        assert_eq!(split.body_line, 4);
    }

    #[test]
    fn missing_opening_delimiter_is_reported_at_line_one() {
        let err = split(Path::new("a.md"), "title = \"A\"\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert_eq!(err.message, "the page does not start with front matter");
    }

    #[test]
    fn unclosed_front_matter_is_reported() {
        let err = split(Path::new("a.md"), "+++\ntitle = \"A\"\n").unwrap_err();
        assert_eq!(err.message, "the front matter is never closed");
    }

    #[test]
    fn typo_gets_file_line_and_suggestion() {
        let err = parse::<Page>(Path::new("a.md"), "title = \"A\"\nweigth = 2\n", 2).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(err.message, "unknown field `weigth`");
        assert!(
            err.help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `weight`?"),
            "{err}"
        );
    }

    #[test]
    fn unquoted_text_names_the_field_and_how_to_quote_it() {
        let err = parse::<Page>(Path::new("a.md"), "weight = 2\ntitle = Home\n", 2).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(
            err.message,
            "the value of `title` is not one TOML understands"
        );
        assert!(
            err.help
                .as_deref()
                .unwrap()
                .contains("like title = \"...\""),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_names_the_line() {
        let err =
            parse::<Page>(Path::new("a.md"), "title = \"A\"\nweight = \"ten\"\n", 2).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("invalid type"), "{err}");
    }
}
