//! The form file format (`content/forms/<id>.toml`) and its parsing. The checks that turn an
//! editor's mistake into a `file:line: error: ... help: ...` diagnostic are in
//! `definition/checks.rs`.
//!
//! ```toml
//! title = { en = "Ask to join a group", fr = "Demander à joindre un groupe" }
//! submit = { en = "Send request", fr = "Envoyer la demande" }
//!
//! [[privacy]]
//! topic = "purpose"
//! text = { en = "...", fr = "..." }
//!
//! [confirmation.received]
//! title = { en = "Request received", fr = "Demande reçue" }
//! next_steps = [{ en = "...", fr = "..." }]
//!
//! [acknowledgement]
//! subject = { en = "...", fr = "..." }
//! # Optional: send it only to people who chose these options (never to someone who asked
//! # to be contacted another way).
//! only_when = { field = "contact_method", any_of = ["email-only"] }
//!
//! [[fields]]
//! name = "email"
//! kind = "email"
//! label = { en = "Email address", fr = "Adresse courriel" }
//! required = true
//! max_length = 254
//! autocomplete = "email"
//! errors.required = { en = "Enter your email address", fr = "..." }
//! errors.too_long = { en = "Email address must be {max} characters or fewer", fr = "..." }
//! errors.invalid = { en = "Enter an email address like name@example.com", fr = "..." }
//! ```

mod checks;

use super::EMAIL_FIELD;
use super::ui::FormWords;
use crate::diagnostic::Diagnostics;
use crate::front_matter;
use crate::lang::{Lang, Localized};
use crate::typography;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// What a field asks for, and so how it is drawn and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// An email address (checked for its shape).
    Email,
    /// A telephone number (digits, spaces and `+ - ( ) .`).
    Tel,
    /// Several lines of text.
    Textarea,
    /// Exactly one of a list of options.
    Radios,
    /// Any number of a list of options ("select all that apply").
    Checkboxes,
    /// A single statement the person ticks to confirm ("I am 18 or older").
    Confirm,
    /// The cohort to register for: the options come from `content/offerings/`, only the
    /// cohorts open at the moment of viewing (or of submitting), and offerings without dates
    /// (interest). Editors write `kind = "cohort"`; `"session"`, its name before the
    /// registration vocabulary was settled (a session is one meeting of a cohort), is still
    /// read, so older form files keep working.
    #[serde(alias = "session")]
    Cohort,
}

impl FieldKind {
    /// Whether the answer is typed text (and so needs a `max_length`).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldKind::Text | FieldKind::Email | FieldKind::Tel | FieldKind::Textarea
        )
    }
}

/// The kinds of error message a field can show; each is written in the form file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Nothing was entered or chosen.
    Required,
    /// More than `max_length` characters (the message may say `{max}`).
    TooLong,
    /// Not an email address or phone number, or an option that is not in the list.
    Invalid,
    /// The cohort has no place left.
    Full,
    /// Registration for the cohort is closed (deadline passed, or a closed group started);
    /// its waiting list still takes people.
    Closed,
    /// Registration for the cohort has not opened yet.
    NotOpen,
    /// Every session of the cohort is over.
    Past,
}

/// The topics a Privacy Notice Statement must cover, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivacyTopic {
    /// Why the information is collected.
    Purpose,
    /// The law that allows collecting it.
    Authority,
    /// Who uses it and for what, and whether it is shared.
    Uses,
    /// How long it is kept.
    Retention,
    /// The right to see and correct it.
    Access,
    /// The right to complain to the Privacy Commissioner of Canada.
    Complaint,
}

impl PrivacyTopic {
    /// Every topic, in display order.
    pub const ALL: [PrivacyTopic; 6] = [
        PrivacyTopic::Purpose,
        PrivacyTopic::Authority,
        PrivacyTopic::Uses,
        PrivacyTopic::Retention,
        PrivacyTopic::Access,
        PrivacyTopic::Complaint,
    ];
}

// ---- What editors write (serde), before validation --------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    title: Localized,
    submit: Localized,
    #[serde(default)]
    anonymous: bool,
    privacy: Vec<RawPrivacy>,
    confirmation: RawConfirmations,
    #[serde(default)]
    acknowledgement: Option<RawAcknowledgement>,
    fields: Vec<RawField>,
    /// Read by `site check` (translation freshness), not by the program.
    #[serde(default, rename = "translation")]
    _translation: Option<crate::translation::FileRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrivacy {
    topic: Spanned<PrivacyTopic>,
    text: Localized,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfirmations {
    received: RawConfirmation,
    #[serde(default)]
    waitlisted: Option<RawConfirmation>,
    #[serde(default)]
    interest: Option<RawConfirmation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfirmation {
    title: Localized,
    next_steps: Vec<Localized>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAcknowledgement {
    subject: Localized,
    #[serde(default)]
    only_when: Option<Spanned<RawCondition>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: Spanned<String>,
    kind: FieldKind,
    label: Localized,
    #[serde(default)]
    hint: Option<Localized>,
    #[serde(default)]
    heading: Option<Localized>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    required_when: Option<RawCondition>,
    #[serde(default)]
    max_length: Option<usize>,
    #[serde(default)]
    autocomplete: Option<String>,
    #[serde(default)]
    rows: Option<u32>,
    #[serde(default)]
    options: Vec<RawOption>,
    #[serde(default)]
    options_from_offerings: Option<OfferingsFilter>,
    #[serde(default)]
    errors: RawErrors,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field: String,
    any_of: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: String,
    label: Localized,
    #[serde(default)]
    hint: Option<Localized>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrors {
    #[serde(default)]
    required: Option<Localized>,
    #[serde(default)]
    too_long: Option<Localized>,
    #[serde(default)]
    invalid: Option<Localized>,
    #[serde(default)]
    full: Option<Localized>,
    #[serde(default)]
    closed: Option<Localized>,
    #[serde(default)]
    not_open: Option<Localized>,
    #[serde(default)]
    past: Option<Localized>,
}

// ---- What the rest of the program uses --------------------------------------------------

/// A validated form definition.
#[derive(Debug, Clone)]
pub struct FormDef {
    /// The file stem: `intake`, `registration`, `feedback`. The form posts to `/api/forms/<id>`.
    pub id: String,
    /// What the form is for, as a short phrase ("Ask to join a peer support group").
    pub title: Localized,
    /// The submit button's label.
    pub submit: Localized,
    /// An anonymous form asks for nothing that identifies a person and sends no
    /// acknowledgement; the handler stores no name, email or address for it.
    pub anonymous: bool,
    /// The Privacy Notice Statement, one section per topic, in [`PrivacyTopic::ALL`] order.
    pub privacy: Vec<PrivacySection>,
    /// What the person sees once the form is stored.
    pub received: Confirmation,
    /// What the person sees when placed on a cohort's waiting list.
    pub waitlisted: Option<Confirmation>,
    /// What the person sees after registering interest in an offering without dates.
    pub interest: Option<Confirmation>,
    /// The acknowledgement email, when the form takes an email address.
    pub acknowledgement: Option<Acknowledgement>,
    /// The fields, in page order.
    pub fields: Vec<Field>,
    /// Where it was defined, for messages.
    pub file: PathBuf,
    /// The words every form shares (content/strings.toml).
    pub words: Arc<FormWords>,
}

/// One section of a Privacy Notice Statement.
#[derive(Debug, Clone)]
pub struct PrivacySection {
    pub topic: PrivacyTopic,
    pub text: Localized,
}

/// A confirmation panel's title and its "what happens next" paragraphs; the acknowledgement
/// email says the same.
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub title: Localized,
    pub next_steps: Vec<Localized>,
}

/// The acknowledgement of receipt emailed to the person.
#[derive(Debug, Clone)]
pub struct Acknowledgement {
    /// The email's subject.
    pub subject: Localized,
    /// Sent only when this holds (the person chose to be contacted by email); always when
    /// `None`.
    pub only_when: Option<Condition>,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name posted (`contact_method`): lowercase letters, digits and underscores.
    pub name: String,
    pub kind: FieldKind,
    /// The label (or the legend, for a group of options; or the statement, for a confirmation).
    pub label: Localized,
    pub hint: Option<Localized>,
    /// A heading shown before the field, starting a new part of the form.
    pub heading: Option<Localized>,
    pub required: bool,
    /// Required only when another (radios) field has one of these values.
    pub required_when: Option<Condition>,
    /// The most characters accepted (text kinds only).
    pub max_length: Option<usize>,
    /// The HTML `autocomplete` token (`name`, `email`, `tel`).
    pub autocomplete: Option<String>,
    /// Visible lines, for a textarea.
    pub rows: Option<u32>,
    /// The choices, for radios and checkboxes (after those from offerings, if any).
    pub options: Vec<ChoiceOption>,
    /// Radios only: offer these offerings (by title, value = id) before `options`.
    pub options_from_offerings: Option<OfferingsFilter>,
    errors: FieldErrors,
}

/// Which offerings a radios field offers as its first options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OfferingsFilter {
    /// Every offering, activity or group.
    All,
    /// Groups only (Informal, Formal).
    Groups,
    /// Activities only.
    Activities,
}

impl OfferingsFilter {
    /// Whether `offering` is one of these.
    pub fn includes(self, offering: &crate::offering::Offering) -> bool {
        use crate::offering::OfferingKind;
        match self {
            OfferingsFilter::All => true,
            OfferingsFilter::Groups => offering.kind == OfferingKind::Group,
            OfferingsFilter::Activities => offering.kind == OfferingKind::Activity,
        }
    }
}

/// "When the radios field `field` is one of `any_of`": when a field is required
/// (`required_when`), or when the acknowledgement is sent (`only_when`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub any_of: Vec<String>,
}

impl Condition {
    /// Whether `value`, the answer to [`Condition::field`], meets the condition.
    pub fn holds(&self, value: Option<&str>) -> bool {
        value.is_some_and(|v| self.any_of.iter().any(|a| a == v))
    }
}

/// One choice of a radios or checkboxes field.
#[derive(Debug, Clone)]
pub struct ChoiceOption {
    pub value: String,
    pub label: Localized,
    pub hint: Option<Localized>,
}

#[derive(Debug, Clone, Default)]
struct FieldErrors {
    required: Option<Localized>,
    too_long: Option<Localized>,
    invalid: Option<Localized>,
    full: Option<Localized>,
    closed: Option<Localized>,
    not_open: Option<Localized>,
    past: Option<Localized>,
}

impl Field {
    /// The error message of `kind` in `lang`, with `{max}` filled in and French spacing
    /// applied. Definitions are checked at load time so that every message a field can need
    /// exists; the fallbacks below only keep a bad definition from panicking.
    pub fn error_message(&self, kind: ErrorKind, lang: Lang, words: &FormWords) -> String {
        let e = &self.errors;
        let chosen = match kind {
            ErrorKind::Required => e.required.as_ref(),
            ErrorKind::TooLong => e.too_long.as_ref(),
            ErrorKind::Invalid => e.invalid.as_ref().or(e.required.as_ref()),
            ErrorKind::Full => e.full.as_ref(),
            ErrorKind::Closed => e.closed.as_ref(),
            ErrorKind::NotOpen => e.not_open.as_ref(),
            ErrorKind::Past => e.past.as_ref(),
        };
        let text = chosen
            .map(|m| m.get(lang).as_str())
            .unwrap_or_else(|| words.check_answer.get(lang));
        let text = match self.max_length {
            Some(max) => text.replace("{max}", &max.to_string()),
            None => text.to_string(),
        };
        typography::in_lang(&text, lang)
    }

    /// Whether the field is drawn as a group of choices inside a fieldset.
    pub fn is_group(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Radios | FieldKind::Checkboxes | FieldKind::Cohort
        )
    }
}

impl FormDef {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The cohort field, for a registration form.
    pub fn cohort_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.kind == FieldKind::Cohort)
    }

    /// Where the form posts.
    pub fn action(&self) -> String {
        format!("/api/forms/{}", self.id)
    }

    /// The HTML id of a field's control (the first option's, for a group): `intake-contact-method`.
    pub fn control_id(&self, field: &str) -> String {
        format!("{}-{}", self.id, field.replace('_', "-"))
    }

    /// Whether the form may send the person an acknowledgement (it has an email field).
    pub fn acknowledges(&self) -> bool {
        self.field(EMAIL_FIELD).is_some() && !self.anonymous
    }

    /// Whether a person who answered this way is sent the acknowledgement: the form sends
    /// one, they gave an email address, and its `only_when` holds. `answer` gives the value
    /// sent for a field's name. Someone who asked to be contacted another way is never emailed,
    /// even if they typed an address.
    pub fn sends_acknowledgement<'a>(&self, answer: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.acknowledges()
            && answer(EMAIL_FIELD).is_some_and(|email| !email.trim().is_empty())
            && self
                .acknowledgement
                .as_ref()
                .and_then(|a| a.only_when.as_ref())
                .is_none_or(|condition| condition.holds(answer(&condition.field)))
    }
}

/// Every form under `content/forms/`, sorted by id, and every problem found.
pub fn load_dir(dir: &Path, words: &Arc<FormWords>) -> (Vec<FormDef>, Diagnostics) {
    let (files, mut diagnostics) = crate::front_matter::toml_files(dir);
    let mut forms = Vec::new();
    for (path, text) in files {
        match parse(&path, &text, words) {
            Ok(form) => forms.push(form),
            Err(found) => diagnostics.extend(found),
        }
    }
    (forms, diagnostics)
}

/// Parses and checks one form file. `path`'s stem is the form's id.
pub fn parse(path: &Path, text: &str, words: &Arc<FormWords>) -> Result<FormDef, Diagnostics> {
    let raw: RawForm = front_matter::parse(path, text, 1).map_err(|d| Diagnostics(vec![d]))?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let problems = checks::check(path, text, &id, &raw);
    if problems.has_errors() {
        return Err(problems);
    }
    Ok(form_def(id, raw, path, words))
}

/// The checked form `raw`, in the shape the rest of the program uses.
fn form_def(id: String, raw: RawForm, path: &Path, words: &Arc<FormWords>) -> FormDef {
    let mut privacy: Vec<PrivacySection> = raw
        .privacy
        .iter()
        .map(|s| PrivacySection {
            topic: *s.topic.get_ref(),
            text: s.text.clone(),
        })
        .collect();
    privacy.sort_by_key(|s| s.topic);
    privacy.dedup_by_key(|s| s.topic);
    let confirmation = |c: RawConfirmation| Confirmation {
        title: c.title,
        next_steps: c.next_steps,
    };
    FormDef {
        id,
        title: raw.title,
        submit: raw.submit,
        anonymous: raw.anonymous,
        privacy,
        received: confirmation(raw.confirmation.received),
        waitlisted: raw.confirmation.waitlisted.map(confirmation),
        interest: raw.confirmation.interest.map(confirmation),
        acknowledgement: raw.acknowledgement.map(|a| Acknowledgement {
            subject: a.subject,
            only_when: a.only_when.map(|c| condition(c.into_inner())),
        }),
        fields: raw.fields.into_iter().map(field).collect(),
        file: path.to_path_buf(),
        words: Arc::clone(words),
    }
}

fn condition(c: RawCondition) -> Condition {
    Condition {
        field: c.field,
        any_of: c.any_of,
    }
}

fn field(f: RawField) -> Field {
    Field {
        name: f.name.into_inner(),
        kind: f.kind,
        label: f.label,
        hint: f.hint,
        heading: f.heading,
        required: f.required,
        required_when: f.required_when.map(condition),
        max_length: f.max_length,
        autocomplete: f.autocomplete,
        rows: f.rows,
        options: f
            .options
            .into_iter()
            .map(|o| ChoiceOption {
                value: o.value,
                label: o.label,
                hint: o.hint,
            })
            .collect(),
        options_from_offerings: f.options_from_offerings,
        errors: FieldErrors {
            required: f.errors.required,
            too_long: f.errors.too_long,
            invalid: f.errors.invalid,
            full: f.errors.full,
            closed: f.errors.closed,
            not_open: f.errors.not_open,
            past: f.errors.past,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVACY: &str = r#"
[[privacy]]
topic = "purpose"
text = { en = "P", fr = "P" }
[[privacy]]
topic = "authority"
text = { en = "A", fr = "A" }
[[privacy]]
topic = "uses"
text = { en = "U", fr = "U" }
[[privacy]]
topic = "retention"
text = { en = "R", fr = "R" }
[[privacy]]
topic = "access"
text = { en = "A", fr = "A" }
[[privacy]]
topic = "complaint"
text = { en = "C", fr = "C" }

[confirmation.received]
title = { en = "Received", fr = "Reçu" }
next_steps = [{ en = "We reply.", fr = "Nous répondons." }]
"#;

    fn form(fields: &str) -> String {
        format!(
            "title = {{ en = \"Form\", fr = \"Formulaire\" }}\n\
             submit = {{ en = \"Send\", fr = \"Envoyer\" }}\n\
             anonymous = true\n{PRIVACY}\n{fields}"
        )
    }

    fn errors(text: &str) -> Vec<String> {
        parse(
            Path::new("content/forms/test.toml"),
            text,
            &Arc::new(FormWords::of_repository()),
        )
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
    }

    const NAME_FIELD: &str = r#"[[fields]]
name = "comment"
kind = "textarea"
heading = { en = "Your comment", fr = "Votre commentaire" }
label = { en = "Comment", fr = "Commentaire" }
max_length = 500
errors.too_long = { en = "At most {max}", fr = "Au plus {max}" }
"#;

    const EMAIL_FIELD_TEXT: &str = r#"[[fields]]
name = "email"
kind = "email"
label = { en = "Email", fr = "Courriel" }
max_length = 254
errors.too_long = { en = "Too long", fr = "Trop long" }
errors.invalid = { en = "Invalid", fr = "Invalide" }
"#;

    #[test]
    fn a_minimal_form_parses() {
        let def = parse(
            Path::new("content/forms/test.toml"),
            &form(NAME_FIELD),
            &Arc::new(FormWords::of_repository()),
        )
        .unwrap();
        assert_eq!(def.id, "test");
        assert_eq!(def.privacy.len(), 6);
        assert_eq!(
            def.fields[0].error_message(ErrorKind::TooLong, Lang::Fr, &FormWords::of_repository()),
            "Au plus 500"
        );
    }

    #[test]
    fn a_typo_is_named_with_its_line_and_a_suggestion() {
        let text = form(&NAME_FIELD.replace("max_length", "max_lenght"));
        let errors = errors(&text);
        let line = text
            .lines()
            .position(|l| l.starts_with("max_lenght"))
            .unwrap()
            + 1;
        assert!(
            errors[0].starts_with(&format!(
                "content/forms/test.toml:{line}: error: unknown field `max_lenght`"
            )),
            "{errors:?}"
        );
        assert!(
            errors[0].contains("did you mean `max_length`?"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_text_field_without_a_limit_is_refused_at_its_line() {
        let text = form(&NAME_FIELD.replace("max_length = 500\n", ""));
        let errors = errors(&text);
        let line = text
            .lines()
            .position(|l| l == "name = \"comment\"")
            .unwrap()
            + 1;
        assert!(
            errors[0].starts_with(&format!(
                "content/forms/test.toml:{line}: error: the textarea field `comment` has no `max_length`"
            )),
            "{errors:?}"
        );
    }

    #[test]
    fn a_required_field_needs_its_message() {
        let errors = errors(&form(
            &NAME_FIELD.replace("max_length = 500", "required = true\nmax_length = 500"),
        ));
        assert!(
            errors[0].contains("the required field `comment` has no `errors.required` message"),
            "{errors:?}"
        );
    }

    #[test]
    fn the_privacy_notice_must_cover_every_topic() {
        let text = form(NAME_FIELD).replace("topic = \"complaint\"", "topic = \"access\"");
        let errors = errors(&text);
        assert!(
            errors
                .iter()
                .any(|e| e.contains("has no section for `complaint`")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("this privacy topic is given twice")),
            "{errors:?}"
        );
    }

    #[test]
    fn an_anonymous_form_cannot_ask_for_an_email() {
        let errors = errors(&form(EMAIL_FIELD_TEXT));
        assert!(
            errors
                .iter()
                .any(|e| e.contains("the anonymous form asks for `email`")),
            "{errors:?}"
        );
    }

    #[test]
    fn limits_too_large_for_the_handler_are_refused() {
        let errors = errors(&form(&NAME_FIELD.replace("500", "5000")));
        assert!(
            errors[0].contains("more than the 16384 the form handler accepts"),
            "{errors:?}"
        );
    }

    /// A form that takes an email address and acknowledges, with a contact method choice.
    fn personal_form(acknowledgement: &str) -> String {
        format!(
            "title = {{ en = \"Form\", fr = \"Formulaire\" }}\n\
             submit = {{ en = \"Send\", fr = \"Envoyer\" }}\n{PRIVACY}\n{acknowledgement}\n{}{}",
            r#"[[fields]]
name = "contact_method"
kind = "radios"
heading = { en = "Contact", fr = "Contact" }
label = { en = "How?", fr = "Comment ?" }
options = [
  { value = "email-only", label = { en = "Email", fr = "Courriel" } },
  { value = "phone", label = { en = "Phone", fr = "Téléphone" } },
]
"#,
            EMAIL_FIELD_TEXT
        )
    }

    fn line_of(text: &str, start: &str) -> usize {
        text.lines().position(|l| l.starts_with(start)).unwrap() + 1
    }

    #[test]
    fn the_acknowledgement_may_be_sent_only_when_a_choice_holds() {
        let ok = personal_form(
            "[acknowledgement]\nsubject = { en = \"S\", fr = \"S\" }\n\
             only_when = { field = \"contact_method\", any_of = [\"email-only\"] }",
        );
        let def = parse(
            Path::new("content/forms/test.toml"),
            &ok,
            &Arc::new(FormWords::of_repository()),
        )
        .unwrap();
        let only_when = def.acknowledgement.unwrap().only_when.unwrap();
        assert_eq!(only_when.field, "contact_method");
        assert!(only_when.holds(Some("email-only")));
        assert!(!only_when.holds(Some("phone")) && !only_when.holds(None));

        for (wrong, what) in [
            (
                "{ field = \"email\", any_of = [\"x\"] }",
                "a field that is not radios",
            ),
            (
                "{ field = \"contact_method\", any_of = [\"mail\"] }",
                "an option it lacks",
            ),
            ("{ field = \"contact_method\", any_of = [] }", "no option"),
            (
                "{ field = \"contact\", any_of = [\"phone\"] }",
                "no such field",
            ),
        ] {
            let text = personal_form(&format!(
                "[acknowledgement]\nsubject = {{ en = \"S\", fr = \"S\" }}\nonly_when = {wrong}"
            ));
            let errors = errors(&text);
            let line = line_of(&text, "only_when");
            assert_eq!(
                errors,
                [format!(
                    "content/forms/test.toml:{line}: error: `only_when` of [acknowledgement] must name a radios field and some of its option values\n  \
                     help: write only_when = {{ field = \"contact_method\", any_of = [\"email-only\"] }}; this form's radios fields: `contact_method` (email-only, phone)"
                )],
                "{what}"
            );
        }
        // A typo in the condition is named, not ignored.
        let text = personal_form(
            "[acknowledgement]\nsubject = { en = \"S\", fr = \"S\" }\n\
             only_when = { field = \"contact_method\", anyof = [\"email-only\"] }",
        );
        let errors = errors(&text);
        assert!(
            errors[0].starts_with(&format!(
                "content/forms/test.toml:{}: error: unknown field `anyof`",
                line_of(&text, "only_when")
            )),
            "{errors:?}"
        );
    }

    #[test]
    fn an_acknowledgement_sent_to_everyone_who_gives_an_address_is_refused() {
        // Someone whose inbox is read by another person must be able to choose another way.
        let text = personal_form("[acknowledgement]\nsubject = { en = \"S\", fr = \"S\" }");
        assert_eq!(
            errors(&text),
            [format!(
                "content/forms/test.toml:{}: error: [acknowledgement] has no `only_when`: it would email everyone who gives an address\n  \
                 help: offer a safe way to be contacted and email only those who chose email: only_when = {{ field = \"contact_method\", any_of = [\"email-only\"] }}; this form's radios fields: `contact_method` (email-only, phone)",
                line_of(&text, "[acknowledgement]")
            )]
        );
    }

    #[test]
    fn the_first_field_starts_a_part_after_the_privacy_notice() {
        let text = form(&NAME_FIELD.replace(
            "heading = { en = \"Your comment\", fr = \"Votre commentaire\" }\n",
            "",
        ));
        let errors = errors(&text);
        assert_eq!(
            errors,
            [format!(
                "content/forms/test.toml:{}: error: the first field, `comment`, has no `heading`\n  \
                 help: add heading = {{ en = \"...\", fr = \"...\" }} to the first field: the privacy notice \
                 before it is a section of its own, and the questions need theirs",
                line_of(&text, "name = \"comment\"")
            )]
        );
    }

    #[test]
    fn french_without_its_space_before_question_marks_is_reported_at_its_line() {
        let text = form(
            &NAME_FIELD
                .replace(
                    "label = { en = \"Comment\", fr = \"Commentaire\" }",
                    "label = { en = \"Why?\", fr = \"Pourquoi?\" }\n\
                     hint = { en = \"See https://example.ca/?a=1;b\", fr = \"Voir https://example.ca/?a=1;b ou nom@exemple.ca!\" }",
                )
                .replace(
                    "errors.too_long = { en = \"At most {max}\", fr = \"Au plus {max}\" }",
                    "errors.too_long = { en = \"At most {max}!\", fr = \"Au plus {max} (environ)!\" }",
                ),
        );
        let errors = errors(&text);
        assert_eq!(
            errors,
            [
                format!(
                    "content/forms/test.toml:{}: error: French text needs a space before `?`: \"Pourquoi?\"\n  \
                     help: write \"Pourquoi ?\" (French puts a space before ? ! and ;); the page makes it a no-break space",
                    line_of(&text, "label = ")
                ),
                format!(
                    "content/forms/test.toml:{}: error: French text needs a space before `!`: \"(environ)!\"\n  \
                     help: write \"(environ) !\" (French puts a space before ? ! and ;); the page makes it a no-break space",
                    line_of(&text, "errors.too_long")
                ),
            ]
        );
        // With its spaces, the same text loads.
        let fixed = text
            .replace("Pourquoi?", "Pourquoi ?")
            .replace("(environ)!", "(environ) !");
        assert!(
            parse(
                Path::new("content/forms/test.toml"),
                &fixed,
                &Arc::new(FormWords::of_repository())
            )
            .is_ok()
        );
    }

    #[test]
    fn reserved_names_are_refused() {
        let errors = errors(&form(&NAME_FIELD.replace("\"comment\"", "\"website\"")));
        assert!(errors[0].contains("is reserved"), "{errors:?}");
    }
}
