//! Recognising one person's submission sent twice (a double click, a reload that posts again,
//! a retry after a dropped answer), so it is stored, counted and notified once.
//!
//! The store records a submission's keys ([`crate::store::NewSubmission::idempotency_keys`]);
//! a later submission carrying any of them is answered with the earlier one's reference.
//!
//! Two kinds of key:
//! - The page's key: the enhancement script (`static/form.js`) draws one random key per page
//!   load and posts it with the answers, with or without `fetch`. The same page sent twice is
//!   one submission; two people never share a page load.
//! - Without the script, a named form falls back to the answers in a ten-minute window (this one
//!   or the previous one): two requests with the same name, email and answers within minutes
//!   are one person's double submit.
//!
//! An anonymous form never gets a window key. Its answers name nobody, so two people of the same
//! group can give the same ratings minutes apart: a window key would take the second for a
//! double submit and drop it. And a window number is derived from the real time: stored beside
//! feedback that keeps only its date (crate::anonymous), it would date the feedback to ten
//! minutes again. Without the script, each post of anonymous feedback is stored.

use model::forms::Submission;
use sha2::{Digest, Sha256};

/// How long a named form's double submit is recognised without a page key: between one and
/// two of these windows.
pub const WINDOW_SECONDS: i64 = 600;

/// The keys that identify this submission sent again: the page's key with the answers when
/// the script sent one; otherwise, for a named form, the answers in this time window or the
/// previous one (`now` is the real time of arrival); for an anonymous form, none.
pub fn keys(
    anonymous: bool,
    submission: &Submission,
    page_key: Option<&str>,
    now: jiff::Timestamp,
) -> Vec<String> {
    let content = submission.canonical();
    match page_key {
        Some(key) => vec![hash(&["browser", key, &content])],
        None if anonymous => Vec::new(),
        None => {
            let window = now.as_second().div_euclid(WINDOW_SECONDS);
            vec![
                hash(&["window", &window.to_string(), &content]),
                hash(&["window", &(window - 1).to_string(), &content]),
            ]
        }
    }
}

/// The SHA-256 of the parts, each followed by a zero byte (so ("ab", "c") and ("a", "bc")
/// differ), in lowercase hex.
fn hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Lang;
    use model::forms::Answer;
    use std::collections::BTreeMap;

    fn feedback() -> Submission {
        Submission {
            form: "feedback".into(),
            lang: Lang::En,
            answers: BTreeMap::from([("rating".to_string(), Answer::Text("good".into()))]),
        }
    }

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn anonymous_answers_without_a_page_key_have_no_key_at_all() {
        assert!(keys(true, &feedback(), None, at("2025-06-01T16:00:00Z")).is_empty());
    }

    #[test]
    fn a_page_key_gives_one_key_that_does_not_depend_on_the_time() {
        let morning = keys(true, &feedback(), Some("p1"), at("2025-06-01T12:00:00Z"));
        let evening = keys(true, &feedback(), Some("p1"), at("2025-06-01T23:00:00Z"));
        assert_eq!(morning.len(), 1);
        assert_eq!(morning, evening);
        assert_ne!(
            morning,
            keys(true, &feedback(), Some("p2"), at("2025-06-01T12:00:00Z"))
        );
    }

    #[test]
    fn a_named_form_without_a_page_key_shares_a_key_with_the_previous_window() {
        let first = keys(false, &feedback(), None, at("2025-06-01T16:00:00Z"));
        let later = keys(false, &feedback(), None, at("2025-06-01T16:10:00Z"));
        assert_eq!(first.len(), 2);
        assert_eq!(first[0], later[1]);
    }
}
