//! The words every form shares, in both languages: the frame around each form's own labels,
//! hints and messages (which live in its file). Editors own them in `content/strings.toml`
//! ([`FormWords::KEYS`]); French spacing is applied as they are read.

use crate::lang::Localized;
use crate::strings::Strings;
use crate::{Diagnostic, typography};

/// The shared words of forms, read from `content/strings.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct FormWords {
    /// Before an error message (visually hidden) and before the page title when there are errors.
    pub error_prefix: Localized,
    /// The error summary's heading.
    pub error_summary_title: Localized,
    /// After the label of a field that may be left empty.
    pub optional: Localized,
    /// The heading of the form's privacy section, above the folded notice.
    pub privacy_heading: Localized,
    /// What opens the folded privacy notice.
    pub privacy_title: Localized,
    /// The heading of each Privacy Notice Statement section, in [`super::PrivacyTopic::ALL`]
    /// order.
    pub privacy_topics: [Localized; 6],
    /// Above the reference number in the confirmation panel and the acknowledgement email.
    pub reference_label: Localized,
    /// Before the next steps in the confirmation panel and the acknowledgement email.
    pub what_happens_next: Localized,
    /// The honeypot's label: only read by someone whose browser shows the hidden field.
    pub honeypot_label: Localized,
    /// Shown in place of the cohort choices when none is open (strings key
    /// `form_no_open_sessions`, its editor-facing name, kept).
    pub no_open_cohorts: Localized,
    /// A cohort choice: `{offering}` and `{language}` are filled in (strings key
    /// `form_session_option`, kept).
    pub cohort_option: Localized,
    /// The choice for an offering without dated sessions (`{offering}`).
    pub interest_option: Localized,
    /// The hint of an interest choice.
    pub interest_hint: Localized,
    /// Between the items of a list on one line (sessions, ticked boxes).
    pub list_separator: Localized,
    /// A language's name inside a sentence ("in English", "en anglais").
    pub english_in_sentence: Localized,
    /// A language's name inside a sentence ("in French", "en français").
    pub french_in_sentence: Localized,
    /// A fallback when a definition lacks a message (definitions are checked, so rarely seen).
    pub check_answer: Localized,
    /// On the confirmation page of a form that sends an acknowledgement.
    pub acknowledgement_sent: Localized,
    /// A ticked confirmation, in a coordinators' notice.
    pub yes: Localized,
}

impl FormWords {
    /// The keys of `content/strings.toml` they are read from.
    pub const KEYS: [&'static str; 24] = [
        "error_prefix",
        "form_error_summary_title",
        "form_optional",
        "form_privacy_heading",
        "form_privacy_title",
        "privacy_purpose",
        "privacy_authority",
        "privacy_uses",
        "privacy_retention",
        "privacy_access",
        "privacy_complaint",
        "form_reference_label",
        "form_what_happens_next",
        "form_honeypot_label",
        "form_no_open_sessions",
        "form_session_option",
        "form_interest_option",
        "form_interest_hint",
        "list_separator",
        "english_in_sentence",
        "french_in_sentence",
        "form_check_answer",
        "form_acknowledgement_sent",
        "form_yes",
    ];

    /// The words among `strings`, and an error naming every missing key (a missing word shows
    /// as its key, so the rest can still be checked).
    pub fn from_strings(strings: &Strings) -> (FormWords, Option<Diagnostic>) {
        let mut missing = Vec::new();
        let mut get = |index: usize| {
            let key = Self::KEYS[index];
            match strings.get(key) {
                Some(words) => Localized {
                    en: words.en.clone(),
                    fr: typography::french(&words.fr),
                },
                None => {
                    missing.push(key);
                    Localized {
                        en: key.to_string(),
                        fr: key.to_string(),
                    }
                }
            }
        };
        let words = FormWords {
            error_prefix: get(0),
            error_summary_title: get(1),
            optional: get(2),
            privacy_heading: get(3),
            privacy_title: get(4),
            privacy_topics: [get(5), get(6), get(7), get(8), get(9), get(10)],
            reference_label: get(11),
            what_happens_next: get(12),
            honeypot_label: get(13),
            no_open_cohorts: get(14),
            cohort_option: get(15),
            interest_option: get(16),
            interest_hint: get(17),
            list_separator: get(18),
            english_in_sentence: get(19),
            french_in_sentence: get(20),
            check_answer: get(21),
            acknowledgement_sent: get(22),
            yes: get(23),
        };
        let problem = (!missing.is_empty()).then(|| {
            Diagnostic::error(
                crate::strings::FILE,
                format!(
                    "the forms' shared words are missing: {}",
                    missing.join(", ")
                ),
            )
            .with_help(format!(
                "add a line: {} = {{ en = \"...\", fr = \"...\" }}",
                missing[0]
            ))
        });
        (words, problem)
    }

    /// The heading of a Privacy Notice Statement section.
    pub fn privacy_heading(&self, topic: super::PrivacyTopic) -> &Localized {
        let index = super::PrivacyTopic::ALL
            .iter()
            .position(|t| *t == topic)
            .expect("every topic is in ALL");
        &self.privacy_topics[index]
    }

    /// The words of the repository's own `content/strings.toml` (tests).
    #[cfg(test)]
    pub fn of_repository() -> FormWords {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let strings = crate::strings::load(&root).expect("content/strings.toml");
        let (words, problem) = FormWords::from_strings(&strings);
        assert!(problem.is_none(), "{problem:?}");
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read_and_a_missing_one_is_named() {
        let (_, problem) = FormWords::from_strings(&Strings::new());
        let message = problem.unwrap().to_string();
        assert!(message.contains(&FormWords::KEYS.join(", ")), "{message}");
    }

    #[test]
    fn french_gets_its_spacing_as_it_is_read() {
        let words = FormWords::of_repository();
        assert_eq!(words.list_separator.fr, "\u{202f}; ");
        assert_eq!(words.list_separator.en, "; ");
        assert_eq!(words.error_prefix.fr, "Erreur\u{a0}:");
        assert_eq!(
            words.interest_option.fr,
            "{offering}\u{a0}: manifestez votre intérêt"
        );
    }
}
