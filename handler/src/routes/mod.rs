//! The routes: decode -> validate -> store -> respond, for form posts (no JavaScript: a 303 to
//! the confirmation, or the page again with its error summary) and JSON (the enhancement
//! script: errors and the redrawn form region, or the confirmation's address).
//!
//! Routes (all under `/api/`, so `site serve` and the CDN can send that prefix here):
//! - `POST /api/forms/{form}`: a submission.
//! - `GET /api/forms/{form}/confirmation?ref=&sig=&ack=&lang=&status=`: the form's page with
//!   the confirmation panel in place of the form (`ack=1` when an acknowledgement is on its way;
//!   no `ref` for an anonymous form, whose confirmation shows no reference). `sig` signs the
//!   rest ([`crate::confirmation`]): an address the handler did not issue gets a 400 page.
//! - `GET /api/forms/{form}?lang=`: back to the form's page (after a reload of an error page).
//! - `GET /api/withdraw?lang=&token=`, `POST /api/withdraw`: a person's withdrawal page, from
//!   the personal link of their registration's email (withdraw.rs).
//! - `GET /api/health`: `ok`.
//! - `/coordination/{lang}/...`: the coordinators' workspace ([`workspace`]).
//!
//! One file per job: submit.rs (the post), confirmation.rs (the page after it, and its signed
//! address), back_to_form.rs, and responses.rs (what every route answers with); the state they
//! share is [`crate::state::AppState`].

mod back_to_form;
mod confirmation;
mod frame;
mod responses;
mod submit;
mod withdraw;
pub mod workspace;

pub use confirmation::confirmation_url;
pub use submit::UNKNOWN_FORM;

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of the whole site (the one CloudFront sends, too): the one
/// line of `infra/csp.txt`, handed over by the handler's build script (build.rs).
pub const CONTENT_SECURITY_POLICY: &str = include_str!(concat!(env!("OUT_DIR"), "/csp.txt"));

/// The handler's routes, with their state. Its pages carry the site's security headers
/// themselves, so they hold wherever they are served from (CloudFront adds the same).
pub fn router(state: AppState) -> Router {
    let csp = HeaderValue::from_str(CONTENT_SECURITY_POLICY.trim())
        .expect("infra/csp.txt is one line of header text");
    let header = |name, value| SetResponseHeaderLayer::if_not_present(name, value);
    Router::new()
        .route(
            "/api/forms/{form}",
            post(submit::submit).get(back_to_form::back_to_form),
        )
        .route(
            "/api/forms/{form}/confirmation",
            get(confirmation::confirmation),
        )
        .route(
            crate::withdrawal::PATH,
            get(withdraw::show).post(withdraw::withdraw),
        )
        .route("/api/health", get(|| async { "ok" }))
        .merge(workspace::routes())
        .with_state(state)
        .layer(header(header::CONTENT_SECURITY_POLICY, csp))
        .layer(header(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(header(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(header(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(header(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
