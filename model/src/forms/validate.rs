//! Checking what a person sent against the form's definition: raw name/value pairs in, a typed
//! [`Submission`] or localized [`FieldError`]s (in page order, one per field) out.
//!
//! The accepted values are computed by the same functions that draw the page's options
//! ([`super::view`]), so an answer the page offers is an answer the handler accepts.

use super::definition::{ErrorKind, Field, FieldKind, FormDef};
use super::view::{CONFIRM_VALUE, choice_label, choices};
use super::{
    EMAIL_FIELD, HONEYPOT_FIELD, IDEMPOTENCY_FIELD, LANG_FIELD, LANGUAGE_FIELD, RESERVED_FIELDS,
    WAITLIST_FIELD,
};
use crate::lang::Lang;
use crate::offering::Offering;
use crate::registration::CohortChoice;
use crate::typography::in_lang;
use jiff::Zoned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What was posted, as name/value pairs in order (a name repeats for checkboxes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawSubmission {
    pairs: Vec<(String, String)>,
}

/// Input no person could have produced with the form (a tampered or outdated request). The
/// handler answers 400 without echoing anything back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the form has no field named `{0}`")]
    UnknownField(String),
    #[error("the field `{0}` was sent more than once")]
    Repeated(String),
    #[error("the field `{0}` is not text")]
    NotText(String),
    #[error("the body is not a JSON object")]
    NotAnObject,
}

/// Why a submission was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// The request is not something the form can produce.
    Rejected(Rejection),
    /// The person's answers need fixing: one error per field, in page order.
    Fields(Vec<FieldError>),
}

/// A problem with one answer, localized, linking to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// What to do, in the page's language ("Enter your email address").
    pub message: String,
    /// `#<control id>`: where the error summary's link goes.
    pub href: String,
    pub kind: ErrorKind,
}

/// A checked submission: every answer has the right shape, every required answer is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The form's id.
    pub form: String,
    /// The page's language (the language of any message shown in return).
    pub lang: Lang,
    /// Answers by field name; fields left empty are absent.
    pub answers: BTreeMap<String, Answer>,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Typed text, or the value of the chosen option.
    Text(String),
    /// The values of the ticked boxes.
    List(Vec<String>),
    /// A ticked confirmation.
    Confirmed(bool),
}

impl RawSubmission {
    /// From decoded `application/x-www-form-urlencoded` pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        RawSubmission { pairs }
    }

    /// From a JSON object whose values are strings or arrays of strings (as the enhancement
    /// script sends a form's data).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Rejection> {
        let object = value.as_object().ok_or(Rejection::NotAnObject)?;
        let mut pairs = Vec::new();
        for (name, value) in object {
            match value {
                serde_json::Value::String(s) => pairs.push((name.clone(), s.clone())),
                serde_json::Value::Array(items) => {
                    for item in items {
                        let s = item
                            .as_str()
                            .ok_or_else(|| Rejection::NotText(name.clone()))?;
                        pairs.push((name.clone(), s.to_string()));
                    }
                }
                serde_json::Value::Null => {}
                _ => return Err(Rejection::NotText(name.clone())),
            }
        }
        Ok(RawSubmission { pairs })
    }

    /// Every value sent for `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value sent for `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page's language, from the hidden `lang` field (English when absent or unknown).
    pub fn lang(&self) -> Lang {
        self.first(LANG_FIELD)
            .and_then(Lang::from_code)
            .unwrap_or(Lang::En)
    }

    /// Whether the honeypot was filled: a bot, to be answered as if accepted and forgotten.
    pub fn is_bot(&self) -> bool {
        self.all(HONEYPOT_FIELD)
            .iter()
            .any(|v| !v.trim().is_empty())
    }

    /// The key the enhancement script generated for this page, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.first(IDEMPOTENCY_FIELD)
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 100)
    }

    /// The answers as the person typed them, for drawing the form again with its errors:
    /// `{ name: "text" }`, or `{ name: ["a", "b"] }` for checkboxes. Hidden fields are left out.
    pub fn values(&self, form: &FormDef) -> serde_json::Value {
        let mut values = serde_json::Map::new();
        for field in &form.fields {
            let sent = self.all(&field.name);
            if sent.is_empty() {
                continue;
            }
            let value = if field.kind == FieldKind::Checkboxes {
                serde_json::Value::from(sent.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            } else {
                serde_json::Value::from(sent[0].to_string())
            };
            values.insert(field.name.clone(), value);
        }
        serde_json::Value::Object(values)
    }
}

impl FormDef {
    /// Checks `raw` against this form at `now` (the registration form accepts the cohorts
    /// `offerings` define). Messages are in the page's language.
    pub fn validate(
        &self,
        raw: &RawSubmission,
        offerings: &[Offering],
        now: &Zoned,
    ) -> Result<Submission, Invalid> {
        for (name, _) in &raw.pairs {
            if self.field(name).is_none() && !RESERVED_FIELDS.contains(&name.as_str()) {
                return Err(Invalid::Rejected(Rejection::UnknownField(name.clone())));
            }
        }
        let lang = raw.lang();
        let mut answers = BTreeMap::new();
        let mut errors = Vec::new();
        for field in &self.fields {
            let sent = raw.all(&field.name);
            if sent.len() > 1 && field.kind != FieldKind::Checkboxes {
                return Err(Invalid::Rejected(Rejection::Repeated(field.name.clone())));
            }
            let required = field.required
                || field
                    .required_when
                    .as_ref()
                    .is_some_and(|c| c.holds(raw.first(&c.field)));
            match self.check(field, &sent, required, lang, offerings, now) {
                Ok(Some(answer)) => {
                    answers.insert(field.name.clone(), answer);
                }
                Ok(None) => {}
                Err(kind) => errors.push(self.error(field, kind, lang)),
            }
        }
        if errors.is_empty() {
            Ok(Submission {
                form: self.id.clone(),
                lang,
                answers,
            })
        } else {
            Err(Invalid::Fields(errors))
        }
    }

    /// The error of `kind` on `field`, in `lang`, linking to the field.
    pub fn error(&self, field: &Field, kind: ErrorKind, lang: Lang) -> FieldError {
        FieldError {
            field: field.name.clone(),
            message: field.error_message(kind, lang, &self.words),
            href: format!("#{}", self.control_id(&field.name)),
            kind,
        }
    }

    fn check(
        &self,
        field: &Field,
        sent: &[&str],
        required: bool,
        lang: Lang,
        offerings: &[Offering],
        now: &Zoned,
    ) -> Result<Option<Answer>, ErrorKind> {
        let missing = |required: bool| {
            if required {
                Err(ErrorKind::Required)
            } else {
                Ok(None)
            }
        };
        match field.kind {
            FieldKind::Text | FieldKind::Email | FieldKind::Tel | FieldKind::Textarea => {
                let text = normalize(
                    sent.first().copied().unwrap_or_default(),
                    field.kind == FieldKind::Textarea,
                );
                if text.is_empty() {
                    return missing(required);
                }
                if field
                    .max_length
                    .is_some_and(|max| text.chars().count() > max)
                {
                    return Err(ErrorKind::TooLong);
                }
                let shape_ok = match field.kind {
                    FieldKind::Email => is_email(&text),
                    FieldKind::Tel => is_phone(&text),
                    _ => true,
                };
                if !shape_ok {
                    return Err(ErrorKind::Invalid);
                }
                Ok(Some(Answer::Text(text)))
            }
            FieldKind::Radios => {
                let Some(value) = sent.first().map(|v| v.trim()).filter(|v| !v.is_empty()) else {
                    return missing(required);
                };
                if choices(field, lang, offerings, now, &self.words)
                    .iter()
                    .any(|c| c.value == value)
                {
                    Ok(Some(Answer::Text(value.to_string())))
                } else {
                    Err(ErrorKind::Invalid)
                }
            }
            FieldKind::Checkboxes => {
                let accepted = choices(field, lang, offerings, now, &self.words);
                let mut values: Vec<String> = Vec::new();
                for value in sent.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                    if !accepted.iter().any(|c| c.value == value) {
                        return Err(ErrorKind::Invalid);
                    }
                    if !values.iter().any(|v| v == value) {
                        values.push(value.to_string());
                    }
                }
                if values.is_empty() {
                    return missing(required);
                }
                // Keep the page's order, whatever order the browser sent.
                values.sort_by_key(|v| accepted.iter().position(|c| &c.value == v));
                Ok(Some(Answer::List(values)))
            }
            FieldKind::Confirm => match sent.first().map(|v| v.trim()) {
                None | Some("") => missing(required),
                Some(CONFIRM_VALUE) => Ok(Some(Answer::Confirmed(true))),
                Some(_) => Err(ErrorKind::Invalid),
            },
            FieldKind::Cohort => {
                let Some(value) = sent.first().map(|v| v.trim()).filter(|v| !v.is_empty()) else {
                    return missing(required);
                };
                // Any cohort the offerings define is accepted here; whether it still takes
                // people is [`CohortChoice::availability`]'s question, answered with a clear
                // "closed" or "full" message rather than "not an option".
                match CohortChoice::parse(value) {
                    Some(choice) if choice.exists(offerings) => {
                        Ok(Some(Answer::Text(value.to_string())))
                    }
                    _ => Err(ErrorKind::Invalid),
                }
            }
        }
    }

    /// The answers as "label: value" lines in `lang`, for the coordinators' notice. The form's
    /// own words get French spacing; what the person typed is kept as typed.
    pub fn describe(
        &self,
        submission: &Submission,
        lang: Lang,
        offerings: &[Offering],
    ) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        for field in &self.fields {
            let Some(answer) = submission.answers.get(&field.name) else {
                continue;
            };
            let label = in_lang(field.label.get(lang), lang);
            let choice = |value: &String| match choice_label(field, value, lang, offerings) {
                Some(label) => in_lang(&label, lang),
                None => value.clone(),
            };
            let value = match (field.kind, answer) {
                (FieldKind::Cohort, Answer::Text(value)) => CohortChoice::parse(value)
                    .and_then(|c| c.describe(offerings, lang, &self.words))
                    .map(|described| in_lang(&described, lang))
                    .unwrap_or_else(|| value.clone()),
                (_, Answer::Text(value)) => choice(value),
                (_, Answer::List(values)) => values
                    .iter()
                    .map(choice)
                    .collect::<Vec<_>>()
                    .join(self.words.list_separator.get(lang)),
                (_, Answer::Confirmed(_)) => self.words.yes.get(lang).clone(),
            };
            lines.push((label, value));
        }
        lines
    }
}

impl Submission {
    /// The text (or chosen value) answered for `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.answers.get(name) {
            Some(Answer::Text(text)) => Some(text),
            _ => None,
        }
    }

    /// Where to send the acknowledgement, if the form asked.
    pub fn email(&self) -> Option<&str> {
        self.text(EMAIL_FIELD)
    }

    /// The language to reply in: the person's chosen official language, else the page's.
    pub fn reply_lang(&self) -> Lang {
        self.text(LANGUAGE_FIELD)
            .and_then(Lang::from_code)
            .unwrap_or(self.lang)
    }

    /// The cohort chosen on a registration form.
    pub fn cohort(&self, form: &FormDef) -> Option<CohortChoice> {
        let field = form.cohort_field()?;
        CohortChoice::parse(self.text(&field.name)?)
    }

    /// Whether the person asked for the waiting list if the cohort is full or closed.
    pub fn wants_waiting_list(&self) -> bool {
        matches!(
            self.answers.get(WAITLIST_FIELD),
            Some(Answer::Confirmed(true))
        )
    }

    /// A stable text of the answers (sorted by name), for deriving an idempotency key.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&(&self.form, &self.answers)).expect("answers serialize")
    }
}

/// Trims, turns Windows line ends into `\n`, and drops control characters (keeping line
/// breaks and tabs in multi-line text, turning them into spaces otherwise).
fn normalize(value: &str, multiline: bool) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    value
        .chars()
        .filter_map(|c| match c {
            '\n' | '\t' if multiline => Some(c),
            '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// An email address a mail server will take: an ASCII local part and a domain with a dot.
pub fn is_email(value: &str) -> bool {
    if value.len() > 254 {
        return false;
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && !labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    local_ok && domain_ok
}

/// A telephone number as people write them: digits, spaces, `+ - ( ) .`, and an extension
/// (`ext.` or `x`), with 7 to 20 digits.
pub fn is_phone(value: &str) -> bool {
    let lower = value.to_lowercase();
    let digits = lower.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits)
        && lower
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().xet".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for good in ["a@example.ca", "first.last+psp@forces.gc.ca", "x@québec.ca"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "a@@b.ca", "a b@c.ca", "a@b..ca", ".a@b.ca", "a@-b.ca", "a@b.123",
            "é@b.ca",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phone_shapes() {
        for good in ["613-555-0100", "+1 (613) 555-0100", "613.555.0100 ext. 12"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in ["12345", "call me", "613-555-0100; drop"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn normalize_keeps_line_breaks_only_where_they_belong() {
        assert_eq!(normalize("  a\r\nb\u{0}  ", true), "a\nb");
        assert_eq!(normalize("a\r\nb", false), "a b");
    }
}
