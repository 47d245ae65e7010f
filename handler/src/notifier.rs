//! The outbox's sender: a separate path from the request, reading what was stored. Each
//! pending notification is claimed, built from the stored submission, sent, and marked sent;
//! a failure reschedules it with a growing delay (a mail outage delays, never loses). The
//! loop also deletes submissions older than the retention period.

use crate::app::AppState;
use crate::emails;
use crate::mail::MailError;
use crate::store::{NotificationKind, PendingNotification, StoreError};
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// How long a claimed notification is reserved for the notifier that claimed it.
pub const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// How many notifications one round claims.
pub const BATCH: usize = 20;

/// How often the loop looks for due notifications when not woken.
pub const POLL: Duration = Duration::from_secs(30);

/// How often the loop deletes expired submissions.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The delay before retry number `attempts` (1, 2, 4 ... minutes, at most an hour).
pub fn backoff(attempts: u32) -> SignedDuration {
    let minutes = 1_i64 << attempts.saturating_sub(1).min(6);
    SignedDuration::from_mins(minutes.min(60))
}

/// What went wrong with one notification.
enum Failure {
    /// Try again later.
    Retry(String),
    /// It can never be sent.
    Abandon(String),
}

/// Sends every notification due now (one batch); returns how many were sent.
pub async fn run_once(state: &AppState) -> Result<usize, StoreError> {
    run_once_at(state, Timestamp::now()).await
}

/// [`run_once`] as if it were `now` (tests of retries use a later moment).
pub async fn run_once_at(state: &AppState, now: Timestamp) -> Result<usize, StoreError> {
    let due = state.store().claim_due(now, LEASE, BATCH).await?;
    let mut sent = 0;
    for notification in &due {
        if send_claimed(state, notification, now).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Claims the notification `id` (as a DynamoDB stream record names it) and sends it; `false`
/// when there was nothing to do (sent already, held by another notifier, not due) or the
/// sending failed and was rescheduled. An error means the store could not be reached: the
/// caller should try again.
pub async fn send_by_id(state: &AppState, id: &str, now: Timestamp) -> Result<bool, StoreError> {
    match state.store().claim(id, now, LEASE).await? {
        Some(notification) => send_claimed(state, &notification, now).await,
        None => Ok(false),
    }
}

/// Sends one claimed notification and records the outcome: sent (`true`), or failed and
/// rescheduled with backoff, or abandoned (`false`).
pub async fn send_claimed(
    state: &AppState,
    notification: &PendingNotification,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let reference = notification.reference.as_str();
    let kind = notification.kind.as_str();
    match deliver(state, notification).await {
        Ok(()) => {
            state
                .store()
                .mark_sent(&notification.id, Timestamp::now())
                .await?;
            tracing::info!(reference, kind, "notification sent");
            Ok(true)
        }
        Err(Failure::Retry(reason)) => {
            let attempts = notification.attempts + 1;
            let retry_at = now + backoff(attempts);
            state
                .store()
                .mark_failed(&notification.id, Some(retry_at), &reason)
                .await?;
            tracing::warn!(reference, kind, attempts, %reason, "notification not sent; will retry");
            Ok(false)
        }
        Err(Failure::Abandon(reason)) => {
            state
                .store()
                .mark_failed(&notification.id, None, &reason)
                .await?;
            tracing::error!(reference, kind, %reason, "notification can never be sent");
            Ok(false)
        }
    }
}

/// Sends until nothing is due (several batches if needed).
pub async fn drain(state: &AppState) -> Result<usize, StoreError> {
    drain_at(state, Timestamp::now()).await
}

/// [`drain`] as if it were `now`.
pub async fn drain_at(state: &AppState, now: Timestamp) -> Result<usize, StoreError> {
    let mut total = 0;
    loop {
        let sent = run_once_at(state, now).await?;
        total += sent;
        if sent < BATCH {
            return Ok(total);
        }
    }
}

async fn deliver(state: &AppState, notification: &PendingNotification) -> Result<(), Failure> {
    let stored = state
        .store()
        .get(&notification.reference)
        .await
        .map_err(|err| Failure::Retry(err.to_string()))?
        .ok_or_else(|| Failure::Abandon("the submission is no longer kept".into()))?;
    let content = state.content();
    let form = content
        .form(&stored.submission.form)
        .ok_or_else(|| Failure::Abandon("the form no longer exists".into()))?;
    let site = &content.site;
    let email = match notification.kind {
        NotificationKind::Coordinator => {
            emails::coordinator_notice(state.renderer(), site, form, &stored, &content.offerings)
        }
        NotificationKind::Acknowledgement => {
            emails::acknowledgement(state.renderer(), &content, form, &stored)
        }
    }
    .map_err(|err| Failure::Retry(format!("template: {}", crate::render::error_chain(&err))))?;
    let config = state.config();
    let reply_to = match notification.kind {
        NotificationKind::Acknowledgement => Some(&config.reply_to),
        NotificationKind::Coordinator => None,
    };
    let message = emails::message(
        &email,
        &config.mail_from,
        &notification.recipient,
        reply_to,
        &stored,
        notification.kind,
    )
    .map_err(|err| Failure::Abandon(redact(&err.to_string())))?;
    state.mailer().send(message).await.map_err(|err| match err {
        MailError::Transient(reason) => Failure::Retry(redact(&reason)),
        MailError::Permanent(reason) => Failure::Abandon(redact(&reason)),
    })
}

/// Removes anything that looks like an email address from a transport's error text (servers
/// quote the recipient), so logs and the store's error column name no one.
pub fn redact(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "[address]"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs forever: sends what is due whenever woken (after each stored submission) or every
/// [`POLL`], and purges expired submissions every [`PURGE_EVERY`].
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_purge: Option<std::time::Instant> = None;
        loop {
            if let Err(err) = drain(&state).await {
                tracing::error!("the notifier could not read the outbox: {err}");
            }
            if last_purge.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
                let days = i64::from(state.config().retention_days);
                let before = Timestamp::now() - SignedDuration::from_hours(24 * days);
                match state.store().purge(before).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "expired submissions deleted"),
                    Err(err) => tracing::error!("purging expired submissions failed: {err}"),
                }
                last_purge = Some(std::time::Instant::now());
            }
            tokio::select! {
                () = state.notifier_woken() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| backoff(a).as_secs() / 60).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn addresses_are_redacted_from_errors() {
        assert_eq!(
            redact("550 5.1.1 <sam@example.ca>: user unknown"),
            "550 5.1.1 [address] user unknown"
        );
    }
}
