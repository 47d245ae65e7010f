//! The coordinators page: everyone on `PASSERELLE_COORDINATORS` with their passkeys; a
//! signed-in coordinator sends one an invitation, or removes their access (every session
//! ended and every passkey deleted at once, after a confirmation). Each change is logged.

use super::LangSegment;
use super::page::{self, Page};
use super::session;
use crate::auth::{self, SignedIn, invitation};
use crate::state::AppState;
use crate::store::auth::{Activity, ActivityEntry};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::Lang;
use serde::{Deserialize, Serialize};

const PAGE: Page<'static> = Page {
    template: "workspace/coordinators.html",
    title_key: "workspace_coordinators_title",
    path: "coordinators",
};

/// One coordinator as the page lists them.
#[derive(Debug, Serialize)]
struct Coordinator {
    email: String,
    is_you: bool,
    passkeys: Vec<PasskeyView>,
}

#[derive(Debug, Serialize)]
struct PasskeyView {
    name: String,
    /// The day it was created, in the page's language.
    created: String,
}

#[derive(Debug, Serialize)]
struct CoordinatorsView {
    coordinators: Vec<Coordinator>,
    invite_action: String,
    remove_action: String,
    /// `workspace_invited_notice` or `workspace_removed_notice` after a change.
    notice: Option<&'static str>,
    /// The address whose removal asks to be confirmed.
    confirm_remove: Option<String>,
    page_url: String,
}

/// `?done=invited|removed` after a change.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /coordination/{lang}/coordinators`.
pub async fn page(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    who: SignedIn,
    Query(query): Query<DoneQuery>,
) -> Response {
    let notice = match query.done.as_deref() {
        Some("invited") => Some("workspace_invited_notice"),
        Some("removed") => Some("workspace_removed_notice"),
        _ => None,
    };
    render(&state, lang, &who, notice, None).await
}

async fn render(
    state: &AppState,
    lang: Lang,
    who: &SignedIn,
    notice: Option<&'static str>,
    confirm_remove: Option<String>,
) -> Response {
    let content = state.content();
    let mut coordinators = Vec::new();
    for listed in &state.config().coordinators {
        let email = auth::normalize_email(listed);
        let passkeys = match state.store().passkeys(&email).await {
            Ok(passkeys) => passkeys,
            Err(err) => return session::unavailable(state, lang, "coordinators", &err),
        };
        coordinators.push(Coordinator {
            is_you: email == who.coordinator,
            passkeys: passkeys
                .iter()
                .map(|p| PasskeyView {
                    name: p.name.clone(),
                    created: model::datetime::format_date(
                        p.created_at.to_zoned(content.tz.clone()).date(),
                        lang,
                    ),
                })
                .collect(),
            email,
        });
    }
    let view = CoordinatorsView {
        coordinators,
        invite_action: auth::url(lang, "coordinators/invite"),
        remove_action: auth::url(lang, "coordinators/remove"),
        notice,
        confirm_remove,
        page_url: auth::url(lang, "coordinators"),
    };
    let (page, status) = match view.confirm_remove {
        Some(_) => (
            Page {
                title_key: "workspace_remove_title",
                ..PAGE
            },
            StatusCode::OK,
        ),
        None => (PAGE, StatusCode::OK),
    };
    page::render_page(state, lang, page, Some(who), status, &view)
}

/// An invitation or removal form.
#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    /// Removal: `yes` once confirmed.
    #[serde(default)]
    confirmed: String,
}

/// The listed address a form names, if it is one.
fn listed(state: &AppState, email: &str) -> Option<String> {
    let email = auth::normalize_email(email);
    auth::is_listed(state, &email).then_some(email)
}

fn back(lang: Lang, done: &str) -> Response {
    let to = auth::url(lang, &format!("coordinators?done={done}"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// `POST /coordination/{lang}/coordinators/invite`.
pub async fn invite(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    who: SignedIn,
    headers: HeaderMap,
    Form(form): Form<ChangeForm>,
) -> Response {
    if let Err(refused) = who.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    // An address not on the list gets the same answer as a listed one, and no email: the
    // page never offers one, so only a hand-made request names one.
    let Some(email) = listed(&state, &form.email) else {
        tracing::warn!("workspace invitation for an unlisted address not sent");
        return back(lang, "invited");
    };
    // The same origin as every other link (a local server's own address, whatever host name
    // the request came by: passkeys need the one it is used at).
    let origin = &state.config().public_origin;
    match invitation::invite(&state, &email, origin, &who.coordinator).await {
        Ok(_) => back(lang, "invited"),
        Err(err) => session::unavailable(&state, lang, "coordinators", &err),
    }
}

/// `POST /coordination/{lang}/coordinators/remove`: asks to confirm, then removes.
pub async fn remove(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    who: SignedIn,
    headers: HeaderMap,
    Form(form): Form<ChangeForm>,
) -> Response {
    if let Err(refused) = who.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    // Any address may be removed, listed or not (one taken off the list keeps its passkeys
    // until then): the answer is the same either way.
    let email = auth::normalize_email(&form.email);
    if email.is_empty() {
        return back(lang, "");
    }
    if form.confirmed != "yes" {
        return render(&state, lang, &who, None, Some(email)).await;
    }
    let store = state.store();
    let removed = async {
        // First: whatever was granted before now (sessions, invitations, ceremonies under
        // way) no longer counts, even if it finishes after the deletions below.
        store.revoke_access(&email, state.received_now()).await?;
        store.remove_passkeys(&email).await?;
        store.end_sessions_of(&email).await?;
        store
            .log_activity(ActivityEntry {
                at: state.received_now(),
                actor: who.coordinator.clone(),
                date_only: false,
                action: Activity::Removed {
                    email: email.clone(),
                },
            })
            .await
    }
    .await;
    match removed {
        // Removing oneself ends one's own session too: the next page is sign-in.
        Ok(()) => back(lang, "removed"),
        Err(err) => session::unavailable(&state, lang, "coordinators", &err),
    }
}
