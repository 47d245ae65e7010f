//! The router: decode -> validate -> store -> respond, for form posts (no JavaScript: a 303 to
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
//! - `GET /api/health`: `ok`.

use crate::ack_limit;
use crate::anonymous;
use crate::config::Config;
use crate::confirmation::{Claims, ConfirmationKey};
use crate::content::{Content, ContentSource, SitePages};
use crate::delivery::Delivery;
use crate::origin;
use crate::pages::{self, ConfirmationView, FormState, Problem, SupportLine};
use crate::reference::Reference;
use crate::registration::{self, Placement};
use crate::store::{
    NewNotification, NewSubmission, NotificationKind, Status, Store, StoreError, SubmitOutcome,
};
use crate::words::{self, confirmation_for};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::{Timestamp, Zoned};
use model::Lang;
use model::forms::{
    ErrorKind, FieldError, FormDef, Invalid, MAX_BODY_BYTES, RawSubmission, Submission,
};
use model::typography::in_lang;
use render::error_chain;
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, RwLock};
use std::time::Instant;
use tower_http::set_header::SetResponseHeaderLayer;

/// Everything a request needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    content: Arc<ContentSource>,
    pages: SitePages,
    store: Arc<dyn Store>,
    config: Config,
    now: Option<Zoned>,
    delivery: Delivery,
    clock: RwLock<Clock>,
}

/// The clock that stamps submissions as they arrive.
type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

impl AppState {
    /// Assembles the state. `now` fixes the clock used for the offerings' states (previews
    /// and tests); `None` uses the real time. `delivery` (built from the same content, store
    /// and config: [`crate::local::assemble`]) is only woken after a submission is stored.
    pub fn new(
        content: Arc<ContentSource>,
        pages: SitePages,
        store: Arc<dyn Store>,
        config: Config,
        now: Option<Zoned>,
        delivery: Delivery,
    ) -> AppState {
        AppState {
            shared: Arc::new(Shared {
                content,
                pages,
                store,
                config,
                now,
                delivery,
                clock: RwLock::new(Arc::new(Timestamp::now)),
            }),
        }
    }

    /// The current content (reloaded when its files changed).
    pub fn content(&self) -> Arc<Content> {
        self.shared.content.get()
    }

    pub fn store(&self) -> &dyn Store {
        self.shared.store.as_ref()
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The moment that decides which sessions are open: the fixed clock, or now.
    pub fn now(&self, content: &Content) -> Zoned {
        match &self.shared.now {
            Some(fixed) => fixed.clone(),
            None => Timestamp::now().to_zoned(content.tz.clone()),
        }
    }

    /// The real time a submission arrives (what [`AppState::set_clock`] set, for tests).
    pub fn received_now(&self) -> Timestamp {
        let clock = self.shared.clock.read().map(|c| Arc::clone(&c));
        clock.map(|c| c()).unwrap_or_else(|_| Timestamp::now())
    }

    /// Stamps submissions with `clock` instead of the real time (tests that submit at given
    /// hours). The offerings' states keep the fixed `now` given to [`AppState::new`].
    pub fn set_clock(&self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) {
        if let Ok(mut slot) = self.shared.clock.write() {
            *slot = Arc::new(clock);
        }
    }

    /// What sends the emails (the notifier's own state, sharing this one's store).
    pub fn delivery(&self) -> &Delivery {
        &self.shared.delivery
    }

    /// Tells the notifier there is something to send.
    pub fn wake_notifier(&self) {
        self.shared.delivery.wake();
    }
}

/// The Content-Security-Policy of the whole site (the one CloudFront sends, too).
pub const CONTENT_SECURITY_POLICY: &str = include_str!("../../infra/csp.txt");

/// The handler's routes, with their state. Its pages carry the site's security headers
/// themselves, so they hold wherever they are served from (CloudFront adds the same).
pub fn router(state: AppState) -> Router {
    let csp = HeaderValue::from_str(CONTENT_SECURITY_POLICY.trim())
        .expect("infra/csp.txt is one line of header text");
    let header = |name, value| SetResponseHeaderLayer::if_not_present(name, value);
    Router::new()
        .route("/api/forms/{form}", post(submit).get(back_to_form))
        .route("/api/forms/{form}/confirmation", get(confirmation))
        .route("/api/health", get(|| async { "ok" }))
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

async fn submit(
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

/// The body formats accepted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Form,
    Json,
}

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

    // Registration: is the session still open, and is there room?
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
                session_error(state, &content, def, &raw, kind, &now, format),
            );
        }
    };
    let answer = Answer {
        content: &content,
        def,
        raw: &raw,
        now: &now,
        format,
    };
    store(state, answer, submission, placement).await
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
/// answers: the confirmation, the session now full, or "not received" when the store fails.
async fn store(
    state: &AppState,
    answer: Answer<'_>,
    submission: Submission,
    Placement { seat, status }: Placement,
) -> Outcome {
    let Answer {
        content,
        def,
        raw,
        now,
        format,
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
            seat: seat.clone(),
            status,
            notifications: notifications.clone(),
            notify_at: stamp.notify_at,
            ack_quota: ack_quota.clone(),
        };
        match state.store().submit(new).await {
            Ok(SubmitOutcome::Stored {
                reference,
                status,
                acknowledged,
            }) => {
                state.wake_notifier();
                return Outcome {
                    status: "stored",
                    response: accepted(
                        state.config(),
                        def,
                        lang,
                        &reference,
                        status,
                        acknowledged,
                        format,
                    ),
                    reference: Some(reference),
                };
            }
            // The same answers as a stored submission: its confirmation, as promised the first time.
            Ok(SubmitOutcome::Duplicate {
                reference,
                status,
                acknowledged,
            }) => {
                return Outcome {
                    status: "duplicate",
                    response: accepted(
                        state.config(),
                        def,
                        lang,
                        &reference,
                        status,
                        acknowledged,
                        format,
                    ),
                    reference: Some(reference),
                };
            }
            Ok(SubmitOutcome::Full) => {
                return Outcome::new(
                    "full",
                    session_error(state, content, def, raw, ErrorKind::Full, now, format),
                );
            }
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

/// Nothing could be stored: 503, in the person's language, with the program's phone number;
/// the form's page around the message when the site is built. No notification was queued.
fn not_received(
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
            let page = state.shared.pages.page(&def.id, lang);
            match pages::form_page(content, page, def, &view, FormState::NotReceived(problem)) {
                Ok(page) => html(StatusCode::SERVICE_UNAVAILABLE, page),
                Err(err) => unrenderable(state, def, &err, format),
            }
        }
    }
}

/// A page the templates could not render (an editor's mistake in a template, which `site check`
/// reports): logged, and a short 500 in both languages.
fn unrenderable(state: &AppState, def: &FormDef, err: &tera::Error, format: Format) -> Response {
    tracing::error!(form = %def.id, "rendering the page failed: {}", error_chain(err));
    refusal(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        format,
        words::UNAVAILABLE,
    )
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

/// The confirmation page's address, signed with `key`. An anonymous form's carries no
/// reference (`None`): it would sit in the browser's history and suggest the feedback can be
/// traced. `acknowledged` says an acknowledgement email is on its way.
pub fn confirmation_url(
    key: &ConfirmationKey,
    form: &str,
    reference: Option<&Reference>,
    lang: Lang,
    status: Status,
    acknowledged: bool,
) -> String {
    let signature = key.sign(&Claims {
        form,
        reference: reference.map(Reference::as_str),
        lang: lang.code(),
        status: status.as_str(),
        acknowledged,
    });
    let reference = reference.map(|r| format!("ref={r}&")).unwrap_or_default();
    let ack = if acknowledged { "ack=1&" } else { "" };
    format!(
        "/api/forms/{form}/confirmation?{reference}sig={signature}&{ack}lang={}&status={}",
        lang.code(),
        status.as_str()
    )
}

fn accepted(
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
/// every answer `no-store` and `nosniff` (see [`router`]).
fn with_status(code: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = code;
    response
}

fn html(code: StatusCode, body: String) -> Response {
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
fn refusal(
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
fn invalid(
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
            let page = state.shared.pages.page(&def.id, lang);
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

/// The session is over, not open, closed or full: an error on the session field, the answers
/// kept.
fn session_error(
    state: &AppState,
    content: &Content,
    def: &FormDef,
    raw: &RawSubmission,
    kind: ErrorKind,
    now: &Zoned,
    format: Format,
) -> Response {
    let field = def.session_field().expect("a session was chosen");
    let error = def.error(field, kind, raw.lang());
    invalid(state, content, def, raw, &[error], now, format)
}

#[derive(Deserialize)]
struct ConfirmationQuery {
    #[serde(rename = "ref")]
    reference: Option<String>,
    lang: Option<String>,
    status: Option<String>,
    ack: Option<String>,
    sig: Option<String>,
}

/// What a confirmation address says, if the handler signed it: the reference (none for an
/// anonymous form, whatever the address carries), the language, the status, and whether an
/// acknowledgement is on its way.
struct Confirmed {
    reference: Option<Reference>,
    lang: Lang,
    status: Status,
    acknowledged: bool,
}

/// Reads a confirmation address; `None` when it is malformed or not signed by `key`.
fn confirmed(key: &ConfirmationKey, def: &FormDef, query: &ConfirmationQuery) -> Option<Confirmed> {
    // An anonymous form shows no reference, even on an old link that carries one.
    let reference = match &query.reference {
        _ if def.anonymous => None,
        Some(text) => Some(Reference::parse(text)?),
        None => return None,
    };
    let lang = Lang::from_code(query.lang.as_deref()?)?;
    let status = Status::parse(query.status.as_deref()?)?;
    let acknowledged = query.ack.as_deref() == Some("1");
    let claims = Claims {
        form: &def.id,
        reference: reference.as_ref().map(Reference::as_str),
        lang: lang.code(),
        status: status.as_str(),
        acknowledged,
    };
    key.verify(&claims, query.sig.as_deref()?)
        .then_some(Confirmed {
            reference,
            lang,
            status,
            acknowledged: acknowledged && def.acknowledges(),
        })
}

async fn confirmation(
    State(state): State<AppState>,
    Path(form): Path<String>,
    Query(query): Query<ConfirmationQuery>,
) -> Response {
    let content = state.content();
    let Some(def) = content.form(&form) else {
        return refusal(
            &state,
            StatusCode::NOT_FOUND,
            Format::Form,
            words::NOT_FOUND,
        );
    };
    let key = &state.config().confirmation_key;
    let Some(Confirmed {
        reference,
        lang,
        status,
        acknowledged,
    }) = confirmed(key, def, &query)
    else {
        return refusal(
            &state,
            StatusCode::BAD_REQUEST,
            Format::Form,
            words::BAD_LINK,
        );
    };
    let text = confirmation_for(def, status);
    let typeset = |s: &str| in_lang(s, lang);
    let view = ConfirmationView {
        title: typeset(text.title.get(lang)),
        reference_label: typeset(def.words.reference_label.get(lang)),
        reference: reference.as_ref().map(|r| r.to_string()),
        acknowledgement: acknowledged.then(|| typeset(def.words.acknowledgement_sent.get(lang))),
        next_title: typeset(def.words.what_happens_next.get(lang)),
        next_steps: text
            .next_steps
            .iter()
            .map(|s| typeset(s.get(lang)))
            .collect(),
        support: Some(SupportLine::new(content.words(), lang)),
    };
    // The toggle shows this same confirmation in the other language (the form there would be
    // empty).
    let toggle = confirmation_url(
        key,
        &def.id,
        reference.as_ref(),
        lang.other(),
        status,
        acknowledged,
    );
    let form = def.view(lang, &content.offerings, &state.now(&content));
    let page = state.shared.pages.page(&def.id, lang);
    match pages::form_page(
        &content,
        page,
        def,
        &form,
        FormState::Confirmation {
            view: &view,
            toggle,
        },
    ) {
        Ok(page) => html(StatusCode::OK, page),
        Err(err) => unrenderable(&state, def, &err, Format::Form),
    }
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// A GET on the form's address (a reload after an error page): back to the form's page.
async fn back_to_form(
    State(state): State<AppState>,
    Path(form): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split([',', ';']).next())
                .and_then(Lang::from_code)
        })
        .unwrap_or(Lang::En);
    match state.shared.pages.url(&form, lang) {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        None => refusal(
            &state,
            StatusCode::NOT_FOUND,
            Format::Form,
            words::NOT_FOUND,
        ),
    }
}
