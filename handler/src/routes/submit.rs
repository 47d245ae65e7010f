//! `POST /api/forms/{form}`: read the post, validate it against the form's definition, decide
//! its place, store it with its notifications (waking delivery), and answer.

use super::responses::{Format, accepted, cohort_error, invalid, not_received, refusal};
use crate::ack_limit;
use crate::anonymous;
use crate::config::Config;
use crate::content::Content;
use crate::origin;
use crate::reference::Reference;
use crate::registration::{self, PlaceRequest, Placement};
use crate::state::AppState;
use crate::store::{
    NewNotification, NewSubmission, NotificationKind, Status, StoreError, SubmitOutcome,
};
use crate::waiting_list;
use crate::words;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use jiff::Zoned;
use model::forms::{ErrorKind, FormDef, Invalid, MAX_BODY_BYTES, RawSubmission, Submission};
use std::sync::Arc;
use std::time::Instant;

/// What happened to a request, for the log line (never personal data).
struct Outcome {
    status: &'static str,
    reference: Option<Reference>,
    response: Response,
}

impl Outcome {
    fn new(status: &'static str, response: Response) -> Outcome {
        Outcome {
            status,
            reference: None,
            response,
        }
    }
}

pub(super) async fn submit(
    State(state): State<AppState>,
    Path(form): Path<String>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let outcome = handle(&state, &form, request).await;
    let code = outcome.response.status().as_u16();
    // The path segment is the sender's text, percent-decoded: logged as is, a `%0a` would
    // forge a line and a `%1b` write terminal escapes. Only a known form's own id is logged.
    let content = state.content();
    let (form, anonymous) = match content.form(&form) {
        Some(def) => (def.id.as_str(), def.anonymous),
        None => (UNKNOWN_FORM, false),
    };
    // No line at all when anonymous feedback comes in: its time would date the feedback that
    // the store keeps with its date only (crate::anonymous). Failures are still logged, without
    // a reference, where they happen.
    if anonymous {
        return outcome.response;
    }
    let reference = match &outcome.reference {
        Some(reference) => reference.as_str(),
        None => "-",
    };
    tracing::info!(
        form = %form,
        reference = %reference,
        status = outcome.status,
        http = code,
        latency_ms = started.elapsed().as_millis() as u64,
        "submission"
    );
    outcome.response
}

/// What the log says in place of a form id that names no form.
pub const UNKNOWN_FORM: &str = "(unknown)";

async fn handle(state: &AppState, form_id: &str, request: Request) -> Outcome {
    let (format, raw) = match read(state, request).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let content = state.content();
    let Some(def) = content.form(form_id) else {
        return Outcome::new(
            "unknown_form",
            refusal(state, StatusCode::NOT_FOUND, format, words::NOT_FOUND),
        );
    };
    let lang = raw.lang();
    if raw.is_bot() {
        // Answer exactly as for a person, so the bot learns nothing; store nothing.
        let acknowledged = def.sends_acknowledgement(|name| raw.first(name));
        return Outcome::new(
            "dropped",
            accepted(
                state.config(),
                def,
                lang,
                &Reference::generate(),
                Status::Received,
                acknowledged,
                format,
            ),
        );
    }
    let now = state.now(&content);
    let submission = match def.validate(&raw, &content.offerings, &now) {
        Ok(submission) => submission,
        Err(Invalid::Rejected(_)) => {
            return Outcome::new(
                "rejected",
                refusal(state, StatusCode::BAD_REQUEST, format, words::BAD_REQUEST),
            );
        }
        Err(Invalid::Fields(errors)) => {
            return Outcome::new(
                "invalid",
                invalid(state, &content, def, &raw, &errors, &now, format),
            );
        }
    };

    // Registration: is the cohort still open, and is there room?
    let placement = match registration::placement(def, &submission, &content.offerings, &now) {
        Ok(placement) => placement,
        Err(kind) => {
            let label = match kind {
                ErrorKind::Past => "past",
                ErrorKind::NotOpen => "not_open",
                ErrorKind::Invalid => "invalid",
                _ => "closed",
            };
            return Outcome::new(
                label,
                cohort_error(state, &content, def, &raw, kind, &now, format),
            );
        }
    };
    if let Some(place) = placement.place.as_ref().filter(|p| p.group_size > 0) {
        fill_raised_places(state, &content, &def.id, place).await;
    }
    let answer = Answer {
        content: &content,
        def,
        raw: &raw,
        now: &now,
        format,
    };
    store(state, answer, submission, placement).await
}

/// Places a raised group size added go to the people already waiting before a newcomer is
/// counted (crate::waiting_list). A store failure here is logged; the submission that follows
/// meets the same store and answers for it.
async fn fill_raised_places(
    state: &AppState,
    content: &Arc<Content>,
    form: &str,
    place: &PlaceRequest,
) {
    let at = state.received_now();
    match waiting_list::fill_before_registering(
        state.store(),
        content,
        state.config(),
        form,
        place,
        at,
    )
    .await
    {
        Ok(promoted) if !promoted.is_empty() => {
            tracing::info!(form, promoted = promoted.len(), "waiting_list_advanced");
            state.wake_notifier();
        }
        Ok(_) => {}
        Err(err) => tracing::error!(form, "filling a cohort's new places failed: {err}"),
    }
}

/// What a stored (or refused) submission is answered with: the form, the request, the moment.
struct Answer<'a> {
    content: &'a Content,
    def: &'a FormDef,
    raw: &'a RawSubmission,
    now: &'a Zoned,
    format: Format,
}

/// The request's format and answers, or the refusal when it did not come from the site's own
/// pages, is not a form post or JSON, is too large, or cannot be decoded.
async fn read(state: &AppState, request: Request) -> Result<(Format, RawSubmission), Outcome> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let format = content_type(headers);
    if !origin::allowed(headers, state.config()) {
        return Err(Outcome::new(
            "forbidden",
            refusal(
                state,
                StatusCode::FORBIDDEN,
                format.unwrap_or(Format::Form),
                words::FORBIDDEN,
            ),
        ));
    }
    let Some(format) = format else {
        return Err(Outcome::new(
            "unsupported",
            refusal(
                state,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Format::Form,
                words::BAD_REQUEST,
            ),
        ));
    };
    let too_large = || {
        Outcome::new(
            "too_large",
            refusal(
                state,
                StatusCode::PAYLOAD_TOO_LARGE,
                format,
                words::TOO_LARGE,
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return Err(too_large());
    };
    match decode(format, &bytes) {
        Some(raw) => Ok((format, raw)),
        None => Err(Outcome::new(
            "rejected",
            refusal(state, StatusCode::BAD_REQUEST, format, words::BAD_REQUEST),
        )),
    }
}

/// Stores the submission (a fresh reference, retried if taken) with its notifications, and
/// answers: the confirmation, the cohort now full, or "not received" when the store fails.
async fn store(
    state: &AppState,
    answer: Answer<'_>,
    submission: Submission,
    Placement { place, status }: Placement,
) -> Outcome {
    let Answer {
        content,
        def,
        raw,
        format,
        ..
    } = answer;
    let lang = raw.lang();
    let stamp = anonymous::stamp(
        def.anonymous,
        &submission,
        raw.idempotency_key(),
        state.received_now(),
        &content.tz,
    );
    let notifications = notifications(state.config(), def, &submission);
    let ack_quota = ack_limit::for_notifications(
        state.config(),
        &notifications,
        stamp.received_at,
        &content.tz,
    );
    for _ in 0..5 {
        let new = NewSubmission {
            reference: Reference::generate(),
            received_at: stamp.received_at,
            idempotency_keys: stamp.idempotency_keys.clone(),
            submission: submission.clone(),
            place: place.clone(),
            status,
            notifications: notifications.clone(),
            notify_at: stamp.notify_at,
            ack_quota: ack_quota.clone(),
        };
        match state.store().submit(new).await {
            Ok(outcome) => return answered(state, &answer, outcome),
            Err(StoreError::ReferenceTaken) => continue,
            Err(StoreError::Backend(err)) => {
                tracing::error!(form = %def.id, "the store failed: {err}");
                return Outcome::new(
                    "store_error",
                    not_received(state, content, def, lang, format),
                );
            }
        }
    }
    tracing::error!(form = %def.id, "five references in a row were taken");
    Outcome::new(
        "store_error",
        not_received(state, content, def, lang, format),
    )
}

/// The answer to what the store did: the confirmation (of a submission stored now, or of the
/// same answers stored before, as promised the first time), or the cohort now full.
fn answered(state: &AppState, answer: &Answer<'_>, outcome: SubmitOutcome) -> Outcome {
    let Answer {
        content,
        def,
        raw,
        now,
        format,
    } = *answer;
    let (label, reference, status, acknowledged) = match outcome {
        SubmitOutcome::Stored {
            reference,
            status,
            acknowledged,
        } => {
            state.wake_notifier();
            ("stored", reference, status, acknowledged)
        }
        SubmitOutcome::Duplicate {
            reference,
            status,
            acknowledged,
        } => ("duplicate", reference, status, acknowledged),
        SubmitOutcome::Full => {
            return Outcome::new(
                "full",
                cohort_error(state, content, def, raw, ErrorKind::Full, now, format),
            );
        }
    };
    Outcome {
        status: label,
        response: accepted(
            state.config(),
            def,
            raw.lang(),
            &reference,
            status,
            acknowledged,
            format,
        ),
        reference: Some(reference),
    }
}

fn content_type(headers: &HeaderMap) -> Option<Format> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => Some(Format::Form),
        "application/json" => Some(Format::Json),
        _ => None,
    }
}

fn decode(format: Format, bytes: &[u8]) -> Option<RawSubmission> {
    match format {
        Format::Form => serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
            .ok()
            .map(RawSubmission::from_pairs),
        Format::Json => serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|value| RawSubmission::from_json(&value).ok()),
    }
}

/// One notification per coordinator, and the acknowledgement when the form sends one to this
/// person (never to someone who chose to be contacted another way).
fn notifications(config: &Config, def: &FormDef, submission: &Submission) -> Vec<NewNotification> {
    let mut list: Vec<NewNotification> = config
        .coordinators
        .iter()
        .map(|address| NewNotification {
            kind: NotificationKind::Coordinator,
            recipient: address.clone(),
        })
        .collect();
    if def.sends_acknowledgement(|name| submission.text(name))
        && let Some(email) = submission.email()
    {
        list.push(NewNotification {
            kind: NotificationKind::Acknowledgement,
            recipient: email.to_string(),
        });
    }
    list
}
