//! The pages the handler answers with, rendered through the site's own templates (the one
//! `render` environment, loaded in [`Content`]) from typed contexts: a form's page again, from
//! the frame the build wrote for it ([`render::PageFrame`]), with the person's answers and
//! errors, the "not received" message or the confirmation; the form region alone, for the
//! enhancement script; and the short bilingual refusals. No HTML is edited as text.

use crate::content::Content;
use crate::words::{Words, support_line};
use model::forms::{FieldError, FormDef, FormView};
use model::typography::in_lang;
use model::{Lang, Localized};
use render::{FormPage, PageContext, PageFrame, SiteContext, TranslationContext};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use tera::Context;

/// The confirmation panel's content (`templates/partials/form/confirmation.html`).
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationView {
    pub title: String,
    pub reference_label: String,
    /// The reference number; `None` for an anonymous form, which shows none.
    pub reference: Option<String>,
    /// "We have sent an acknowledgement...", when the form sends one.
    pub acknowledgement: Option<String>,
    pub next_title: String,
    pub next_steps: Vec<String>,
    pub support: Option<SupportLine>,
}

/// "If you need to talk to someone now, call the `<line>` at `<a>phone</a>`.", in parts so the
/// number is a link people can tap.
#[derive(Debug, Clone, Serialize)]
pub struct SupportLine {
    pub before: String,
    pub phone: String,
    pub phone_href: String,
    pub after: String,
}

impl SupportLine {
    /// The support line of content/strings.toml in `lang`, cut around the program's number.
    pub fn new(words: Words<'_>, lang: Lang) -> SupportLine {
        let text = support_line(words, lang);
        let phone = &words.site.program.phone;
        let (before, after) = text.split_once(phone.as_str()).unwrap_or((&text, ""));
        SupportLine {
            before: before.to_string(),
            phone: phone.clone(),
            phone_href: words.site.phone_href(),
            after: after.to_string(),
        }
    }
}

/// Why nothing was stored (`templates/partials/form/not-received.html`).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub title: String,
    pub message: String,
}

/// What a form's page shows in place of the empty form.
pub enum FormState<'a> {
    /// The form with the person's answers and what needs fixing (the error summary).
    Invalid {
        values: &'a serde_json::Value,
        errors: &'a [FieldError],
    },
    /// Nothing could be stored: the message instead of the form.
    NotReceived(Problem),
    /// The form is sent: the confirmation panel instead of the page's title, introduction and
    /// form; the language toggle leads to `toggle`, this confirmation in the other language.
    Confirmation {
        view: &'a ConfirmationView,
        toggle: String,
    },
}

/// The page holding `def` (`page`, from the build; a bare page from the site's settings when the
/// site is not built) with `view` in `state`.
pub fn form_page(
    content: &Content,
    page: Option<FormPage>,
    def: &FormDef,
    view: &FormView,
    state: FormState<'_>,
) -> Result<String, tera::Error> {
    let lang = view.lang;
    let mut frame = match page {
        Some(page) => page.frame,
        None => {
            tracing::warn!(form = %def.id, lang = %lang, "no built page holds this form; answering with a bare page");
            bare_frame(content, def, lang)
        }
    };
    let mut context = Context::new();
    context.insert("form", view);
    context.insert("values", &json!({}));
    context.insert("errors", &json!([]));
    match state {
        FormState::Invalid { values, errors } => {
            context.insert("values", values);
            context.insert("errors", errors);
        }
        FormState::NotReceived(problem) => context.insert("problem", &problem),
        FormState::Confirmation { view, toggle } => {
            frame.translation = frame.translation.map(|translation| TranslationContext {
                url: toggle,
                ..translation
            });
            context.insert("confirmation", view);
        }
    }
    let mut full = frame.context();
    full.extend(context);
    content.templates.render(&frame.template, &full)
}

/// The frame of a form's page when the site is not built: the site's settings and strings,
/// the form's title, no navigation.
fn bare_frame(content: &Content, def: &FormDef, lang: Lang) -> PageFrame {
    PageFrame {
        template: "page.html".into(),
        lang,
        other_lang: lang.other(),
        site: SiteContext::new(&content.site, lang, &BTreeMap::new()),
        t: render::strings_in(&content.strings, lang),
        nav: Vec::new(),
        page: PageContext {
            title: in_lang(def.title.get(lang), lang),
            description: String::new(),
            content: String::new(),
            url: String::new(),
            date_modified: String::new(),
            is_section: false,
            children: Vec::new(),
            recent: Vec::new(),
            breadcrumbs: Vec::new(),
        },
        translation: None,
        alternates: None,
        offering: None,
    }
}

/// The form region alone (`templates/partials/form.html`), with the person's answers and
/// errors: what the enhancement script swaps in place.
pub fn form_region(
    content: &Content,
    view: &FormView,
    values: &serde_json::Value,
    errors: &[FieldError],
) -> Result<String, tera::Error> {
    let mut context = Context::new();
    context.insert("form", view);
    context.insert("values", values);
    context.insert("errors", errors);
    context.insert("lang", &view.lang);
    let html = content.templates.render("partials/form.html", &context)?;
    Ok(html.trim().to_string())
}

/// A short page in both languages, English first (`templates/message.html`), for refusals that
/// come before the language is known. `title` and `text` hold each language's words.
pub fn message(
    content: &Content,
    title: &Localized<String>,
    text: &Localized<String>,
) -> Result<String, tera::Error> {
    let mut context = Context::new();
    for lang in Lang::ALL {
        context.insert(
            lang.code(),
            &json!({ "title": title.get(lang), "text": text.get(lang) }),
        );
    }
    content.templates.render("message.html", &context)
}
