//! The email templates (the pages render through the site's templates: [`crate::pages`]).

use tera::{Context, Tera};

/// The emails' templates (`handler/templates/email/`), compiled in: emails are the handler's
/// own, not the site's (the site's pages render through the `render` crate's environment).
const TEMPLATES: [(&str, &str); 4] = [
    (
        "email/acknowledgement.txt",
        include_str!("../../templates/email/acknowledgement.txt"),
    ),
    (
        "email/acknowledgement.html",
        include_str!("../../templates/email/acknowledgement.html"),
    ),
    (
        "email/coordinator.txt",
        include_str!("../../templates/email/coordinator.txt"),
    ),
    (
        "email/coordinator.html",
        include_str!("../../templates/email/coordinator.html"),
    ),
];

/// The compiled templates.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    /// Compiles the embedded email templates (HTML ones autoescaped).
    pub fn new() -> Result<Renderer, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES)?;
        Ok(Renderer { tera })
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
