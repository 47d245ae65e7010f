//! `GET /coordination/{lang}/registrations/{reference}?action=`: what a roster action will do,
//! asked before it is done (the roster's buttons lead here: a mis-click removes no one), with
//! the form that posts it. `POST /coordination/{lang}/registrations/{reference}`: a
//! coordinator's action on the roster
//! (issue 13): withdraw a person (registered or waiting), mark a registered person as not
//! attending, or give a person waiting a place by hand. A freed place goes to the first person
//! waiting in the same step (crate::store::places), who is told by their chosen way. Checked
//! like every workspace change ([`SignedIn::check_change`]), logged in the activity log, and
//! answered with a 303 back to the roster, which says what happened.

use super::LangSegment;
use super::page::{self, Page};
use super::views;
use crate::auth::{self, SignedIn};
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::auth::Activity;
use crate::store::places::{PlaceAction, PlaceOutcome};
use crate::waiting_list;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The roster's action form: its CSRF token and the action (`withdraw`, `not-attending`,
/// `give-place`).
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// The action a form names.
fn action(name: &str) -> Option<PlaceAction> {
    match name {
        "withdraw" => Some(PlaceAction::Withdraw),
        "not-attending" => Some(PlaceAction::NotAttending),
        "give-place" => Some(PlaceAction::Promote),
        _ => None,
    }
}

/// The question's address: the action asked about.
#[derive(Debug, Deserialize)]
pub struct ConfirmQuery {
    #[serde(default)]
    action: String,
}

/// What the confirmation page shows.
#[derive(Serialize)]
struct ConfirmContext {
    reference: String,
    submission_url: String,
    text: String,
    button: String,
    action: String,
    csrf: String,
    post_url: String,
    cancel: String,
}

/// The keys of an action's question: its title, what will happen, its button.
fn confirm_keys(action: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match action {
        "withdraw" => Some((
            "place_confirm_withdraw_title",
            "place_confirm_withdraw_text",
            "workspace_action_withdraw",
        )),
        "not-attending" => Some((
            "place_confirm_not_attending_title",
            "place_confirm_not_attending_text",
            "workspace_action_not_attending",
        )),
        "give-place" => Some((
            "place_confirm_give_place_title",
            "place_confirm_give_place_text",
            "workspace_action_give_place",
        )),
        _ => None,
    }
}

/// Asks to confirm a roster action; an unknown action or reference leads back to the roster.
pub async fn confirm(
    State(state): State<AppState>,
    Path((LangSegment(lang), reference)): Path<(LangSegment, String)>,
    Query(query): Query<ConfirmQuery>,
    who: SignedIn,
) -> Response {
    let roster = auth::url(lang, "registrations");
    let (Some(reference), Some((title_key, text_key, button_key))) =
        (Reference::parse(&reference), confirm_keys(&query.action))
    else {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, roster)]).into_response();
    };
    match state.store().get(&reference).await {
        Ok(Some(_)) => {}
        Ok(None) => return (StatusCode::SEE_OTHER, [(header::LOCATION, roster)]).into_response(),
        Err(err) => return views::unavailable(&state, lang, "registrations", &err),
    }
    let content = state.content();
    let words = content.words();
    let path = format!("registrations/{reference}?action={}", query.action);
    let context = ConfirmContext {
        reference: reference.to_string(),
        submission_url: auth::url(lang, &format!("submissions/{reference}")),
        text: words.get(text_key, lang),
        button: words.get(button_key, lang),
        action: query.action.clone(),
        csrf: who.csrf().to_string(),
        post_url: auth::url(lang, &format!("registrations/{reference}")),
        cancel: roster,
    };
    let page = Page {
        template: "workspace/place-action.html",
        title_key,
        path: &path,
    };
    page::render_page(&state, lang, page, Some(&who), StatusCode::OK, &context)
}

/// What the activity log says of an action done.
fn activity(action: &PlaceAction, reference: Reference, promoted: Option<Reference>) -> Activity {
    match action {
        PlaceAction::NotAttending => Activity::MarkedNotAttending {
            reference,
            promoted,
        },
        PlaceAction::Promote => Activity::GavePlace { reference },
        PlaceAction::Withdraw | PlaceAction::WithdrawByLink { .. } => Activity::Withdrew {
            reference,
            promoted,
        },
    }
}

/// Applies the action, logs it, and leads back to the roster.
pub async fn change(
    State(state): State<AppState>,
    Path((LangSegment(lang), reference)): Path<(LangSegment, String)>,
    who: SignedIn,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(refused) = who.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    let back = |query: String| {
        let location = auth::url(lang, &format!("registrations{query}"));
        (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
    };
    let (Some(reference), Some(place_action)) =
        (Reference::parse(&reference), action(&form.action))
    else {
        return back(String::new());
    };
    let stored = match state.store().get(&reference).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return back(String::new()),
        Err(err) => return views::unavailable(&state, lang, "registrations", &err),
    };
    let content = state.content();
    let at = state.now(&content).timestamp();
    let change =
        waiting_list::change_for(&content, state.config(), &stored, place_action.clone(), at);
    let outcome = match state.store().change_place(change).await {
        Ok(outcome) => outcome,
        Err(err) => return views::unavailable(&state, lang, "registrations", &err),
    };
    let query = match outcome {
        PlaceOutcome::Changed { status, promoted } => {
            // A withdrawal's notices, or a promotion's, were queued with the change.
            state.wake_notifier();
            let logged = activity(&place_action, reference.clone(), promoted.clone());
            if let Err(err) = views::log(&state, &who.coordinator, logged, false).await {
                return views::unavailable(&state, lang, "registrations", &err);
            }
            let promoted = promoted
                .map(|p| format!("&promoted={p}"))
                .unwrap_or_default();
            format!("?changed={reference}&status={}{promoted}", status.as_str())
        }
        PlaceOutcome::AlreadyDone { status } => {
            format!("?unchanged={reference}&status={}", status.as_str())
        }
        PlaceOutcome::LinkExpired | PlaceOutcome::NotFound => String::new(),
    };
    back(query)
}
