//! Enrolment from an invitation link, in three requests: `GET enrol?token=` (a page with a
//! button: nothing is used yet, so a mail scanner that opens the link spends nothing),
//! `POST enrol` (the invitation taken, once: the passkey options), `POST enrol/finish` (the
//! new passkey checked and saved: a new session). A failed passkey step starts again with
//! the same invitation, until it would have ended.

use super::LangSegment;
use super::page::{self, Page};
use super::session;
use crate::auth::passkey::{self, CeremonyError, Enrolment};
use crate::auth::{self, invitation, rate_limit};
use crate::state::AppState;
use crate::store::auth::Activity;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use model::Lang;
use serde::{Deserialize, Serialize};

const PAGE: Page<'static> = Page {
    template: "workspace/enrol.html",
    title_key: "workspace_enrol_title",
    path: "enrol",
};

/// The longest passkey name kept.
const NAME_MAX: usize = 60;

/// What `workspace/enrol.html` shows: the button that uses the invitation (`token`), or the
/// passkey step (`ceremony`), with `failed` after an attempt that did not work.
#[derive(Debug, Default, Serialize)]
struct EnrolView {
    action: String,
    token: Option<String>,
    email: Option<String>,
    ceremony: Option<Ceremony>,
    failed: bool,
    name: String,
    name_max: usize,
}

#[derive(Debug, Serialize)]
struct Ceremony {
    action: String,
    id: String,
    options: String,
    script: Option<String>,
}

/// `?token=` of the invitation link.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /coordination/{lang}/enrol?token=`.
pub async fn page(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let token = query.token.trim();
    // A token is hex (auth::new_secret); anything else cannot be one.
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid(&state, lang);
    }
    let view = EnrolView {
        action: auth::url(lang, "enrol"),
        token: Some(token.to_string()),
        name_max: NAME_MAX,
        ..EnrolView::default()
    };
    // The language toggle keeps the link's token.
    let path = format!("enrol?token={token}");
    let page = Page {
        path: &path,
        ..PAGE
    };
    page::render_page(&state, lang, page, None, StatusCode::OK, &view)
}

/// `POST /coordination/{lang}/enrol`: takes the invitation and starts the passkey step.
pub async fn start(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    headers: HeaderMap,
    Form(form): Form<TokenQuery>,
) -> Response {
    if !crate::origin::allowed(&headers, state.config()) {
        return super::forbidden(&state, lang);
    }
    match rate_limit::allow_enrolment(&state, &headers).await {
        Ok(true) => {}
        Ok(false) => {
            session::refused("rate-limited");
            return too_many(&state, lang);
        }
        Err(err) => return session::unavailable(&state, lang, "enrol", &err),
    }
    let taken = match invitation::take(&state, form.token.trim()).await {
        Ok(taken) => taken,
        Err(err) => return session::unavailable(&state, lang, "enrol", &err),
    };
    let Some(taken) = taken else {
        session::refused("invitation-invalid");
        return invalid(&state, lang);
    };
    let enrolment = Enrolment {
        email: taken.email,
        invitation_ends: taken.ends,
        invitation_sent: taken.sent,
    };
    passkey_step(&state, lang, &enrolment, false, "").await
}

/// The passkey step for `enrolment` (a new ceremony each time).
async fn passkey_step(
    state: &AppState,
    lang: Lang,
    enrolment: &Enrolment,
    failed: bool,
    name: &str,
) -> Response {
    let started = passkey::start_enrolment(state, enrolment).await;
    match started {
        Ok(started) => {
            let view = EnrolView {
                action: auth::url(lang, "enrol/finish"),
                email: Some(enrolment.email.clone()),
                ceremony: Some(Ceremony {
                    action: auth::url(lang, "enrol/finish"),
                    id: started.ceremony,
                    options: started.options,
                    script: state.pages().assets().get("passkey.js").cloned(),
                }),
                failed,
                name: name.to_string(),
                name_max: NAME_MAX,
                ..EnrolView::default()
            };
            let status = if failed {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            page::render_page(state, lang, PAGE, None, status, &view)
        }
        Err(err) => session::server_failure(state, lang, "enrol", &err)
            .unwrap_or_else(|| invalid(state, lang)),
    }
}

/// The passkey step's answer.
#[derive(Debug, Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    name: String,
}

/// `POST /coordination/{lang}/enrol/finish`: saves the passkey and signs in; after a failed
/// passkey step, the step again.
pub async fn finish(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    headers: HeaderMap,
    Form(form): Form<FinishForm>,
) -> Response {
    if !crate::origin::allowed(&headers, state.config()) {
        return super::forbidden(&state, lang);
    }
    let name: String = form.name.trim().chars().take(NAME_MAX).collect();
    let (enrolment, registration) = match passkey::take_enrolment(&state, &form.ceremony).await {
        Ok(taken) => taken,
        Err(err) => {
            if let Some(response) = session::server_failure(&state, lang, "enrol", &err) {
                return response;
            }
            session::refused(err.reason());
            return invalid(&state, lang);
        }
    };
    let finished =
        passkey::finish_enrolment(&state, &enrolment, &registration, &form.credential, &name).await;
    match finished {
        // Enrolling signs in: one line in the log says both.
        Ok(()) => {
            let granted = (enrolment.email.as_str(), enrolment.invitation_sent);
            session::start(&state, lang, &headers, granted, &[Activity::Enrolled]).await
        }
        Err(err @ (CeremonyError::NotListed | CeremonyError::Revoked)) => {
            session::refused(err.reason());
            invalid(&state, lang)
        }
        Err(err) => {
            if let Some(response) = session::server_failure(&state, lang, "enrol", &err) {
                return response;
            }
            session::refused(err.reason());
            passkey_step(&state, lang, &enrolment, true, &name).await
        }
    }
}

/// 429: too many enrolment attempts from the client (the invitation is not spent).
fn too_many(state: &AppState, lang: Lang) -> Response {
    page::message(
        state,
        lang,
        "enrol",
        None,
        StatusCode::TOO_MANY_REQUESTS,
        "workspace_too_many_title",
        page::Message {
            text_key: "workspace_enrol_too_many_text",
            link: None,
        },
    )
}

/// "This invitation link does not work", whatever the cause (expired, used, forged).
fn invalid(state: &AppState, lang: Lang) -> Response {
    page::message(
        state,
        lang,
        "enrol",
        None,
        StatusCode::BAD_REQUEST,
        "workspace_invitation_invalid_title",
        page::Message {
            text_key: "workspace_invitation_invalid_text",
            link: Some((auth::url(lang, "sign-in"), "workspace_go_to_sign_in")),
        },
    )
}
