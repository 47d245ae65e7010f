//! Rendering with the site's own form partials (embedded from `templates/partials/` at build
//! time, so the page and the handler draw the form from one source) and the email templates.

use model::Lang;
use model::forms::{FieldError, FormView};
use serde::Serialize;
use tera::{Context, Tera};

/// Every template the handler renders, by the name the site uses for it.
const TEMPLATES: [(&str, &str); 16] = [
    (
        "partials/form.html",
        include_str!("../../templates/partials/form.html"),
    ),
    (
        "partials/error-summary.html",
        include_str!("../../templates/partials/error-summary.html"),
    ),
    (
        "partials/form/error-message.html",
        include_str!("../../templates/partials/form/error-message.html"),
    ),
    (
        "partials/form/hint.html",
        include_str!("../../templates/partials/form/hint.html"),
    ),
    (
        "partials/form/input.html",
        include_str!("../../templates/partials/form/input.html"),
    ),
    (
        "partials/form/textarea.html",
        include_str!("../../templates/partials/form/textarea.html"),
    ),
    (
        "partials/form/radios.html",
        include_str!("../../templates/partials/form/radios.html"),
    ),
    (
        "partials/form/checkboxes.html",
        include_str!("../../templates/partials/form/checkboxes.html"),
    ),
    (
        "partials/form/confirm.html",
        include_str!("../../templates/partials/form/confirm.html"),
    ),
    (
        "partials/form/privacy.html",
        include_str!("../../templates/partials/form/privacy.html"),
    ),
    (
        "partials/form/honeypot.html",
        include_str!("../../templates/partials/form/honeypot.html"),
    ),
    (
        "partials/form/confirmation.html",
        include_str!("../../templates/partials/form/confirmation.html"),
    ),
    (
        "email/acknowledgement.txt",
        include_str!("../templates/email/acknowledgement.txt"),
    ),
    (
        "email/acknowledgement.html",
        include_str!("../templates/email/acknowledgement.html"),
    ),
    (
        "email/coordinator.txt",
        include_str!("../templates/email/coordinator.txt"),
    ),
    (
        "email/coordinator.html",
        include_str!("../templates/email/coordinator.html"),
    ),
];

/// The confirmation panel's content.
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

/// "If you need to talk to someone now, call the SMSRC 24/7 line at <a>1-844-750-1648</a>.",
/// in parts so the number is a link people can tap.
#[derive(Debug, Clone, Serialize)]
pub struct SupportLine {
    pub before: String,
    pub phone: String,
    pub phone_href: String,
    pub after: String,
}

/// The compiled templates.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    /// Compiles the embedded templates (HTML ones autoescaped).
    pub fn new() -> Result<Renderer, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES)?;
        Ok(Renderer { tera })
    }

    /// The form region (between the markers), with the person's answers and errors.
    pub fn form_region(
        &self,
        form: &FormView,
        values: &serde_json::Value,
        errors: &[FieldError],
    ) -> Result<String, tera::Error> {
        let mut context = Context::new();
        context.insert("form", form);
        context.insert("values", values);
        context.insert("errors", errors);
        context.insert("lang", &form.lang);
        Ok(self
            .tera
            .render("partials/form.html", &context)?
            .trim()
            .to_string())
    }

    /// The confirmation region (between the markers).
    pub fn confirmation_region(
        &self,
        confirmation: &ConfirmationView,
        lang: Lang,
    ) -> Result<String, tera::Error> {
        let mut context = Context::new();
        context.insert("confirmation", confirmation);
        context.insert("lang", &lang);
        Ok(self
            .tera
            .render("partials/form/confirmation.html", &context)?
            .trim()
            .to_string())
    }

    /// An email part: `email/<name>.txt` or `.html`.
    pub fn email(&self, name: &str, context: &Context) -> Result<String, tera::Error> {
        let text = self.tera.render(&format!("email/{name}"), context)?;
        Ok(format!("{}\n", text.trim()))
    }
}

/// The full cause chain of a template error, for logs (templates hold no personal data).
pub fn error_chain(err: &tera::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
