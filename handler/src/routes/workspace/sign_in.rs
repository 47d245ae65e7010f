//! Sign-in, in three requests: `GET sign-in` (the address form), `POST sign-in` (the address:
//! rate limits, then the passkey options, the same for any address), `POST sign-in/finish`
//! (the browser's assertion: a new session). A refusal looks the same whatever its cause.

use super::LangSegment;
use super::page::{self, Page};
use super::session;
use crate::auth::{self, passkey, rate_limit};
use crate::state::AppState;
use crate::store::auth::Activity;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use model::Lang;
use serde::{Deserialize, Serialize};

const PAGE: Page<'static> = Page {
    template: "workspace/sign-in.html",
    title_key: "workspace_sign_in_title",
    path: "sign-in",
};

/// What `workspace/sign-in.html` shows: the address form (with its error or notice), or the
/// passkey step (`ceremony`).
#[derive(Debug, Default, Serialize)]
struct SignInView {
    action: String,
    email: String,
    /// An error for the address field (`workspace_email_missing`) or the whole sign-in
    /// (`workspace_sign_in_failed`), as the key of its words.
    error: Option<&'static str>,
    /// `workspace_signed_out` after signing out.
    notice: Option<&'static str>,
    ceremony: Option<Ceremony>,
}

#[derive(Debug, Serialize)]
struct Ceremony {
    action: String,
    id: String,
    options: String,
    script: Option<String>,
    restart: String,
}

fn view(lang: Lang) -> SignInView {
    SignInView {
        action: auth::url(lang, "sign-in"),
        ..SignInView::default()
    }
}

/// `?signed-out=1` after signing out.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    #[serde(rename = "signed-out")]
    signed_out: Option<String>,
}

/// `GET /coordination/{lang}/sign-in`.
pub async fn page(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let mut view = view(lang);
    if query.signed_out.is_some() {
        view.notice = Some("workspace_signed_out");
    }
    page::render_page(&state, lang, PAGE, None, StatusCode::OK, &view)
}

/// The address form.
#[derive(Debug, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    email: String,
}

/// `POST /coordination/{lang}/sign-in`: the passkey step for the address.
pub async fn start(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    headers: HeaderMap,
    Form(form): Form<AddressForm>,
) -> Response {
    if !crate::origin::allowed(&headers, state.config()) {
        return super::forbidden(&state, lang);
    }
    let email = auth::normalize_email(&form.email);
    if email.len() < 3 || email.len() > 254 || !email.contains('@') {
        let view = SignInView {
            email: form.email.trim().to_string(),
            error: Some("workspace_email_missing"),
            ..view(lang)
        };
        return page::render_page(&state, lang, PAGE, None, StatusCode::BAD_REQUEST, &view);
    }
    match rate_limit::allow_sign_in(&state, &email, &headers).await {
        Ok(true) => {}
        Ok(false) => {
            session::refused("rate-limited");
            return too_many(&state, lang);
        }
        Err(err) => return session::unavailable(&state, lang, "sign-in", &err),
    }
    match passkey::start_sign_in(&state, &email).await {
        Ok(started) => {
            let ceremony = Ceremony {
                action: auth::url(lang, "sign-in/finish"),
                id: started.ceremony,
                options: started.options,
                script: state.pages().assets().get("passkey.js").cloned(),
                restart: auth::url(lang, "sign-in"),
            };
            let view = SignInView {
                email,
                ceremony: Some(ceremony),
                ..view(lang)
            };
            page::render_page(&state, lang, PAGE, None, StatusCode::OK, &view)
        }
        Err(err) => session::server_failure(&state, lang, "sign-in", &err)
            .unwrap_or_else(|| failed(&state, lang)),
    }
}

/// 429: too many attempts for the address or from the client.
fn too_many(state: &AppState, lang: Lang) -> Response {
    page::message(
        state,
        lang,
        "sign-in",
        None,
        StatusCode::TOO_MANY_REQUESTS,
        "workspace_too_many_title",
        page::Message {
            text_key: "workspace_too_many_text",
            link: None,
        },
    )
}

/// The address form again with "sign-in did not work" (whatever the cause).
fn failed(state: &AppState, lang: Lang) -> Response {
    let view = SignInView {
        error: Some("workspace_sign_in_failed"),
        ..view(lang)
    };
    page::render_page(state, lang, PAGE, None, StatusCode::UNAUTHORIZED, &view)
}

/// The passkey step's answer.
#[derive(Debug, Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
}

/// `POST /coordination/{lang}/sign-in/finish`: a new session, or "did not work".
pub async fn finish(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    headers: HeaderMap,
    Form(form): Form<FinishForm>,
) -> Response {
    if !crate::origin::allowed(&headers, state.config()) {
        return super::forbidden(&state, lang);
    }
    match passkey::finish_sign_in(&state, &form.ceremony, &form.credential).await {
        Ok(signed) => {
            let granted = (signed.email.as_str(), signed.started);
            session::start(&state, lang, &headers, granted, &[Activity::SignedIn]).await
        }
        Err(err) => {
            if let Some(response) = session::server_failure(&state, lang, "sign-in", &err) {
                return response;
            }
            session::refused(err.reason());
            failed(&state, lang).into_response()
        }
    }
}
