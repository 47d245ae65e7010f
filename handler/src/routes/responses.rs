//! What the routes answer with: the confirmation's redirect (or JSON), the page again with its
//! errors, "not received", and the bilingual refusals; every page through [`crate::pages`].

use super::confirmation::confirmation_url;
use crate::config::Config;
use crate::content::Content;
use crate::pages::{self, FormState, Problem};
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::Status;
use crate::words;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Zoned;
use model::Lang;
use model::forms::{ErrorKind, FieldError, FormDef, RawSubmission};
use render::error_chain;
use serde_json::json;

/// The body formats accepted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Form,
    Json,
}

/// Nothing could be stored: 503, in the person's language, with the program's phone number;
/// the form's page around the message when the site is built. No notification was queued.
pub(super) fn not_received(
    state: &AppState,
    content: &Content,
    def: &FormDef,
    lang: Lang,
    format: Format,
) -> Response {
    let title = content.words().both(words::NOT_RECEIVED.title);
    let message = |l: Lang| content.words().get(words::NOT_RECEIVED.text, l);
    match format {
        Format::Json => with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({
                "status": "unavailable",
                "title": title.get(lang),
                "message": { "en": message(Lang::En), "fr": message(Lang::Fr) },
            }))
            .into_response(),
        ),
        Format::Form => {
            let problem = Problem {
                title: title.get(lang).to_string(),
                message: message(lang),
            };
            let view = def.view(lang, &content.offerings, &state.now(content));
            let page = state.pages().page(&def.id, lang);
            match pages::form_page(content, page, def, &view, FormState::NotReceived(problem)) {
                Ok(page) => html(StatusCode::SERVICE_UNAVAILABLE, page),
                Err(err) => unrenderable(state, def, &err, format),
            }
        }
    }
}

/// A page the templates could not render (an editor's mistake in a template, which `site check`
/// reports): logged, and a short 500 in both languages.
pub(super) fn unrenderable(
    state: &AppState,
    def: &FormDef,
    err: &tera::Error,
    format: Format,
) -> Response {
    tracing::error!(form = %def.id, "rendering the page failed: {}", error_chain(err));
    refusal(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        format,
        words::UNAVAILABLE,
    )
}

pub(super) fn accepted(
    config: &Config,
    def: &FormDef,
    lang: Lang,
    reference: &Reference,
    status: Status,
    acknowledged: bool,
    format: Format,
) -> Response {
    // The person of an anonymous form is never shown the internal reference.
    let shown = (!def.anonymous).then_some(reference);
    let url = confirmation_url(
        &config.confirmation_key,
        &def.id,
        shown,
        lang,
        status,
        acknowledged,
    );
    match format {
        Format::Form => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, url),
                (header::CACHE_CONTROL, "no-store".into()),
            ],
        )
            .into_response(),
        Format::Json => {
            let mut body = json!({ "status": status.as_str(), "redirect": url });
            if let Some(reference) = shown {
                body["reference"] = reference.as_str().into();
            }
            with_status(StatusCode::OK, axum::Json(body).into_response())
        }
    }
}

/// `response` with status `code`. It may hold the person's answers: the router's layers mark
/// every answer `no-store` and `nosniff` (see [`super::router`]).
pub(super) fn with_status(code: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = code;
    response
}

pub(super) fn html(code: StatusCode, body: String) -> Response {
    with_status(
        code,
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Body::from(body),
        )
            .into_response(),
    )
}

/// A refusal that is not about the person's answers: a short page in both languages
/// (`templates/message.html`), or JSON.
pub(super) fn refusal(
    state: &AppState,
    code: StatusCode,
    format: Format,
    refusal: words::Refusal,
) -> Response {
    let content = state.content();
    let title = content.words().both(refusal.title);
    let text = content.words().both(refusal.text);
    match format {
        Format::Form => match pages::message(&content, &title, &text) {
            Ok(page) => html(code, page),
            Err(err) => {
                // The templates are broken (site check says how): the words still reach the
                // person, as text.
                tracing::error!("rendering a refusal failed: {}", error_chain(&err));
                let body = format!("{}\n{}\n\n{}\n{}\n", title.en, text.en, title.fr, text.fr);
                with_status(
                    code,
                    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response(),
                )
            }
        },
        Format::Json => with_status(
            code,
            axum::Json(json!({
                "status": "error",
                "message": { "en": text.en, "fr": text.fr },
            }))
            .into_response(),
        ),
    }
}

/// The answers need fixing: the page again, with the error summary and the answers kept.
pub(super) fn invalid(
    state: &AppState,
    content: &Content,
    def: &FormDef,
    raw: &RawSubmission,
    errors: &[FieldError],
    now: &Zoned,
    format: Format,
) -> Response {
    let lang = raw.lang();
    let view = def.view(lang, &content.offerings, now);
    let values = raw.values(def);
    match format {
        Format::Json => {
            let region = match pages::form_region(content, &view, &values, errors) {
                Ok(region) => region,
                Err(err) => return unrenderable(state, def, &err, format),
            };
            let prefix = def.words.error_prefix.get(lang);
            with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({
                    "status": "invalid",
                    "errors": errors,
                    "html": region,
                    "title_prefix": format!("{prefix} "),
                }))
                .into_response(),
            )
        }
        Format::Form => {
            let page = state.pages().page(&def.id, lang);
            let state_of_form = FormState::Invalid {
                values: &values,
                errors,
            };
            match pages::form_page(content, page, def, &view, state_of_form) {
                Ok(page) => html(StatusCode::UNPROCESSABLE_ENTITY, page),
                Err(err) => unrenderable(state, def, &err, format),
            }
        }
    }
}

/// The cohort is over, not open, closed or full: an error on the cohort field, the answers
/// kept.
pub(super) fn cohort_error(
    state: &AppState,
    content: &Content,
    def: &FormDef,
    raw: &RawSubmission,
    kind: ErrorKind,
    now: &Zoned,
    format: Format,
) -> Response {
    let field = def.cohort_field().expect("a cohort was chosen");
    let error = def.error(field, kind, raw.lang());
    invalid(state, content, def, raw, &[error], now, format)
}
