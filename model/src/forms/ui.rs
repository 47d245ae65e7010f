//! The few words every form shares, in both languages. Field-specific words (labels, hints,
//! error messages) live in each form's file; these are the frame around them.

use crate::lang::Localized;

type Words = Localized<&'static str>;

/// Before an error message (visually hidden) and before the page title when there are errors.
pub const ERROR_PREFIX: Words = Localized {
    en: "Error:",
    fr: "Erreur\u{a0}:",
};

/// The error summary's heading.
pub const ERROR_SUMMARY_TITLE: Words = Localized {
    en: "There is a problem",
    fr: "Il y a un problème",
};

/// After the label of a field that may be left empty.
pub const OPTIONAL: Words = Localized {
    en: "(optional)",
    fr: "(facultatif)",
};

/// The heading of the form's privacy section, above the folded notice.
pub const PRIVACY_HEADING: Words = Localized {
    en: "Protecting your personal information",
    fr: "Protection de vos renseignements personnels",
};

/// What opens the folded privacy notice.
pub const PRIVACY_TITLE: Words = Localized {
    en: "Privacy notice statement",
    fr: "Avis de confidentialité",
};

/// Above the reference number in the confirmation panel and the acknowledgement email.
pub const REFERENCE_LABEL: Words = Localized {
    en: "Your reference number",
    fr: "Votre numéro de référence",
};

/// Before the next steps in the confirmation panel and the acknowledgement email.
pub const WHAT_HAPPENS_NEXT: Words = Localized {
    en: "What happens next",
    fr: "Prochaines étapes",
};

/// The honeypot's label: only read by someone whose browser shows the hidden field.
pub const HONEYPOT_LABEL: Words = Localized {
    en: "Leave this field empty",
    fr: "Laissez ce champ vide",
};

/// Shown in place of the session choices when none is open.
pub const NO_OPEN_SESSIONS: Words = Localized {
    en: "No sessions are open for registration right now.",
    fr: "Aucune séance n’est ouverte aux inscriptions pour le moment.",
};

/// A session choice: `{offering}` and `{language}` are filled in.
pub const SESSION_OPTION: Words = Localized {
    en: "{offering}, in {language}",
    fr: "{offering}, en {language}",
};

/// The choice for an offering without dated sessions.
pub const INTEREST_OPTION: Words = Localized {
    en: "{offering}: register your interest",
    fr: "{offering}\u{a0}: manifestez votre intérêt",
};

/// The hint of an interest choice.
pub const INTEREST_HINT: Words = Localized {
    en: "No dates are set yet. We will contact you when new sessions are planned.",
    fr: "Aucune date n’est encore fixée. Nous communiquerons avec vous lorsque de nouvelles séances seront prévues.",
};

/// Between the items of a list on one line (sessions, ticked boxes): French puts a narrow
/// no-break space before the semicolon.
pub const LIST_SEPARATOR: Words = Localized {
    en: "; ",
    fr: "\u{202f}; ",
};

/// A language's name inside a sentence ("in English", "en anglais").
pub const ENGLISH_IN_SENTENCE: Words = Localized {
    en: "English",
    fr: "anglais",
};

/// A language's name inside a sentence ("in French", "en français").
pub const FRENCH_IN_SENTENCE: Words = Localized {
    en: "French",
    fr: "français",
};

/// A fallback when a definition lacks a message (definitions are checked, so rarely seen).
pub const CHECK_ANSWER: Words = Localized {
    en: "Check this answer",
    fr: "Vérifiez cette réponse",
};

/// The heading of each Privacy Notice Statement section.
pub fn privacy_heading(topic: super::PrivacyTopic) -> Words {
    use super::PrivacyTopic::*;
    match topic {
        Purpose => Localized {
            en: "Why we collect your information",
            fr: "Pourquoi nous recueillons vos renseignements",
        },
        Authority => Localized {
            en: "Our authority to collect it",
            fr: "Notre autorisation de les recueillir",
        },
        Uses => Localized {
            en: "How we use and share it",
            fr: "Comment nous les utilisons et les communiquons",
        },
        Retention => Localized {
            en: "How long we keep it",
            fr: "Combien de temps nous les conservons",
        },
        Access => Localized {
            en: "Your right to see and correct it",
            fr: "Votre droit de les consulter et de les corriger",
        },
        Complaint => Localized {
            en: "Your right to complain",
            fr: "Votre droit de porter plainte",
        },
    }
}

/// On the confirmation page of a form that sends an acknowledgement.
pub const ACKNOWLEDGEMENT_SENT: Words = Localized {
    en: "We have sent an acknowledgement of receipt to your email address. It gives your reference number, not your answers.",
    fr: "Nous avons envoyé un accusé de réception à votre adresse courriel. Il indique votre numéro de référence, mais pas vos réponses.",
};
