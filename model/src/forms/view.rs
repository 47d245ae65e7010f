//! The localized view of a form: everything `templates/partials/form.html` draws, in one
//! language, at one moment (the registration form's choices depend on the clock).
//!
//! Every text is as the person reads it: French gets its spacing here
//! ([`typography::in_lang`](crate::typography::in_lang)), so the generated page and the pages
//! the handler draws again (with errors) are the same.

use super::definition::{Field, FieldKind, FormDef};
use super::ui::FormWords;
use super::{HONEYPOT_FIELD, LANG_FIELD};
use crate::datetime::{self, ZoneLabel};
use crate::lang::Lang;
use crate::offering::{Cohort, Offering, OfferingKind, OfferingState};
use crate::typography::in_lang;
use jiff::Zoned;
use serde::Serialize;

/// A form in one language, ready for the templates.
#[derive(Debug, Clone, Serialize)]
pub struct FormView {
    /// The form's id: `intake`.
    pub id: String,
    /// Where the form posts: `/api/forms/intake`.
    pub action: String,
    /// Always `post`.
    pub method: &'static str,
    pub lang: Lang,
    /// What the form is for ("Ask to join a peer support group").
    pub title: String,
    /// The submit button's label.
    pub submit: String,
    pub privacy: PrivacyView,
    pub fields: Vec<FieldView>,
    /// Hidden inputs the handler reads (the page's language).
    pub hidden: Vec<HiddenView>,
    /// The field bots fill and people never see.
    pub honeypot: HoneypotView,
    /// The shared words ("Error:", "There is a problem", "(optional)").
    pub ui: UiView,
}

/// The Privacy Notice Statement: a section of the form with its own heading, its text folded.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyView {
    /// The section's heading (an `h2`, like the form's other parts).
    pub heading: String,
    /// What opens the folded text ("Privacy notice statement").
    pub title: String,
    /// The topics, each under an `h3`.
    pub sections: Vec<PrivacySectionView>,
}

/// One section of the Privacy Notice Statement.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacySectionView {
    pub heading: String,
    pub text: String,
}

/// One field, localized.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    /// The name posted.
    pub name: String,
    /// The control's id (for a group, the first option's): errors link to `#<id>`.
    pub id: String,
    /// `text`, `email`, `tel`, `textarea`, `radios`, `checkboxes`, `confirm` or `session`.
    pub kind: FieldKind,
    /// For inputs: the HTML `type` (`text`, `email`, `tel`).
    pub input_type: Option<&'static str>,
    /// The label, the legend of a group, or the statement of a confirmation.
    pub label: String,
    pub hint: Option<String>,
    /// `<id>-hint`, referenced by `aria-describedby` when there is a hint.
    pub hint_id: String,
    /// `<id>-error`, referenced by `aria-describedby` when there is an error.
    pub error_id: String,
    /// A heading starting a new part of the form, shown before the field.
    pub heading: Option<String>,
    /// Drawn with the HTML `required` attribute (never on a group of checkboxes, where HTML
    /// would demand every box).
    pub required: bool,
    /// Whether "(optional)" follows the label.
    pub optional: bool,
    pub max_length: Option<usize>,
    pub autocomplete: Option<String>,
    /// `spellcheck="false"` for names and addresses.
    pub spellcheck: Option<bool>,
    pub rows: Option<u32>,
    pub options: Vec<OptionView>,
    /// Shown instead of the options when there are none (no session open).
    pub empty_message: Option<String>,
    /// The value a confirmation's checkbox posts.
    pub value: Option<&'static str>,
}

/// One option of a group.
#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
    /// The first option's id is the field's id; the others add `-2`, `-3`...
    /// (`hint_id` is `<id>-item-hint`, distinct from the field hint `<field id>-hint`.)
    pub id: String,
    pub hint_id: String,
}

/// A hidden input.
#[derive(Debug, Clone, Serialize)]
pub struct HiddenView {
    pub name: String,
    pub value: String,
}

/// The honeypot input.
#[derive(Debug, Clone, Serialize)]
pub struct HoneypotView {
    pub name: &'static str,
    pub id: String,
    pub label: String,
}

/// Words shared by every form.
#[derive(Debug, Clone, Serialize)]
pub struct UiView {
    pub error_prefix: String,
    pub error_summary_title: String,
    pub optional: String,
}

/// The value a confirmation's checkbox posts.
pub const CONFIRM_VALUE: &str = "yes";

impl FormDef {
    /// The form in `lang` at `now`: labels, hints and options localized, and for a registration
    /// form, the sessions open for registration at `now` (and offerings taking interest).
    pub fn view(&self, lang: Lang, offerings: &[Offering], now: &Zoned) -> FormView {
        let text = |s: &str| in_lang(s, lang);
        FormView {
            id: self.id.clone(),
            action: self.action(),
            method: "post",
            lang,
            title: text(self.title.get(lang)),
            submit: text(self.submit.get(lang)),
            privacy: PrivacyView {
                heading: text(self.words.privacy_heading.get(lang)),
                title: text(self.words.privacy_title.get(lang)),
                sections: self
                    .privacy
                    .iter()
                    .map(|s| PrivacySectionView {
                        heading: text(self.words.privacy_heading(s.topic).get(lang)),
                        text: text(s.text.get(lang)),
                    })
                    .collect(),
            },
            fields: self
                .fields
                .iter()
                .map(|f| self.field_view(f, lang, offerings, now))
                .collect(),
            hidden: vec![HiddenView {
                name: LANG_FIELD.to_string(),
                value: lang.code().to_string(),
            }],
            honeypot: HoneypotView {
                name: HONEYPOT_FIELD,
                id: self.control_id(HONEYPOT_FIELD),
                label: text(self.words.honeypot_label.get(lang)),
            },
            ui: UiView {
                error_prefix: text(self.words.error_prefix.get(lang)),
                error_summary_title: text(self.words.error_summary_title.get(lang)),
                optional: text(self.words.optional.get(lang)),
            },
        }
    }

    fn field_view(
        &self,
        field: &Field,
        lang: Lang,
        offerings: &[Offering],
        now: &Zoned,
    ) -> FieldView {
        let text = |s: &str| in_lang(s, lang);
        let id = self.control_id(&field.name);
        let options = choices(field, lang, offerings, now, &self.words)
            .into_iter()
            .enumerate()
            .map(|(index, Choice { value, label, hint })| {
                let option_id = if index == 0 {
                    id.clone()
                } else {
                    format!("{id}-{}", index + 1)
                };
                OptionView {
                    value,
                    label: text(&label),
                    hint: hint.as_deref().map(text),
                    hint_id: format!("{option_id}-item-hint"),
                    id: option_id,
                }
            })
            .collect::<Vec<_>>();
        FieldView {
            name: field.name.clone(),
            hint_id: format!("{id}-hint"),
            error_id: format!("{id}-error"),
            id,
            kind: field.kind,
            input_type: match field.kind {
                FieldKind::Text => Some("text"),
                FieldKind::Email => Some("email"),
                FieldKind::Tel => Some("tel"),
                _ => None,
            },
            label: text(field.label.get(lang)),
            hint: field.hint.as_ref().map(|h| text(h.get(lang))),
            heading: field.heading.as_ref().map(|h| text(h.get(lang))),
            required: field.required && field.kind != FieldKind::Checkboxes,
            // A field required only in some cases is not marked: its hint says when.
            optional: !field.required
                && field.required_when.is_none()
                && field.kind != FieldKind::Confirm,
            max_length: field.max_length,
            autocomplete: field.autocomplete.clone(),
            spellcheck: match field.kind {
                FieldKind::Email => Some(false),
                FieldKind::Text if field.autocomplete.as_deref() == Some("name") => Some(false),
                _ => None,
            },
            rows: field
                .rows
                .or((field.kind == FieldKind::Textarea).then_some(5)),
            empty_message: (field.kind == FieldKind::Cohort && options.is_empty())
                .then(|| text(self.words.no_open_cohorts.get(lang))),
            options,
            value: (field.kind == FieldKind::Confirm).then_some(CONFIRM_VALUE),
        }
    }
}

/// One choice of a group, localized.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
}

/// The choices a field offers in `lang` at `now`. The same function gives the page its options
/// and the validation its accepted values.
pub(crate) fn choices(
    field: &Field,
    lang: Lang,
    offerings: &[Offering],
    now: &Zoned,
    words: &FormWords,
) -> Vec<Choice> {
    match field.kind {
        FieldKind::Radios | FieldKind::Checkboxes => {
            let from_offerings = offerings
                .iter()
                .filter(|o| field.options_from_offerings.is_some_and(|f| f.includes(o)))
                .map(|o| Choice {
                    value: o.id.clone(),
                    label: o.title.get(lang).clone(),
                    hint: None,
                });
            let own = field.options.iter().map(|o| Choice {
                value: o.value.clone(),
                label: o.label.get(lang).clone(),
                hint: o.hint.as_ref().map(|h| h.get(lang).clone()),
            });
            from_offerings.chain(own).collect()
        }
        FieldKind::Cohort => open_cohorts(offerings, now)
            .into_iter()
            .map(|(offering, cohort)| match cohort {
                Some(cohort) => Choice {
                    value: choice_value(&offering.id, Some(&cohort.id)),
                    label: words
                        .cohort_option
                        .get(lang)
                        .replace("{offering}", offering.title.get(lang))
                        .replace(
                            "{language}",
                            language_in_sentence(cohort.language, lang, words),
                        ),
                    hint: Some(
                        cohort
                            .sessions
                            .iter()
                            .map(|s| {
                                datetime::format_session(&s.start, &s.end, lang, ZoneLabel::Generic)
                            })
                            .collect::<Vec<_>>()
                            .join(words.list_separator.get(lang)),
                    ),
                },
                None => Choice {
                    value: choice_value(&offering.id, None),
                    label: words
                        .interest_option
                        .get(lang)
                        .replace("{offering}", offering.title.get(lang)),
                    hint: Some(words.interest_hint.get(lang).to_string()),
                },
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The activities a person may choose at `now`: each cohort open for registration, and each
/// activity without dated sessions (which takes a registration of interest).
pub(crate) fn open_cohorts<'a>(
    offerings: &'a [Offering],
    now: &Zoned,
) -> Vec<(&'a Offering, Option<&'a Cohort>)> {
    let mut open = Vec::new();
    for offering in offerings
        .iter()
        .filter(|o| o.kind == OfferingKind::Activity)
    {
        if offering.takes_interest_only() {
            open.push((offering, None));
            continue;
        }
        for cohort in &offering.cohorts {
            if offering.cohort_state(cohort, now) == OfferingState::RegistrationOpen {
                open.push((offering, Some(cohort)));
            }
        }
    }
    open
}

/// The value posted for a cohort choice: `offering:cohort`, or the offering's id alone for a
/// registration of interest.
pub(crate) fn choice_value(offering: &str, cohort: Option<&str>) -> String {
    match cohort {
        Some(cohort) => format!("{offering}:{cohort}"),
        None => offering.to_string(),
    }
}

fn language_in_sentence(language: Lang, lang: Lang, words: &FormWords) -> &str {
    match language {
        Lang::En => words.english_in_sentence.get(lang),
        Lang::Fr => words.french_in_sentence.get(lang),
    }
}

/// The label of `value` for `field`, in `lang`, as the person saw it; used in notifications.
pub(crate) fn choice_label(
    field: &Field,
    value: &str,
    lang: Lang,
    offerings: &[Offering],
) -> Option<String> {
    match field.kind {
        FieldKind::Radios | FieldKind::Checkboxes => field
            .options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label.get(lang).clone())
            .or_else(|| {
                offerings
                    .iter()
                    .filter(|o| field.options_from_offerings.is_some_and(|f| f.includes(o)))
                    .find(|o| o.id == value)
                    .map(|o| o.title.get(lang).clone())
            }),
        _ => None,
    }
}
