//! Form definitions (`content/forms/*.toml`): one source for the page's form and the handler's
//! validation.
//!
//! Each file defines one form: its fields (labels, hints, options, limits, error messages, in
//! both languages), its privacy notice statement, and what the person sees once it is sent.
//! The site renders [`FormDef::view`] through `templates/partials/form.html`; the handler checks
//! a submission with [`FormDef::validate`]. Both read the same [`FormDef`], so the form a person
//! fills in and the rules the handler enforces cannot drift apart.
//!
//! - [`definition`]: the file format, parsing and the checks that give editors file:line errors.
//! - [`view`]: the localized, serializable view the templates render.
//! - [`validate`]: raw input in, a typed [`Submission`] or localized field errors out.
//! - [`ui`]: the few words every form shares ("Error:", "(optional)", "There is a problem").

pub mod definition;
pub mod ui;
pub mod validate;
pub mod view;

pub use definition::{
    ChoiceOption, Condition, Confirmation, ErrorKind, Field, FieldKind, FormDef, OfferingsFilter,
    PrivacySection, PrivacyTopic, load_dir, parse,
};
pub use ui::FormWords;
pub use validate::{Answer, FieldError, Invalid, RawSubmission, Rejection, Submission};
pub use view::{FieldView, FormView, OptionView};

/// The largest request body the handler accepts, in bytes. Form definitions are checked
/// against it so that every answer a person can type fits.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The hidden field carrying the page's language (`en` or `fr`).
pub const LANG_FIELD: &str = "lang";

/// The honeypot: a field people never see or fill; bots that fill it are dropped silently.
pub const HONEYPOT_FIELD: &str = "website";

/// The key the enhancement script generates once per page, so a double submit is stored once.
pub const IDEMPOTENCY_FIELD: &str = "idempotency_key";

/// The field whose answer is the reply language (`en` or `fr`), when a form has one.
pub const LANGUAGE_FIELD: &str = "language";

/// The field holding the address acknowledgements are sent to, when a form has one.
pub const EMAIL_FIELD: &str = "email";

/// The optional field by which a person asks for a waitlist place when a session is full or
/// closed.
pub const WAITLIST_FIELD: &str = "waitlist";

/// Names the handler itself reads from every form; a form definition may not use them.
pub const RESERVED_FIELDS: [&str; 3] = [LANG_FIELD, HONEYPOT_FIELD, IDEMPOTENCY_FIELD];

#[cfg(test)]
mod tests;
