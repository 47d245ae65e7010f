//! Problems found in what an editor wrote, each with file, line, field and a way to fix it.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors fail `site check` and `site build`; warnings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one file, shown to an editor as
/// `content/en/x.md:7: error: `group_size` must be a whole number (found "ten")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file, relative to the site root when possible.
    pub file: PathBuf,
    /// 1-based line number, when known.
    pub line: Option<usize>,
    /// What went wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error in `file`.
    pub fn error(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.as_ref().to_path_buf(),
            line: None,
            message: message.into(),
            help: None,
        }
    }

    /// A warning in `file`.
    pub fn warning(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    /// Sets the 1-based line.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the line when one is known.
    pub fn at_optional_line(mut self, line: Option<usize>) -> Self {
        self.line = line.or(self.line);
        self
    }

    /// Adds advice on how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl Diagnostic {
    /// The problem as a GitHub Actions workflow command, so a pull request shows it on the
    /// changed line: `::error file=content/en/x.md,line=7::message (help)`. The file is as
    /// stored (relative to the site's root, which is the repository's root here).
    pub fn github_annotation(&self) -> String {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = format!(
            "file={}",
            escape_property(&self.file.to_string_lossy().replace('\\', "/"))
        );
        if let Some(line) = self.line {
            properties.push_str(&format!(",line={line}"));
        }
        let mut message = self.message.clone();
        if let Some(help) = &self.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        format!("::{level} {properties}::{}", escape_data(&message))
    }
}

/// Escapes the message of a workflow command (GitHub's toolkit `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (GitHub's toolkit `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {label}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in one pass, so an editor sees them all at once.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Sorts by file, then line, so output is stable and easy to follow.
    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let errors = self.errors().count();
        let warnings = self.0.len() - errors;
        write!(
            f,
            "{errors} error{}, {warnings} warning{}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Converts a byte offset in `text` to a 1-based line number. For many lookups in one text,
/// build a [`LineIndex`] once instead: this scans from the start every time.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Where each line of a text starts, so byte offsets become line numbers by binary search.
/// The Markdown renderer asks for a line on every event; scanning each time was quadratic.
#[derive(Debug, Clone)]
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let newlines = text
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'\n').then_some(i))
            .collect();
        LineIndex { newlines }
    }

    /// The 1-based line holding byte `offset` (offsets past the end are on the last line).
    pub fn line(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&newline| newline < offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_help() {
        let d = Diagnostic::error("content/en/a.md", "`group_size` must be a whole number")
            .at_line(7)
            .with_help("write group_size = 10");
        assert_eq!(
            d.to_string(),
            "content/en/a.md:7: error: `group_size` must be a whole number\n  help: write group_size = 10"
        );
    }

    #[test]
    fn github_annotations_name_file_and_line_with_escaped_text() {
        let d = Diagnostic::error("content/fr/a,b.md", "50% of `title`: missing")
            .at_line(3)
            .with_help("write title = \"...\"");
        assert_eq!(
            d.github_annotation(),
            "::error file=content/fr/a%2Cb.md,line=3::50%25 of `title`: missing%0Ahelp: write title = \"...\""
        );
        let w = Diagnostic::warning("content/en/x.md", "a warning");
        assert_eq!(
            w.github_annotation(),
            "::warning file=content/en/x.md::a warning"
        );
    }

    #[test]
    fn line_of_offset_counts_newlines() {
        assert_eq!(line_of_offset("a\nb\nc", 0), 1);
        assert_eq!(line_of_offset("a\nb\nc", 2), 2);
        assert_eq!(line_of_offset("a\nb\nc", 4), 3);
    }

    #[test]
    fn line_index_agrees_with_line_of_offset() {
        let text = "first\n\nthird line\nfourth\n";
        let index = LineIndex::new(text);
        for offset in 0..text.len() + 3 {
            assert_eq!(
                index.line(offset),
                line_of_offset(text, offset),
                "offset {offset}"
            );
        }
    }
}
