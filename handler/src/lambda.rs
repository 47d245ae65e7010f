//! The two AWS Lambda entry points of the one binary, chosen by `PASSERELLE_LAMBDA_ENTRY`:
//!
//! - `api` (the default): the same [`router`](crate::router) as the local server, through
//!   `lambda_http` (API Gateway HTTP API, payload 2.0).
//! - `notifier`: invoked by the table's stream (batches of records) and by a schedule every 5
//!   minutes (EventBridge's "Scheduled Event"). A stream record that shows a pending
//!   notification is sent at once; the sweep gives the free places of cohorts not started yet
//!   to the people waiting (crate::waiting_list::fill_open_cohorts), then sends whatever is
//!   still due (after a mail outage, or a stream batch given up on). Both claim each notification with a conditional update
//!   first, so they never both send one. Stream records the store could not be reached for are
//!   reported in `batchItemFailures`, and Lambda retries from there.
//!
//! The site's files are deployed beside the binary: `PASSERELLE_ROOT` (default: the working
//! directory, the zip's root in Lambda) holds site.toml, content/ and templates/;
//! `PASSERELLE_SITE_DIR` (default `<root>/dist`) the build's `_passerelle/forms.json` (the
//! frames of the pages that hold the forms).

use crate::cdn;
use crate::delivery::Delivery;
use crate::delivery::notifier;
use crate::local::{self, LocalOptions};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::dynamodb::{GSI1PK, PENDING, PK, SK};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Which function this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Api,
    Notifier,
}

impl Entry {
    /// Reads `PASSERELLE_LAMBDA_ENTRY` (`api` when unset).
    pub fn from_env() -> anyhow::Result<Entry> {
        match std::env::var("PASSERELLE_LAMBDA_ENTRY").as_deref() {
            Err(_) | Ok("") | Ok("api") => Ok(Entry::Api),
            Ok("notifier") => Ok(Entry::Notifier),
            Ok(other) => anyhow::bail!(
                "PASSERELLE_LAMBDA_ENTRY=`{other}` is not an entry point: write api or notifier"
            ),
        }
    }
}

/// Where the Lambda finds the site (beside the binary) and keeps data: only /tmp is writable
/// in Lambda (for an embedded store, if one is ever named).
fn options() -> LocalOptions {
    let mut options = LocalOptions::new(root());
    options.site_dir = site_dir();
    options.data_dir = PathBuf::from("/tmp/passerelle");
    options
}

/// The API's state in Lambda: the site beside the binary, the backends from the environment
/// (`PASSERELLE_STORE=dynamodb:...`, `PASSERELLE_MAIL=smtp://...`), and the key its
/// confirmation links are signed with (`PASSERELLE_CONFIRMATION_SECRET_ID`): every instance
/// must sign with the same one, so it never starts without it.
pub async fn api_state() -> anyhow::Result<AppState> {
    let id = required_secret_id("PASSERELLE_CONFIRMATION_SECRET_ID", |name| {
        std::env::var(name).ok()
    })?;
    let client = aws_sdk_secretsmanager::Client::new(crate::aws::sdk_config().await);
    let key = crate::aws::secret_text(&client, &id, &format!("the confirmation-link key {id}"))
        .await
        .map_err(anyhow::Error::msg)?;
    local::state_with(&options(), false, |name| match name {
        "PASSERELLE_CONFIRMATION_KEY" => Some(key.clone()),
        _ => std::env::var(name).ok(),
    })
}

/// The notifier's [`Delivery`] in Lambda: the content, settings, store and mailer only, not
/// the router's state (no built pages, no confirmation key).
pub fn notifier_delivery() -> anyhow::Result<Delivery> {
    local::delivery_with(&options(), |name| std::env::var(name).ok())
}

/// The site's files beside the binary (`PASSERELLE_ROOT`, default the working directory).
fn root() -> PathBuf {
    PathBuf::from(std::env::var("PASSERELLE_ROOT").unwrap_or_else(|_| ".".into()))
}

/// The built pages (`PASSERELLE_SITE_DIR`, default `<root>/dist`).
fn site_dir() -> PathBuf {
    std::env::var_os("PASSERELLE_SITE_DIR").map_or_else(|| root().join("dist"), PathBuf::from)
}

/// Runs the entry point until the Lambda runtime stops.
pub async fn run(entry: Entry) -> anyhow::Result<()> {
    let result = match entry {
        Entry::Api => {
            let state = api_state().await?;
            ready(entry, state.config());
            lambda_http::run(api_router(state).await?).await
        }
        Entry::Notifier => {
            let delivery = notifier_delivery()?;
            ready(entry, delivery.config());
            lambda_http::lambda_runtime::run(lambda_http::service_fn(
                move |event: lambda_http::LambdaEvent<Value>| {
                    let delivery = delivery.clone();
                    let budget = budget_until(event.context.deadline);
                    if event.payload.get("Records").is_none() {
                        // The 5-minute sweep: is the published site past its next change?
                        crate::staleness::report(&site_dir(), Timestamp::now());
                    }
                    async move {
                        notify_within(&delivery, &event.payload, Timestamp::now(), budget)
                            .await
                            .map_err(lambda_http::Error::from)
                    }
                },
            ))
            .await
        }
    };
    result.map_err(|err| anyhow::anyhow!("the Lambda runtime stopped: {err}"))
}

/// Debug, so the INFO level the function logs at leaves it out: a line at each cold start
/// would date the request that started the instance (anonymous feedback, maybe).
fn ready(entry: Entry, config: &crate::config::Config) {
    tracing::debug!(
        entry = ?entry,
        store = %local::describe_store(&config.store),
        mail = %local::describe_mail(&config.mail),
        "Lambda ready"
    );
}

/// The API's routes, behind the CloudFront guard: the secret CloudFront sends is named by
/// `PASSERELLE_ORIGIN_SECRET_ID` (the stack always sets it), and without it the API does not
/// start, rather than answer requests that went around CloudFront.
async fn api_router(state: AppState) -> anyhow::Result<axum::Router> {
    let id = required_secret_id("PASSERELLE_ORIGIN_SECRET_ID", |name| {
        std::env::var(name).ok()
    })?;
    let client = aws_sdk_secretsmanager::Client::new(crate::aws::sdk_config().await);
    let secret = cdn::read_secret(&client, &id).await?;
    tracing::info!("answering only requests that come through CloudFront");
    Ok(cdn::guard(crate::router(state), secret))
}

/// The secret id in variable `name` (through `lookup`); an error naming the variable when it
/// is unset or blank. The API needs two: `PASSERELLE_ORIGIN_SECRET_ID` (the header CloudFront
/// sends) and `PASSERELLE_CONFIRMATION_SECRET_ID` (the confirmation-link key).
pub fn required_secret_id(
    name: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<String> {
    lookup(name)
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{name} is not set: the API does not start without this secret (set it to the \
                 secret's id or ARN, as infra/template.yaml does)"
            )
        })
}

/// The budget of an invocation whose deadline is `deadline_ms` (the runtime's, in
/// milliseconds since the Unix epoch).
pub fn budget_until(deadline_ms: u64) -> notifier::Budget {
    let now_ms = u64::try_from(Timestamp::now().as_millisecond()).unwrap_or(0);
    let left = std::time::Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    notifier::Budget::until(std::time::Instant::now() + left)
}

/// One notifier invocation without a deadline (tests): see [`notify_within`].
pub async fn notify(
    delivery: &Delivery,
    event: &Value,
    now: Timestamp,
) -> Result<Value, StoreError> {
    notify_within(delivery, event, now, notifier::Budget::unlimited()).await
}

/// One notifier invocation: a stream batch (answered with `batchItemFailures`) or a sweep
/// (answered with how many were sent; an error makes Lambda retry the
/// invocation). The sweep first gives free places of cohorts not started yet to the people
/// waiting ([`notifier::fill_waiting_lists`]), and also logs the backlog's age (crate::delivery::notifier::BACKLOG_EVENT), which an alarm watches.
/// Nothing is started that could not finish within `budget`.
pub async fn notify_within(
    delivery: &Delivery,
    event: &Value,
    now: Timestamp,
    budget: notifier::Budget,
) -> Result<Value, StoreError> {
    match event.get("Records").and_then(Value::as_array) {
        Some(records) => Ok(stream_batch(delivery, records, now, budget).await),
        None => {
            // Free places first, so the promoted people's news goes out in this sweep.
            if budget.fits_one() {
                notifier::fill_waiting_lists(delivery, now).await?;
            }
            let sweep = notifier::drain_within(delivery, now, budget).await?;
            notifier::report_backlog(delivery, now).await?;
            Ok(json!({ "sent": sweep.sent }))
        }
    }
}

async fn stream_batch(
    delivery: &Delivery,
    records: &[Value],
    now: Timestamp,
    budget: notifier::Budget,
) -> Value {
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut out_of_time = 0;
    for record in records {
        let Some(id) = pending_notification(record) else {
            continue;
        };
        let retry = if budget.fits_one() {
            match notifier::send_by_id(delivery, &id, now).await {
                Ok(outcome) => {
                    sent += usize::from(outcome == notifier::Outcome::Sent);
                    false
                }
                Err(err) => {
                    tracing::error!("stream record not processed, to be retried: {err}");
                    true
                }
            }
        } else {
            // Not claimed: Lambda hands the record over again (or the sweep sends it).
            out_of_time += 1;
            true
        };
        if retry
            && let Some(sequence) = record
                .pointer("/dynamodb/SequenceNumber")
                .and_then(Value::as_str)
        {
            failures.push(json!({ "itemIdentifier": sequence }));
        }
    }
    // A batch that sent nothing is not logged: the stream announces anonymous feedback's
    // notice the moment it is stored (it waits for the morning batch), and a line then would
    // date the feedback (crate::anonymous). Records handed back for want of time do not count:
    // they may be that notice too.
    if sent > 0 || failures.len() > out_of_time {
        tracing::info!(
            records = records.len(),
            sent,
            failed = failures.len(),
            out_of_time,
            "stream batch"
        );
    }
    json!({ "batchItemFailures": failures })
}

/// The notification id a stream record announces: an inserted or modified item still in the
/// index's PENDING partition, keyed `SUB#<reference>` / `NOTE#<n>`. Anything else (a
/// submission, an idempotency key, a place counter, a removal, a sent notification) is `None`.
pub fn pending_notification(record: &Value) -> Option<String> {
    let event = record.get("eventName")?.as_str()?;
    if !matches!(event, "INSERT" | "MODIFY") {
        return None;
    }
    let image = record.pointer("/dynamodb/NewImage")?;
    let text = |name: &str| image.get(name)?.get("S")?.as_str();
    if text(GSI1PK)? != PENDING {
        return None;
    }
    let reference = text(PK)?.strip_prefix("SUB#")?;
    let index = text(SK)?.strip_prefix("NOTE#")?;
    Some(format!("{reference}-{index}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(event: &str, gsi1pk: &str, sk: &str) -> Value {
        json!({
            "eventID": "1",
            "eventName": event,
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": { "pk": { "S": "SUB#K7MW4XTA" }, "sk": { "S": sk } },
                "NewImage": {
                    "pk": { "S": "SUB#K7MW4XTA" },
                    "sk": { "S": sk },
                    "gsi1pk": { "S": gsi1pk },
                    "recipient": { "S": "someone@example.ca" }
                },
                "SequenceNumber": "111",
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        })
    }

    #[test]
    fn the_api_does_not_start_without_its_secrets() {
        for name in [
            "PASSERELLE_ORIGIN_SECRET_ID",
            "PASSERELLE_CONFIRMATION_SECRET_ID",
        ] {
            for unset in [None, Some(""), Some("  ")] {
                let err = required_secret_id(name, |_| unset.map(String::from)).unwrap_err();
                assert!(err.to_string().contains(name), "{err}");
            }
            assert_eq!(
                required_secret_id(name, |asked| (asked == name)
                    .then(|| " arn:aws:secretsmanager:x ".into()))
                .unwrap(),
                "arn:aws:secretsmanager:x"
            );
        }
    }

    #[test]
    fn only_pending_notifications_are_picked_from_the_stream() {
        assert_eq!(
            pending_notification(&record("INSERT", "PENDING", "NOTE#001")).as_deref(),
            Some("K7MW4XTA-001")
        );
        assert_eq!(
            pending_notification(&record("MODIFY", "PENDING", "NOTE#002")).as_deref(),
            Some("K7MW4XTA-002")
        );
        assert_eq!(
            pending_notification(&record("INSERT", "FORM#intake", "SUBMISSION")),
            None
        );
        assert_eq!(
            pending_notification(&record("REMOVE", "PENDING", "NOTE#001")),
            None
        );
        let mut sent = record("MODIFY", "PENDING", "NOTE#001");
        sent["dynamodb"]["NewImage"]
            .as_object_mut()
            .unwrap()
            .remove("gsi1pk");
        assert_eq!(pending_notification(&sent), None);
    }
}
