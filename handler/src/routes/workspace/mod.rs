//! The coordinators' workspace, under `/coordination/{lang}/` (the same word in both
//! languages): server-rendered pages through [`page::render_page`], each route in its own file.
//!
//! - `GET|POST /coordination/{lang}/sign-in`, `POST .../sign-in/finish`: the address, then
//!   the passkey (sign_in.rs).
//! - `GET|POST /coordination/{lang}/enrol?token=`, `POST .../enrol/finish`: a passkey from an
//!   invitation (enrol.rs).
//! - `POST /coordination/{lang}/sign-out`: ends the session (sign_out.rs).
//! - `GET /coordination/{lang}/coordinators`, `POST .../coordinators/invite|remove`: the
//!   coordinators and their passkeys (coordinators.rs).
//! - `GET /coordination/{lang}/`: the inbox, `?form=&progress=` (inbox.rs).
//! - `GET /coordination/{lang}/submissions/{reference}`: one submission; `POST .../progress`
//!   sets its progress; `GET .../delete` asks to confirm, `POST .../delete` deletes it now
//!   (submission.rs).
//! - `GET /coordination/{lang}/registrations`: each cohort's people (registrations.rs);
//!   `POST .../registrations/{reference}` withdraws one, marks one not attending, or gives one
//!   waiting a place (places.rs).
//! - `GET /coordination/{lang}/export?form=&offering=`: the CSV download (export.rs).
//! - `GET /coordination/{lang}/activity`: the activity log (activity.rs).
//!
//! views.rs: how those pages show times (anonymous feedback: its date only), progress and
//! places, and how they log what a coordinator saw or did.
//!
//! Every route but sign-in and enrolment takes [`crate::auth::SignedIn`]; every POST calls
//! [`crate::auth::SignedIn::check_change`] first. Pages are `Cache-Control: no-store`.

mod activity;
mod coordinators;
mod enrol;
mod export;
mod inbox;
pub mod page;
mod places;
mod registrations;
mod session;
mod sign_in;
mod sign_out;
mod submission;
mod views;

use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

/// The workspace's routes (merged into the handler's router beside `/api/`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/coordination/{lang}/sign-in",
            get(sign_in::page).post(sign_in::start),
        )
        .route("/coordination/{lang}/sign-in/finish", post(sign_in::finish))
        .route(
            "/coordination/{lang}/enrol",
            get(enrol::page).post(enrol::start),
        )
        .route("/coordination/{lang}/enrol/finish", post(enrol::finish))
        .route("/coordination/{lang}/sign-out", post(sign_out::sign_out))
        .route("/coordination/{lang}/coordinators", get(coordinators::page))
        .route(
            "/coordination/{lang}/coordinators/invite",
            post(coordinators::invite),
        )
        .route(
            "/coordination/{lang}/coordinators/remove",
            post(coordinators::remove),
        )
        .route("/coordination/{lang}/", get(inbox::inbox))
        .route(
            "/coordination/{lang}/submissions/{reference}",
            get(submission::show),
        )
        .route(
            "/coordination/{lang}/submissions/{reference}/progress",
            post(submission::set_progress),
        )
        .route("/coordination/{lang}/export", get(export::export))
        .route("/coordination/{lang}/activity", get(activity::activity))
        .route(
            "/coordination/{lang}/registrations",
            get(registrations::registrations),
        )
        .route(
            "/coordination/{lang}/registrations/{reference}",
            get(places::confirm).post(places::change),
        )
        .route(
            "/coordination/{lang}/submissions/{reference}/delete",
            get(submission::confirm_delete).post(submission::delete),
        )
}

/// The language segment of a workspace address: `en` or `fr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LangSegment(pub model::Lang);

impl<'de> serde::Deserialize<'de> for LangSegment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        model::Lang::from_code(&code)
            .map(LangSegment)
            .ok_or_else(|| serde::de::Error::custom("not a language"))
    }
}

/// A change refused (another site's page, or a wrong or missing CSRF token): a 403 page in
/// `lang`.
pub fn forbidden(state: &AppState, lang: model::Lang) -> Response {
    page::message(
        state,
        lang,
        "",
        None,
        StatusCode::FORBIDDEN,
        "workspace_forbidden_title",
        page::Message {
            text_key: "workspace_forbidden_text",
            link: Some((crate::auth::url(lang, ""), "workspace_back_to_workspace")),
        },
    )
}
