//! The form file format (`content/forms/<id>.toml`), its parsing, and the checks that turn an
//! editor's mistake into a `file:line: error: ... help: ...` diagnostic.
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

use super::ui::FormWords;
use super::{EMAIL_FIELD, LANGUAGE_FIELD, MAX_BODY_BYTES, RESERVED_FIELDS, WAITLIST_FIELD};
use crate::diagnostic::{Diagnostic, Diagnostics, line_of_offset};
use crate::front_matter;
use crate::lang::{Lang, Localized};
use crate::offering::is_slug;
use crate::typography;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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
    /// An offering's session to register for: the options come from `content/offerings/`,
    /// only those open at the moment of viewing (or of submitting).
    Session,
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
    /// The session has no place left.
    Full,
    /// Registration for the session is closed (deadline passed, or a closed group started);
    /// its waiting list still takes people.
    Closed,
    /// Registration for the session has not opened yet.
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
    /// What the person sees when placed on a session's waiting list.
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
            FieldKind::Radios | FieldKind::Checkboxes | FieldKind::Session
        )
    }
}

impl FormDef {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The session field, for a registration form.
    pub fn session_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.kind == FieldKind::Session)
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
    let mut problems = Diagnostics::default();
    let line = |span: std::ops::Range<usize>| line_of_offset(text, span.start);
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_slug(&id) {
        problems.push(
            Diagnostic::error(path, format!("the file name `{id}` cannot be a form id"))
                .with_help("use lowercase letters, digits and hyphens: intake.toml"),
        );
    }

    // The Privacy Notice Statement covers every topic, once.
    let mut seen_topics = BTreeSet::new();
    for section in &raw.privacy {
        if !seen_topics.insert(*section.topic.get_ref()) {
            problems.push(
                Diagnostic::error(path, "this privacy topic is given twice")
                    .at_line(line(section.topic.span()))
                    .with_help("keep one [[privacy]] section per topic"),
            );
        }
    }
    let missing: Vec<String> = PrivacyTopic::ALL
        .iter()
        .filter(|t| !seen_topics.contains(t))
        .map(|t| format!("`{}`", topic_name(*t)))
        .collect();
    if !missing.is_empty() {
        problems.push(
            Diagnostic::error(
                path,
                format!(
                    "the privacy notice statement has no section for {}",
                    missing.join(", ")
                ),
            )
            .with_help(
                "add a [[privacy]] section with topic = \"...\" and text = { en = \"...\", fr = \"...\" } \
                 for each of purpose, authority, uses, retention, access, complaint",
            ),
        );
    }
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

    // Fields: names, kinds, limits and the messages each needs.
    let mut names = BTreeSet::new();
    let mut body_budget = 1024; // the hidden fields, the idempotency key, the honeypot
    for field in &raw.fields {
        let name = field.name.get_ref();
        let at = line(field.name.span());
        let mut error = |message: String, help: &str| {
            problems.push(
                Diagnostic::error(path, message)
                    .at_line(at)
                    .with_help(help.to_string()),
            );
        };
        if !is_field_name(name) {
            error(
                format!("the field name `{name}` is not allowed"),
                "use lowercase letters, digits and underscores, starting with a letter: contact_method",
            );
        }
        if RESERVED_FIELDS.contains(&name.as_str()) {
            error(
                format!("the field name `{name}` is reserved for the form handler"),
                "choose another name",
            );
        }
        if !names.insert(name.clone()) {
            error(
                format!("there are two fields named `{name}`"),
                "give each field its own name",
            );
        }
        let kind = field.kind;
        if kind.is_text() {
            match field.max_length {
                None | Some(0) => error(
                    format!("the {} field `{name}` has no `max_length`", kind_name(kind)),
                    "add max_length = 100 (or the most characters a person may need)",
                ),
                Some(max) => {
                    // Percent-encoded French text takes about 6 bytes a character.
                    body_budget += name.len() + 2 + max * 6;
                    if field.errors.too_long.is_none() {
                        error(
                            format!("the field `{name}` has no `errors.too_long` message"),
                            "add errors.too_long = { en = \"... must be {max} characters or fewer\", fr = \"... {max} caractères ...\" }",
                        );
                    }
                }
            }
            if !field.options.is_empty() || field.options_from_offerings.is_some() {
                error(
                    format!("the {} field `{name}` cannot have options", kind_name(kind)),
                    "remove the options, or make it kind = \"radios\"",
                );
            }
        } else if field.max_length.is_some() {
            error(
                format!("`max_length` applies to text fields only, not to `{name}`"),
                "remove max_length",
            );
        }
        if matches!(kind, FieldKind::Email | FieldKind::Tel) && field.errors.invalid.is_none() {
            error(
                format!("the field `{name}` has no `errors.invalid` message"),
                "add errors.invalid = { en = \"Enter ... like ...\", fr = \"...\" } for answers in the wrong format",
            );
        }
        match kind {
            FieldKind::Radios | FieldKind::Checkboxes => {
                let count = field.options.len();
                if count < 2 && field.options_from_offerings.is_none() {
                    error(
                        format!("the field `{name}` needs at least two options"),
                        "add [[fields.options]] with value and label, or use kind = \"confirm\" for a single statement",
                    );
                }
                let mut values = BTreeSet::new();
                for option in &field.options {
                    if !is_option_value(&option.value) || !values.insert(option.value.clone()) {
                        error(
                            format!(
                                "option value `{}` of `{name}` is not a unique slug",
                                option.value
                            ),
                            "give each option its own value of lowercase letters, digits and hyphens",
                        );
                    }
                    body_budget += name.len() + option.value.len() + 2;
                }
                if field.options_from_offerings.is_some() && kind != FieldKind::Radios {
                    error(
                        format!("`options_from_offerings` applies to radios only, not to `{name}`"),
                        "make the field kind = \"radios\"",
                    );
                }
            }
            FieldKind::Session => {
                for (message, present) in [
                    ("full", field.errors.full.is_some()),
                    ("closed", field.errors.closed.is_some()),
                    ("not_open", field.errors.not_open.is_some()),
                    ("past", field.errors.past.is_some()),
                ] {
                    if !present {
                        error(
                            format!("the session field `{name}` has no `errors.{message}` message"),
                            "a session field needs errors.full, errors.closed, errors.not_open and errors.past, saying what the person can do",
                        );
                    }
                }
                body_budget += 200;
            }
            FieldKind::Text | FieldKind::Email | FieldKind::Tel | FieldKind::Textarea => {}
            FieldKind::Confirm => {
                if !field.options.is_empty() || field.options_from_offerings.is_some() {
                    error(
                        format!("the {} field `{name}` cannot have options", kind_name(kind)),
                        "remove the options",
                    );
                }
            }
        }
        if (field.required || field.required_when.is_some()) && field.errors.required.is_none() {
            error(
                format!("the required field `{name}` has no `errors.required` message"),
                "add errors.required = { en = \"Enter ...\" / \"Select ...\", fr = \"...\" }",
            );
        }
        if field.rows.is_some() && kind != FieldKind::Textarea {
            error(
                format!("`rows` applies to textareas only, not to `{name}`"),
                "remove rows",
            );
        }
        if let Some(token) = &field.autocomplete
            && !AUTOCOMPLETE_TOKENS.contains(&token.as_str())
        {
            error(
                format!("`{token}` is not an autocomplete token this site uses"),
                &format!("use one of: {}", AUTOCOMPLETE_TOKENS.join(", ")),
            );
        }
        if let Some(max) = field.max_length
            && field
                .errors
                .too_long
                .as_ref()
                .is_some_and(|m| m.en.contains("{max}") != m.fr.contains("{max}"))
        {
            error(
                format!("`errors.too_long` of `{name}` says {{max}} in one language only ({max})"),
                "write {max} in both languages, or in neither",
            );
        }
        if name == LANGUAGE_FIELD {
            let values: BTreeSet<&str> = field.options.iter().map(|o| o.value.as_str()).collect();
            if kind != FieldKind::Radios || values != BTreeSet::from(["en", "fr"]) {
                error(
                    format!("the `{LANGUAGE_FIELD}` field gives the reply language"),
                    "make it kind = \"radios\" with the options en and fr",
                );
            }
        }
        if name == WAITLIST_FIELD && (kind != FieldKind::Confirm || field.required) {
            error(
                format!(
                    "the `{WAITLIST_FIELD}` field is the optional request for a waiting list place"
                ),
                "make it kind = \"confirm\" and not required",
            );
        }
        if raw.anonymous
            && (matches!(kind, FieldKind::Email | FieldKind::Tel)
                || matches!(
                    field.autocomplete.as_deref(),
                    Some("name" | "given-name" | "family-name" | "nickname" | "email" | "tel")
                ))
        {
            error(
                format!("the anonymous form asks for `{name}`, which identifies a person"),
                "remove the field, or set anonymous = false",
            );
        }
    }
    // Conditions name an existing radios field and its options.
    for field in &raw.fields {
        let Some(condition) = &field.required_when else {
            continue;
        };
        if !names_radios_options(&raw.fields, condition) {
            problems.push(
                Diagnostic::error(
                    path,
                    format!(
                        "`required_when` of `{}` must name a radios field and some of its option values",
                        field.name.get_ref()
                    ),
                )
                .at_line(line(field.name.span()))
                .with_help(condition_help("required_when", "phone", &raw.fields)),
            );
        }
    }
    if let Some(condition) = raw
        .acknowledgement
        .as_ref()
        .and_then(|a| a.only_when.as_ref())
        && !names_radios_options(&raw.fields, condition.get_ref())
    {
        problems.push(
            Diagnostic::error(
                path,
                "`only_when` of [acknowledgement] must name a radios field and some of its option values",
            )
            .at_line(line(condition.span()))
            .with_help(condition_help("only_when", "email-only", &raw.fields)),
        );
    }
    // Someone whose inbox is read by another person must be able to choose another way.
    if raw
        .acknowledgement
        .as_ref()
        .is_some_and(|a| a.only_when.is_none())
    {
        let at = text
            .lines()
            .position(|l| l.trim() == "[acknowledgement]")
            .map_or(1, |i| i + 1);
        let example = condition_help("only_when", "email-only", &raw.fields);
        problems.push(
            Diagnostic::error(
                path,
                "[acknowledgement] has no `only_when`: it would email everyone who gives an address",
            )
            .at_line(at)
            .with_help(format!(
                "offer a safe way to be contacted and email only those who chose email: {}",
                example.trim_start_matches("write ")
            )),
        );
    }
    // The privacy notice is a section of its own (a heading, then its folded text): the first
    // question starts the next section, or it would read as part of the notice.
    if let Some(first) = raw.fields.first()
        && first.heading.is_none()
    {
        problems.push(
            Diagnostic::error(
                path,
                format!(
                    "the first field, `{}`, has no `heading`",
                    first.name.get_ref()
                ),
            )
            .at_line(line(first.name.span()))
            .with_help(
                "add heading = { en = \"...\", fr = \"...\" } to the first field: the privacy notice \
                 before it is a section of its own, and the questions need theirs",
            ),
        );
    }
    problems.extend(french_spacing(path, text));
    let sessions = raw
        .fields
        .iter()
        .filter(|f| f.kind == FieldKind::Session)
        .count();
    if sessions > 1 {
        problems.push(
            Diagnostic::error(path, "a form can have one session field only")
                .with_help("keep a single field with kind = \"session\""),
        );
    }
    if sessions == 1
        && (raw.confirmation.waitlisted.is_none() || raw.confirmation.interest.is_none())
    {
        problems.push(
            Diagnostic::error(
                path,
                "a form with a session field needs [confirmation.waitlisted] and [confirmation.interest]",
            )
            .with_help("write what a person on the waiting list, or registering interest, sees next"),
        );
    }
    let has_email = raw.fields.iter().any(|f| f.name.get_ref() == EMAIL_FIELD);
    if has_email && !raw.anonymous && raw.acknowledgement.is_none() {
        problems.push(
            Diagnostic::error(
                path,
                "the form takes an email address but has no [acknowledgement]",
            )
            .with_help("add [acknowledgement] subject = { en = \"...\", fr = \"...\" }"),
        );
    }
    if body_budget > MAX_BODY_BYTES {
        problems.push(
            Diagnostic::error(
                path,
                format!(
                    "the fields' limits allow answers of about {body_budget} bytes, more than the \
                     {MAX_BODY_BYTES} the form handler accepts"
                ),
            )
            .with_help("lower the largest max_length values"),
        );
    }

    if problems.has_errors() {
        return Err(problems);
    }
    let condition = |c: RawCondition| Condition {
        field: c.field,
        any_of: c.any_of,
    };
    let confirmation = |c: RawConfirmation| Confirmation {
        title: c.title,
        next_steps: c.next_steps,
    };
    Ok(FormDef {
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
        fields: raw
            .fields
            .into_iter()
            .map(|f| Field {
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
            })
            .collect(),
        file: path.to_path_buf(),
        words: Arc::clone(words),
    })
}

/// The autocomplete tokens forms here may use (WHATWG HTML, "autofill detail tokens").
const AUTOCOMPLETE_TOKENS: [&str; 8] = [
    "name",
    "given-name",
    "family-name",
    "nickname",
    "email",
    "tel",
    "tel-national",
    "off",
];

/// Whether `condition` names a radios field of the form and only values of its own options.
fn names_radios_options(fields: &[RawField], condition: &RawCondition) -> bool {
    let target = fields.iter().find(|f| f.name.get_ref() == &condition.field);
    target.is_some_and(|t| {
        t.kind == FieldKind::Radios
            && !condition.any_of.is_empty()
            && condition
                .any_of
                .iter()
                .all(|v| t.options.iter().any(|o| &o.value == v))
    })
}

/// How to write a condition, with this form's own radios fields as the example.
fn condition_help(key: &str, example: &str, fields: &[RawField]) -> String {
    let radios: Vec<String> = fields
        .iter()
        .filter(|f| f.kind == FieldKind::Radios && !f.options.is_empty())
        .map(|f| {
            let values: Vec<&str> = f.options.iter().map(|o| o.value.as_str()).collect();
            format!("`{}` ({})", f.name.get_ref(), values.join(", "))
        })
        .collect();
    let example =
        format!("write {key} = {{ field = \"contact_method\", any_of = [\"{example}\"] }}");
    if radios.is_empty() {
        format!("{example}; this form has no radios field to name")
    } else {
        format!(
            "{example}; this form's radios fields: {}",
            radios.join("; ")
        )
    }
}

/// Every French text of the form file (any `fr = "..."`) where `?`, `!` or `;` follows a word
/// without a space, at its line. The page turns a space into the right no-break space, but
/// cannot add one that is missing.
fn french_spacing(path: &Path, text: &str) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let Ok(document) = toml::de::DeTable::parse(text) else {
        return problems; // already reported by the typed parse
    };
    let mut strings = Vec::new();
    french_strings(document.get_ref(), &mut strings);
    strings.sort_by_key(|(at, _)| *at);
    for (at, value) in strings {
        let Some(&offset) = typography::missing_french_spaces(&value).first() else {
            continue;
        };
        let mark = value[offset..].chars().next().unwrap_or('?');
        let before: String = value[..offset]
            .chars()
            .rev()
            .take_while(|c| !c.is_whitespace())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        problems.push(
            Diagnostic::error(
                path,
                format!("French text needs a space before `{mark}`: \"{before}{mark}\""),
            )
            .at_line(line_of_offset(text, at))
            .with_help(format!(
                "write \"{before} {mark}\" (French puts a space before ? ! and ;); the page makes it a no-break space"
            )),
        );
    }
    problems
}

/// The `fr` strings under `table`, with where each starts in the file.
fn french_strings(table: &toml::de::DeTable<'_>, out: &mut Vec<(usize, String)>) {
    for (key, value) in table {
        french_values(key.get_ref() == "fr", value, out);
    }
}

fn french_values(
    is_french: bool,
    value: &Spanned<toml::de::DeValue<'_>>,
    out: &mut Vec<(usize, String)>,
) {
    use toml::de::DeValue;
    match value.get_ref() {
        DeValue::String(text) if is_french => out.push((value.span().start, text.to_string())),
        DeValue::Table(table) => french_strings(table, out),
        DeValue::Array(items) => {
            for item in items {
                french_values(is_french, item, out);
            }
        }
        _ => {}
    }
}

fn is_field_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_option_value(s: &str) -> bool {
    is_slug(s)
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Email => "email",
        FieldKind::Tel => "tel",
        FieldKind::Textarea => "textarea",
        FieldKind::Radios => "radios",
        FieldKind::Checkboxes => "checkboxes",
        FieldKind::Confirm => "confirm",
        FieldKind::Session => "session",
    }
}

fn topic_name(topic: PrivacyTopic) -> &'static str {
    match topic {
        PrivacyTopic::Purpose => "purpose",
        PrivacyTopic::Authority => "authority",
        PrivacyTopic::Uses => "uses",
        PrivacyTopic::Retention => "retention",
        PrivacyTopic::Access => "access",
        PrivacyTopic::Complaint => "complaint",
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
