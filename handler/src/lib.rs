//! Passerelle's form handler: one axum [`Router`](axum::Router) that takes the site's form
//! posts, checks them against the same definitions the pages were built from
//! ([`model::forms`]), stores them durably, and answers; a separate notifier sends the emails
//! from what was stored.
//!
//! ```text
//! request -> origin check -> decode (form or JSON, at most 16 KiB) -> validate (model::forms)
//!         -> store (one atomic step: idempotency, places, submission, outbox) -> respond
//! outbox  -> notifier (claim, build from the stored record, send, mark; retry with backoff)
//! ```
//!
//! The same router runs as an AWS Lambda (`lambda_http::run`) and as a local server
//! ([`local::app`], mounted by `site serve`). Storage and mail are traits ([`store::Store`],
//! [`delivery::mail::Mailer`]) with embedded defaults (SQLite, `.eml` files); settings come from
//! environment variables (see [`config`]).
//!
//! Privacy: logs carry the form, reference, status and latency, never an answer or an IP
//! address; error responses echo nothing back except, to the person themself, the page with
//! their answers; an anonymous form's written comments never leave the store.

pub mod ack_limit;
pub mod anonymous;
pub mod auth;
pub mod aws;
pub mod cdn;
pub mod config;
pub mod confirmation;
pub mod content;
pub mod delivery;
pub mod export;
pub mod idempotency;
pub mod lambda;
pub mod local;
pub mod origin;
pub mod pages;
pub mod private_dir;
pub mod reference;
pub mod registration;
pub mod reveal;
pub mod routes;
pub mod secret;
pub mod staleness;
pub mod state;
pub mod store;
pub mod waiting_list;
pub mod withdrawal;
pub mod words;

pub use reference::Reference;
pub use routes::router;
pub use state::AppState;
