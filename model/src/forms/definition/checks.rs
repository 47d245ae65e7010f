//! The checks that turn an editor's mistake in a form file into a
//! `file:line: error: ... help: ...` diagnostic, one function per concern. Every mistake is
//! reported at once, so an editor fixes them in one pass.

use super::{FieldKind, PrivacyTopic, RawField, RawForm};
use super::{RawCondition, RawPrivacy};
use crate::diagnostic::{Diagnostic, Diagnostics, line_of_offset};
use crate::forms::{EMAIL_FIELD, LANGUAGE_FIELD, MAX_BODY_BYTES, RESERVED_FIELDS, WAITLIST_FIELD};
use crate::offering::is_slug;
use crate::typography;
use std::collections::BTreeSet;
use std::path::Path;
use toml::Spanned;

/// Every mistake in the form file `path` (whose text is `text` and id `id`), in the order an
/// editor reads them: the file name, the privacy notice, each field, then the form as a whole.
pub(super) fn check(path: &Path, text: &str, id: &str, raw: &RawForm) -> Diagnostics {
    let mut problems = Diagnostics::default();
    if !is_slug(id) {
        problems.push(
            Diagnostic::error(path, format!("the file name `{id}` cannot be a form id"))
                .with_help("use lowercase letters, digits and hyphens: intake.toml"),
        );
    }
    privacy_topics(path, text, &raw.privacy, &mut problems);
    let mut names = BTreeSet::new();
    for field in &raw.fields {
        let mut report = FieldReport {
            path,
            at: line_of_offset(text, field.name.span().start),
            problems: &mut problems,
        };
        field_name(field, &mut names, &mut report);
        field_kind(field, &mut report);
        field_messages(field, &mut report);
        special_fields(field, raw.anonymous, &mut report);
    }
    conditions(path, text, raw, &mut problems);
    acknowledgement(path, text, raw, &mut problems);
    first_heading(path, text, &raw.fields, &mut problems);
    problems.extend(french_spacing(path, text));
    cohort_field(path, raw, &mut problems);
    email_acknowledged(path, raw, &mut problems);
    body_size(path, &raw.fields, &mut problems);
    problems
}

/// The Privacy Notice Statement covers every topic, once.
fn privacy_topics(path: &Path, text: &str, privacy: &[RawPrivacy], problems: &mut Diagnostics) {
    let mut seen_topics = BTreeSet::new();
    for section in privacy {
        if !seen_topics.insert(*section.topic.get_ref()) {
            problems.push(
                Diagnostic::error(path, "this privacy topic is given twice")
                    .at_line(line_of_offset(text, section.topic.span().start))
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
}

/// Where one field's mistakes go: at the line of its name.
struct FieldReport<'a> {
    path: &'a Path,
    at: usize,
    problems: &'a mut Diagnostics,
}

impl FieldReport<'_> {
    fn error(&mut self, message: String, help: &str) {
        self.problems.push(
            Diagnostic::error(self.path, message)
                .at_line(self.at)
                .with_help(help.to_string()),
        );
    }
}

/// A field's name is well formed, not the handler's, and not another field's.
fn field_name(field: &RawField, names: &mut BTreeSet<String>, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    if !is_field_name(name) {
        report.error(
            format!("the field name `{name}` is not allowed"),
            "use lowercase letters, digits and underscores, starting with a letter: contact_method",
        );
    }
    if RESERVED_FIELDS.contains(&name.as_str()) {
        report.error(
            format!("the field name `{name}` is reserved for the form handler"),
            "choose another name",
        );
    }
    if !names.insert(name.clone()) {
        report.error(
            format!("there are two fields named `{name}`"),
            "give each field its own name",
        );
    }
}

/// What a field's kind requires: a length limit for text, options for choices, the
/// messages a session needs.
fn field_kind(field: &RawField, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    let kind = field.kind;
    if kind.is_text() {
        text_limits(field, report);
    } else if field.max_length.is_some() {
        report.error(
            format!("`max_length` applies to text fields only, not to `{name}`"),
            "remove max_length",
        );
    }
    if matches!(kind, FieldKind::Email | FieldKind::Tel) && field.errors.invalid.is_none() {
        report.error(
            format!("the field `{name}` has no `errors.invalid` message"),
            "add errors.invalid = { en = \"Enter ... like ...\", fr = \"...\" } for answers in the wrong format",
        );
    }
    match kind {
        FieldKind::Radios | FieldKind::Checkboxes => choices(field, report),
        FieldKind::Cohort => cohort_messages(field, report),
        FieldKind::Text | FieldKind::Email | FieldKind::Tel | FieldKind::Textarea => {}
        FieldKind::Confirm => {
            if !field.options.is_empty() || field.options_from_offerings.is_some() {
                report.error(
                    format!("the {} field `{name}` cannot have options", kind_name(kind)),
                    "remove the options",
                );
            }
        }
    }
}

/// A text field has a `max_length`, says what happens beyond it, and has no options.
fn text_limits(field: &RawField, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    let kind = field.kind;
    match field.max_length {
        None | Some(0) => report.error(
            format!("the {} field `{name}` has no `max_length`", kind_name(kind)),
            "add max_length = 100 (or the most characters a person may need)",
        ),
        Some(_) => {
            if field.errors.too_long.is_none() {
                report.error(
                    format!("the field `{name}` has no `errors.too_long` message"),
                    "add errors.too_long = { en = \"... must be {max} characters or fewer\", fr = \"... {max} caractères ...\" }",
                );
            }
        }
    }
    if !field.options.is_empty() || field.options_from_offerings.is_some() {
        report.error(
            format!("the {} field `{name}` cannot have options", kind_name(kind)),
            "remove the options, or make it kind = \"radios\"",
        );
    }
}

/// A radios or checkboxes field offers at least two options, each with its own value.
fn choices(field: &RawField, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    if field.options.len() < 2 && field.options_from_offerings.is_none() {
        report.error(
            format!("the field `{name}` needs at least two options"),
            "add [[fields.options]] with value and label, or use kind = \"confirm\" for a single statement",
        );
    }
    let mut values = BTreeSet::new();
    for option in &field.options {
        if !is_option_value(&option.value) || !values.insert(option.value.clone()) {
            report.error(
                format!(
                    "option value `{}` of `{name}` is not a unique slug",
                    option.value
                ),
                "give each option its own value of lowercase letters, digits and hyphens",
            );
        }
    }
    if field.options_from_offerings.is_some() && field.kind != FieldKind::Radios {
        report.error(
            format!("`options_from_offerings` applies to radios only, not to `{name}`"),
            "make the field kind = \"radios\"",
        );
    }
}

/// A cohort field says what a person can do when a cohort is full, closed, not open yet or
/// over.
fn cohort_messages(field: &RawField, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    for (message, present) in [
        ("full", field.errors.full.is_some()),
        ("closed", field.errors.closed.is_some()),
        ("not_open", field.errors.not_open.is_some()),
        ("past", field.errors.past.is_some()),
    ] {
        if !present {
            report.error(
                format!("the cohort field `{name}` has no `errors.{message}` message"),
                "a cohort field needs errors.full, errors.closed, errors.not_open and errors.past, saying what the person can do",
            );
        }
    }
}

/// A field's optional settings fit it: the message a required field needs, `rows`, the
/// autocomplete token, and `{max}` written in both languages or neither.
fn field_messages(field: &RawField, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    if (field.required || field.required_when.is_some()) && field.errors.required.is_none() {
        report.error(
            format!("the required field `{name}` has no `errors.required` message"),
            "add errors.required = { en = \"Enter ...\" / \"Select ...\", fr = \"...\" }",
        );
    }
    if field.rows.is_some() && field.kind != FieldKind::Textarea {
        report.error(
            format!("`rows` applies to textareas only, not to `{name}`"),
            "remove rows",
        );
    }
    if let Some(token) = &field.autocomplete
        && !AUTOCOMPLETE_TOKENS.contains(&token.as_str())
    {
        report.error(
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
        report.error(
            format!("`errors.too_long` of `{name}` says {{max}} in one language only ({max})"),
            "write {max} in both languages, or in neither",
        );
    }
}

/// The fields the handler reads by name (the reply language, the waiting list request) have
/// the shape it expects, and an anonymous form asks for nothing that identifies a person.
fn special_fields(field: &RawField, anonymous: bool, report: &mut FieldReport<'_>) {
    let name = field.name.get_ref();
    let kind = field.kind;
    if name == LANGUAGE_FIELD {
        let values: BTreeSet<&str> = field.options.iter().map(|o| o.value.as_str()).collect();
        if kind != FieldKind::Radios || values != BTreeSet::from(["en", "fr"]) {
            report.error(
                format!("the `{LANGUAGE_FIELD}` field gives the reply language"),
                "make it kind = \"radios\" with the options en and fr",
            );
        }
    }
    if name == WAITLIST_FIELD && (kind != FieldKind::Confirm || field.required) {
        report.error(
            format!(
                "the `{WAITLIST_FIELD}` field is the optional request for a waiting list place"
            ),
            "make it kind = \"confirm\" and not required",
        );
    }
    if anonymous
        && (matches!(kind, FieldKind::Email | FieldKind::Tel)
            || matches!(
                field.autocomplete.as_deref(),
                Some("name" | "given-name" | "family-name" | "nickname" | "email" | "tel")
            ))
    {
        report.error(
            format!("the anonymous form asks for `{name}`, which identifies a person"),
            "remove the field, or set anonymous = false",
        );
    }
}

/// Conditions (`required_when`, `only_when`) name an existing radios field and its options.
fn conditions(path: &Path, text: &str, raw: &RawForm, problems: &mut Diagnostics) {
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
                .at_line(line_of_offset(text, field.name.span().start))
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
            .at_line(line_of_offset(text, condition.span().start))
            .with_help(condition_help("only_when", "email-only", &raw.fields)),
        );
    }
}

/// Someone whose inbox is read by another person must be able to choose another way: the
/// acknowledgement is sent only to those who chose email.
fn acknowledgement(path: &Path, text: &str, raw: &RawForm, problems: &mut Diagnostics) {
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
}

/// The privacy notice is a section of its own (a heading, then its folded text): the first
/// question starts the next section, or it would read as part of the notice.
fn first_heading(path: &Path, text: &str, fields: &[RawField], problems: &mut Diagnostics) {
    if let Some(first) = fields.first()
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
            .at_line(line_of_offset(text, first.name.span().start))
            .with_help(
                "add heading = { en = \"...\", fr = \"...\" } to the first field: the privacy notice \
                 before it is a section of its own, and the questions need theirs",
            ),
        );
    }
}

/// A form has at most one cohort field, and with it the confirmations for the waiting list
/// and for registering interest.
fn cohort_field(path: &Path, raw: &RawForm, problems: &mut Diagnostics) {
    let cohort_fields = raw
        .fields
        .iter()
        .filter(|f| f.kind == FieldKind::Cohort)
        .count();
    if cohort_fields > 1 {
        problems.push(
            Diagnostic::error(path, "a form can have one cohort field only")
                .with_help("keep a single field with kind = \"cohort\""),
        );
    }
    if cohort_fields == 1
        && (raw.confirmation.waitlisted.is_none() || raw.confirmation.interest.is_none())
    {
        problems.push(
            Diagnostic::error(
                path,
                "a form with a cohort field needs [confirmation.waitlisted] and [confirmation.interest]",
            )
            .with_help("write what a person on the waiting list, or registering interest, sees next"),
        );
    }
}

/// A form that takes an email address (and is not anonymous) acknowledges receipt.
fn email_acknowledged(path: &Path, raw: &RawForm, problems: &mut Diagnostics) {
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
}

/// The longest answers the fields allow fit in a request the form handler accepts.
fn body_size(path: &Path, fields: &[RawField], problems: &mut Diagnostics) {
    let body_budget = answers_budget(fields);
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
}

/// About how many bytes the longest answers to `fields` take in a request body.
fn answers_budget(fields: &[RawField]) -> usize {
    let mut body_budget = 1024; // the hidden fields, the idempotency key, the honeypot
    for field in fields {
        let name = field.name.get_ref();
        match field.kind {
            kind if kind.is_text() => {
                if let Some(max) = field.max_length.filter(|max| *max != 0) {
                    // Percent-encoded French text takes about 6 bytes a character.
                    body_budget += name.len() + 2 + max * 6;
                }
            }
            FieldKind::Radios | FieldKind::Checkboxes => {
                for option in &field.options {
                    body_budget += name.len() + option.value.len() + 2;
                }
            }
            FieldKind::Cohort => body_budget += 200,
            _ => {}
        }
    }
    body_budget
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
        FieldKind::Cohort => "cohort",
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
