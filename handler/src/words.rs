//! The handler's own words (its refusal pages and the frame of its emails), read from
//! `content/strings.toml` ([`model::strings::HANDLER_KEYS`]: editors own them, `site check`
//! and the handler's start refuse a missing one), with the program's facts from site.toml
//! ([`model::strings::fill`]) and French spacing applied. Form-specific text (labels, messages,
//! next steps) comes from the form's definition.

use crate::store::Status;
use model::forms::{Confirmation, FormDef};
use model::strings::Strings;
use model::typography::in_lang;
use model::{Lang, Localized, SiteConfig};

/// The strings and the settings their placeholders are filled from.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    pub strings: &'a Strings,
    pub site: &'a SiteConfig,
}

impl Words<'_> {
    /// The string `key` in `lang`: site.toml's facts filled in, French spacing applied. The
    /// handler starts only with every key present; a missing one shows as its key.
    pub fn get(&self, key: &str, lang: Lang) -> String {
        match self.strings.get(key) {
            Some(words) => in_lang(
                &model::strings::fill(words.get(lang), self.site, lang),
                lang,
            ),
            None => key.to_string(),
        }
    }

    /// The string `key` in both languages.
    pub fn both(&self, key: &str) -> Localized<String> {
        Localized::from_fn(|lang| self.get(key, lang))
    }
}

/// A refusal page's two strings: its title and its text.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub title: &'static str,
    pub text: &'static str,
}

/// The request cannot be processed (tampered or outdated).
pub const BAD_REQUEST: Refusal = Refusal {
    title: "bad_request_title",
    text: "bad_request_text",
};

/// The post came from another site.
pub const FORBIDDEN: Refusal = Refusal {
    title: "forbidden_title",
    text: "forbidden_text",
};

/// The body is larger than any answer to the form can be.
pub const TOO_LARGE: Refusal = Refusal {
    title: "too_large_title",
    text: "too_large_text",
};

/// Something failed on our side (a template that cannot render).
pub const UNAVAILABLE: Refusal = Refusal {
    title: "unavailable_title",
    text: "unavailable_text",
};

/// The store could not take a submission (DynamoDB or the disk unreachable), in the person's
/// language, with the program's phone number.
pub const NOT_RECEIVED: Refusal = Refusal {
    title: "not_received_title",
    text: "not_received_text",
};

/// A confirmation address the handler did not sign (made up or changed): it must never confirm
/// a submission that was not made.
pub const BAD_LINK: Refusal = Refusal {
    title: "bad_link_title",
    text: "bad_link_text",
};

/// An unknown form or a malformed confirmation link.
pub const NOT_FOUND: Refusal = Refusal {
    title: "form_not_found_title",
    text: "form_not_found_text",
};

/// The key of a status as coordinators read it in a notice.
pub fn status_key(status: Status) -> &'static str {
    match status {
        Status::Received => "status_received",
        Status::Registered => "status_registered",
        Status::Waitlisted => "status_waitlisted",
        Status::Interest => "status_interest",
        Status::Withdrawn => "status_withdrawn",
        Status::NotAttending => "status_not_attending",
    }
}

/// The confirmation text matching what happened to a submission (the page's and the
/// acknowledgement's).
pub fn confirmation_for(form: &FormDef, status: Status) -> &Confirmation {
    match status {
        Status::Waitlisted => form.waitlisted.as_ref().unwrap_or(&form.received),
        Status::Interest => form.interest.as_ref().unwrap_or(&form.received),
        // A withdrawn registration is never confirmed; its record keeps the received text.
        Status::Received | Status::Registered | Status::Withdrawn | Status::NotAttending => {
            &form.received
        }
    }
}

/// The support line with the program's phone number.
pub fn support_line(words: Words<'_>, lang: Lang) -> String {
    words.get("support_line", lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_program_s_name_line_and_email_come_from_site_toml() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let strings = model::strings::load(&root).unwrap();
        let site: SiteConfig = toml::from_str(
            r#"base_url = "https://x.ca"
time_zone = "America/Toronto"
quick_exit_url = "https://weather.gc.ca/"
[program]
name = { en = "Other Program", fr = "Autre programme" }
org_name = { en = "Other Centre", fr = "Autre centre" }
org_short_name = { en = "OC", fr = "AC" }
phone = "1-800-555-0199"
email = "other@example.ca"
"#,
        )
        .unwrap();
        let words = Words {
            strings: &strings,
            site: &site,
        };
        assert_eq!(
            words.get("support_line", Lang::En),
            "If you need to talk to someone now, call the OC 24/7 line at 1-800-555-0199."
        );
        assert!(
            words
                .get("support_line", Lang::Fr)
                .ends_with("du AC au 1-800-555-0199.")
        );
        assert_eq!(
            words.get("acknowledgement_reply", Lang::Fr),
            "Pour joindre le Autre programme, répondez à ce courriel ou écrivez à other@example.ca."
        );
        let unavailable = words.both(UNAVAILABLE.text);
        assert!(unavailable.en.ends_with("call the OC 24/7 line."));
        // French spacing is applied to the editors' words.
        assert!(
            words
                .get(BAD_LINK.text, Lang::Fr)
                .contains("confirmer\u{a0}: le lien")
        );
    }
}
