//! Discreet messages. A person's inbox or calendar may be seen by someone else (a partner, a
//! shared family calendar, a work phone's lock screen): what shows there without opening
//! anything must not name the program. `site.toml`'s `[discretion]` says where neutral words
//! are used instead of the program's name (both on unless turned off):
//!
//! ```toml
//! [discretion]
//! acknowledgements = true   # subject, sender name and first line of the acknowledgement
//! calendar = true           # the .ics files: title (SUMMARY), no description or link
//! ```
//!
//! The neutral words are editors' text, in `content/strings.toml` ([`DiscreetWords::KEYS`]).

use crate::diagnostic::Diagnostic;
use crate::lang::Localized;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Where the program's name is replaced by neutral words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discretion {
    /// The acknowledgement's subject, sender name and first line.
    #[serde(default = "on")]
    pub acknowledgements: bool,
    /// The calendar files' title; they carry no description or link either.
    #[serde(default = "on")]
    pub calendar: bool,
}

fn on() -> bool {
    true
}

impl Default for Discretion {
    /// Both on: an inbox or a calendar may be seen by others.
    fn default() -> Discretion {
        Discretion {
            acknowledgements: true,
            calendar: true,
        }
    }
}

/// The neutral words, from `content/strings.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscreetWords {
    /// The acknowledgement's sender name: "Online forms".
    pub sender: Localized,
    /// The acknowledgement's subject; `{reference}` is filled in.
    pub subject: Localized,
    /// The acknowledgement's first line.
    pub first_line: Localized,
    /// A calendar file's title (SUMMARY).
    pub calendar_summary: Localized,
}

impl DiscreetWords {
    /// The keys of `content/strings.toml` they are read from.
    pub const KEYS: [&'static str; 4] = [
        "discreet_sender",
        "discreet_subject",
        "discreet_first_line",
        "discreet_calendar_summary",
    ];

    /// The words among `strings`; an error naming every missing key.
    pub fn from_strings(
        file: &Path,
        strings: &BTreeMap<String, Localized>,
    ) -> Result<DiscreetWords, Diagnostic> {
        let missing: Vec<&str> = Self::KEYS
            .into_iter()
            .filter(|key| !strings.contains_key(*key))
            .collect();
        if !missing.is_empty() {
            return Err(Diagnostic::error(
                file,
                format!(
                    "the neutral words for discreet messages are missing: {}",
                    missing.join(", ")
                ),
            )
            .with_help(format!(
                "add {} = {{ en = \"...\", fr = \"...\" }}: words that never name the program \
                 (site.toml [discretion])",
                missing[0]
            )));
        }
        let get = |key: &str| strings[key].clone();
        Ok(DiscreetWords {
            sender: get(Self::KEYS[0]),
            subject: get(Self::KEYS[1]),
            first_line: get(Self::KEYS[2]),
            calendar_summary: get(Self::KEYS[3]),
        })
    }

    /// Reads them from `content/strings.toml` under `root`.
    pub fn load(root: &Path) -> Result<DiscreetWords, Diagnostic> {
        let path = root.join("content/strings.toml");
        let text = std::fs::read_to_string(&path).map_err(|err| {
            Diagnostic::error(&path, format!("cannot read the UI strings: {err}"))
        })?;
        let strings: BTreeMap<String, Localized> = crate::front_matter::parse(&path, &text, 1)?;
        DiscreetWords::from_strings(&path, &strings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discretion_is_on_unless_turned_off() {
        #[derive(Deserialize)]
        struct Settings {
            #[serde(default)]
            discretion: Discretion,
        }
        let parse = |text: &str| toml::from_str::<Settings>(text).map(|s| s.discretion);
        assert_eq!(parse("").unwrap(), Discretion::default());
        assert!(parse("[discretion]").unwrap().calendar);
        let off = parse("[discretion]\nacknowledgements = false").unwrap();
        assert!(!off.acknowledgements && off.calendar);
        assert!(
            parse("[discretion]\ncalender = false").is_err(),
            "a typo is an error"
        );
    }

    #[test]
    fn missing_neutral_words_are_named() {
        let mut strings = BTreeMap::new();
        strings.insert(
            "discreet_sender".to_string(),
            Localized {
                en: "Online forms".to_string(),
                fr: "Formulaires en ligne".to_string(),
            },
        );
        let err = DiscreetWords::from_strings(Path::new("content/strings.toml"), &strings)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("discreet_subject, discreet_first_line, discreet_calendar_summary"),
            "{err}"
        );
    }
}
