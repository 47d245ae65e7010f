//! The generated form and the handler's validation agree: every form is rendered with the
//! site's partial (templates/partials/form.html), its HTML is read back, and each thing the
//! HTML says (names, `required`, `maxlength`, options, "(optional)") is checked against what
//! validation accepts and refuses, in both languages, before and after a deadline. A field
//! required only after some choice (`required_when`) says neither "(optional)" nor `required`,
//! and validation requires it after exactly those choices.

mod support;

use handler::content::Content;
use jiff::Zoned;
use model::Lang;
use model::forms::{ErrorKind, FieldKind, FormDef, Invalid, RawSubmission};
use std::collections::BTreeMap;
use support::*;

/// One `<input>` or `<textarea>` of the rendered form, by its attributes.
#[derive(Debug, Clone)]
struct Control {
    tag: &'static str,
    attributes: BTreeMap<String, Option<String>>,
}

impl Control {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(|v| v.as_deref())
    }
    fn has(&self, name: &str) -> bool {
        self.attributes.contains_key(name)
    }
}

fn decode(text: &str) -> String {
    text.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Reads the attributes of every `<input>` and `<textarea>` (a small scanner: the partials'
/// markup is regular, and a parsing library would be a heavy dependency for one test).
fn controls(html: &str) -> Vec<Control> {
    let mut found = Vec::new();
    for tag in ["input", "textarea"] {
        let open = format!("<{tag} ");
        let mut rest = html;
        while let Some(start) = rest.find(&open) {
            let after = &rest[start + open.len()..];
            let end = after.find('>').expect("tag closes");
            found.push(Control {
                tag,
                attributes: attributes(&after[..end]),
            });
            rest = &after[end..];
        }
    }
    found
}

fn attributes(mut text: &str) -> BTreeMap<String, Option<String>> {
    let mut map = BTreeMap::new();
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return map;
        }
        let name_end = text
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(text.len());
        let name = text[..name_end].to_string();
        text = &text[name_end..];
        if let Some(value) = text.strip_prefix("=\"") {
            let close = value.find('"').expect("quoted value closes");
            map.insert(name, Some(decode(&value[..close])));
            text = &value[close + 1..];
        } else {
            map.insert(name, None);
        }
    }
}

/// A valid answer of exactly `length` characters for a text field of `kind`.
fn text_of_length(kind: FieldKind, length: usize) -> String {
    match kind {
        FieldKind::Email => {
            // a@ plus a domain of dotted labels, grown to the length.
            let local = "a".repeat(length.saturating_sub(13).min(64));
            let mut domain = String::new();
            let needed = length - local.len() - 1 - ".ca".len();
            while domain.len() < needed {
                if !domain.is_empty() {
                    domain.push('.');
                }
                let room = (needed - domain.len()).min(63);
                domain.push_str(&"b".repeat(room));
            }
            let email = format!("{local}@{domain}.ca");
            assert_eq!(email.chars().count(), length);
            email
        }
        FieldKind::Tel => format!("613{}5550100", " ".repeat(length - 10)),
        _ => "é".repeat(length),
    }
}

struct Rendered {
    def: FormDef,
    html: String,
    controls: Vec<Control>,
}

fn render(content: &Content, id: &str, lang: Lang, now: &Zoned) -> Rendered {
    let def = content.form(id).unwrap().clone();
    let view = def.view(lang, &content.offerings, now);
    let html = handler::pages::form_region(content, &view, &serde_json::json!({}), &[]).unwrap();
    let controls = controls(&html);
    Rendered {
        def,
        html,
        controls,
    }
}

/// The answers a person would send by filling every control: the first option of each group,
/// every confirmation ticked, text that fits.
fn filled(rendered: &Rendered) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut seen_groups = Vec::new();
    for control in &rendered.controls {
        let name = control.get("name").unwrap().to_string();
        let kind = rendered.def.field(&name).map(|f| f.kind);
        let value = match (control.get("type"), kind) {
            (Some("hidden"), _) => control.get("value").unwrap().to_string(),
            (_, None) => continue, // the honeypot, left empty
            (Some("radio"), _) | (Some("checkbox"), Some(FieldKind::Checkboxes)) => {
                if seen_groups.contains(&name) {
                    continue;
                }
                seen_groups.push(name.clone());
                control.get("value").unwrap().to_string()
            }
            (Some("checkbox"), _) => control.get("value").unwrap().to_string(),
            (_, Some(kind)) => text_of_length(
                kind,
                match kind {
                    FieldKind::Email => 20,
                    FieldKind::Tel => 12,
                    _ => 3,
                },
            ),
        };
        pairs.push((name, value));
    }
    pairs
}

fn check(
    def: &FormDef,
    pairs: &[(String, String)],
    content: &Content,
    now: &Zoned,
) -> Result<(), Invalid> {
    def.validate(
        &RawSubmission::from_pairs(pairs.to_vec()),
        &content.offerings,
        now,
    )
    .map(|_| ())
}

fn field_errors(result: Result<(), Invalid>) -> Vec<(String, ErrorKind)> {
    match result {
        Ok(()) => Vec::new(),
        Err(Invalid::Fields(errors)) => errors.into_iter().map(|e| (e.field, e.kind)).collect(),
        Err(Invalid::Rejected(r)) => panic!("rejected: {r}"),
    }
}

fn without(pairs: &[(String, String)], name: &str) -> Vec<(String, String)> {
    pairs.iter().filter(|(n, _)| n != name).cloned().collect()
}

fn with_value(pairs: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut pairs = without(pairs, name);
    pairs.push((name.to_string(), value.to_string()));
    pairs
}

#[test]
fn the_generated_forms_and_the_validation_agree() {
    let dir = tempfile::tempdir().unwrap();
    let options = build_site(dir.path(), OPEN);
    let content = Content::load(&options.root).unwrap();
    let mut checked = 0;
    for now in [at(OPEN), at(CLOSED)] {
        for lang in Lang::ALL {
            for def in &content.forms {
                let rendered = render(&content, &def.id, lang, &now);
                agree(&rendered, &content, lang, &now);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12);
}

fn agree(rendered: &Rendered, content: &Content, lang: Lang, now: &Zoned) {
    let def = &rendered.def;
    let context = format!("{} ({lang}, {now})", def.id);
    let by_name = |name: &str| -> Vec<&Control> {
        rendered
            .controls
            .iter()
            .filter(|c| c.get("name") == Some(name))
            .collect()
    };

    // Every name in the HTML is a field, or one of the handler's own.
    let mut html_names: Vec<&str> = rendered
        .controls
        .iter()
        .filter_map(|c| c.get("name"))
        .collect();
    html_names.dedup();
    for name in &html_names {
        assert!(
            def.field(name).is_some() || model::forms::RESERVED_FIELDS.contains(name),
            "{context}: `{name}` is in the HTML but not in the definition"
        );
    }

    // The outline: the privacy notice is a part of its own (h2) with its topics under it (h3),
    // the form's other parts are h2 too, and no level is skipped.
    let levels = heading_levels(&rendered.html);
    assert_eq!(levels.first(), Some(&2), "{context}: {levels:?}");
    assert!(
        levels.windows(2).all(|pair| pair[1] <= pair[0] + 1),
        "{context}: a level skipped in {levels:?}"
    );
    assert_eq!(
        levels.iter().filter(|l| **l == 3).count(),
        def.privacy.len(),
        "{context}: one h3 per privacy topic, under the notice's h2: {levels:?}"
    );
    assert_eq!(
        levels[1], 3,
        "{context}: the notice's topics follow its heading"
    );

    // A person filling in everything the page shows is accepted.
    let full = filled(rendered);
    assert_eq!(
        field_errors(check(def, &full, content, now)),
        vec![],
        "{context}: {full:?}"
    );

    acknowledgement_agrees(def, &full, &by_name, content, now, &context);

    for field in &def.fields {
        let controls = by_name(&field.name);
        let view = def.view(lang, &content.offerings, now);
        let field_view = view.fields.iter().find(|f| f.name == field.name).unwrap();
        if field.kind == FieldKind::Cohort && field_view.options.is_empty() {
            assert!(controls.is_empty());
            continue;
        }
        assert!(
            !controls.is_empty(),
            "{context}: no control for `{}`",
            field.name
        );

        // "(optional)" on the page exactly when leaving the answer out is always accepted.
        let left_out = field_errors(check(def, &without(&full, &field.name), content, now));
        let accepted_empty = left_out.is_empty();
        let conditional = field.required_when.as_ref();
        // `required` in the HTML exactly when validation always requires the answer.
        let always_required = !accepted_empty && conditional.is_none();
        let marker = format!(
            "{} {}",
            page_text(field_view.label.as_str()),
            rendered.def.words.optional.get(lang)
        );
        if field.kind != FieldKind::Confirm {
            assert_eq!(
                rendered.html.contains(&marker),
                accepted_empty && conditional.is_none(),
                "{context}: `{}` optional marker vs validation {left_out:?}",
                field.name
            );
        }
        if !accepted_empty {
            assert_eq!(
                left_out,
                vec![(field.name.clone(), ErrorKind::Required)],
                "{context}"
            );
        }
        if let Some(condition) = conditional {
            // Each choice the page offers for the condition's field: the answer is needed
            // after exactly the choices the condition names.
            let choices = by_name(&condition.field);
            assert!(!choices.is_empty(), "{context}: `{}`", condition.field);
            for choice in choices {
                let value = choice.get("value").unwrap();
                let chosen = with_value(&full, &condition.field, value);
                let needed = condition.any_of.iter().any(|v| v == value);
                assert_eq!(
                    field_errors(check(def, &without(&chosen, &field.name), content, now)),
                    if needed {
                        vec![(field.name.clone(), ErrorKind::Required)]
                    } else {
                        vec![]
                    },
                    "{context}: `{}` left out after choosing {value}",
                    field.name
                );
            }
        }

        match field.kind {
            FieldKind::Text | FieldKind::Email | FieldKind::Tel | FieldKind::Textarea => {
                assert_eq!(controls.len(), 1, "{context}");
                let control = controls[0];
                let tag = if field.kind == FieldKind::Textarea {
                    "textarea"
                } else {
                    "input"
                };
                assert_eq!(control.tag, tag, "{context}");
                assert_eq!(
                    control.has("required"),
                    always_required,
                    "{context}: `{}`",
                    field.name
                );
                // The type, autocomplete and maxlength the definition gives.
                let expected_type = match field.kind {
                    FieldKind::Email => Some("email"),
                    FieldKind::Tel => Some("tel"),
                    FieldKind::Text => Some("text"),
                    _ => None,
                };
                assert_eq!(control.get("type"), expected_type, "{context}");
                assert_eq!(control.get("autocomplete"), field.autocomplete.as_deref());
                let max: usize = control
                    .get("maxlength")
                    .expect("every text control has a maxlength")
                    .parse()
                    .unwrap();
                let fits = with_value(&full, &field.name, &text_of_length(field.kind, max));
                assert_eq!(
                    field_errors(check(def, &fits, content, now)),
                    vec![],
                    "{context}: `{}` at maxlength",
                    field.name
                );
                let over = with_value(&full, &field.name, &text_of_length(field.kind, max + 1));
                assert_eq!(
                    field_errors(check(def, &over, content, now)),
                    vec![(field.name.clone(), ErrorKind::TooLong)],
                    "{context}: `{}` over maxlength",
                    field.name
                );
            }
            FieldKind::Radios | FieldKind::Cohort | FieldKind::Checkboxes => {
                let input_type = if field.kind == FieldKind::Checkboxes {
                    "checkbox"
                } else {
                    "radio"
                };
                for control in &controls {
                    assert_eq!(control.get("type"), Some(input_type), "{context}");
                    // HTML cannot say "at least one box"; radios carry `required`.
                    let html_required = field.kind != FieldKind::Checkboxes && always_required;
                    assert_eq!(
                        control.has("required"),
                        html_required,
                        "{context}: `{}`",
                        field.name
                    );
                    let value = control.get("value").unwrap();
                    let chosen = with_value(&full, &field.name, value);
                    assert_eq!(
                        field_errors(check(def, &chosen, content, now)),
                        vec![],
                        "{context}: option `{value}` of `{}`",
                        field.name
                    );
                }
                let stranger = with_value(&full, &field.name, "not-an-option");
                assert_eq!(
                    field_errors(check(def, &stranger, content, now)),
                    vec![(field.name.clone(), ErrorKind::Invalid)],
                    "{context}: `{}` accepts only its options",
                    field.name
                );
            }
            FieldKind::Confirm => {
                assert_eq!(controls.len(), 1);
                let control = controls[0];
                assert_eq!(control.get("type"), Some("checkbox"));
                assert_eq!(
                    control.has("required"),
                    always_required,
                    "{context}: `{}`",
                    field.name
                );
                let other = with_value(&full, &field.name, "no");
                assert_eq!(
                    field_errors(check(def, &other, content, now)),
                    vec![(field.name.clone(), ErrorKind::Invalid)]
                );
            }
        }
    }

    // A name the page does not have is refused outright.
    let mut stranger = full.clone();
    stranger.push(("not_on_the_page".into(), "x".into()));
    assert!(matches!(
        check(def, &stranger, content, now),
        Err(Invalid::Rejected(_))
    ));
}

/// The level of each heading (`<h2`, `<h3`...), in page order.
/// A form that takes an email address offers the safe choice the page shows: for each contact
/// choice, the acknowledgement (and the confirmation's "we have sent ...") is sent exactly
/// after the choices `only_when` names, and every other choice asks for another way to reach
/// the person (a field `required_when` that choice) and needs no address.
fn acknowledgement_agrees<'a>(
    def: &FormDef,
    full: &[(String, String)],
    by_name: &dyn Fn(&str) -> Vec<&'a Control>,
    content: &Content,
    now: &Zoned,
    context: &str,
) {
    if def.field(model::forms::EMAIL_FIELD).is_none() || def.anonymous {
        return;
    }
    let condition = def
        .acknowledgement
        .as_ref()
        .and_then(|a| a.only_when.as_ref())
        .unwrap_or_else(|| panic!("{context}: an email field, and no safe choice (only_when)"));
    let choices = by_name(&condition.field);
    assert!(choices.len() >= 2, "{context}: `{}`", condition.field);
    for choice in choices {
        let value = choice.get("value").unwrap();
        let chosen = with_value(full, &condition.field, value);
        let emailed = condition.any_of.iter().any(|v| v == value);
        let answers = if emailed {
            chosen
        } else {
            without(&chosen, model::forms::EMAIL_FIELD)
        };
        let submission = def
            .validate(
                &RawSubmission::from_pairs(answers.clone()),
                &content.offerings,
                now,
            )
            .unwrap_or_else(|e| panic!("{context}: after choosing {value}: {e:?}"));
        assert_eq!(
            def.sends_acknowledgement(|name| submission.text(name)),
            emailed,
            "{context}: acknowledgement after choosing {value}"
        );
        if !emailed {
            let other_way = def.fields.iter().find(|f| {
                f.required_when.as_ref().is_some_and(|c| {
                    c.field == condition.field && c.any_of.iter().any(|v| v == value)
                })
            });
            let other_way = other_way
                .unwrap_or_else(|| panic!("{context}: choosing {value} asks for no other way"));
            assert!(
                check(def, &without(&answers, &other_way.name), content, now).is_err(),
                "{context}: {value} without `{}`",
                other_way.name
            );
        }
    }
}

fn heading_levels(html: &str) -> Vec<u8> {
    html.match_indices("<h")
        .filter_map(|(at, _)| {
            let level = html[at + 2..].chars().next()?.to_digit(10)?;
            u8::try_from(level).ok()
        })
        .collect()
}

/// Text as Tera writes it in the page (escaped).
fn page_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}
