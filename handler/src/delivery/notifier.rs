//! The outbox's sender: a separate path from the request, reading what was stored (it takes a
//! [`Delivery`], never the router's state). Each pending notification is claimed, built from
//! the stored submission, sent, and marked sent; a failure reschedules it with a growing delay.
//! A mail outage delays notifications and never loses a submission; after
//! [`Config::notify_max_attempts`](crate::config::Config) tries (about two hours by default) a
//! notice is given up on and waits for a person (`handler failed --retry`), with an alarm. The
//! local loop also deletes submissions past retention.
//!
//! Nothing fails silently. A notification the server refuses for good (a 5xx reply), or that
//! failed [`Config::notify_max_attempts`](crate::config::Config) times (a refused login, the
//! secret's placeholder, a long outage), is given up on: kept in the store with its reason and
//! no due time (never deleted before its submission's retention), and logged once as
//! [`FAILED_EVENT`]. Each scheduled sweep (the Lambda's, `handler notify`) logs the age of the
//! longest-waiting notification as [`BACKLOG_EVENT`]. infra/template.yaml turns both lines into metrics and alarms
//! (scripts/test-infra.sh checks the names agree). A failed message never stops the sweep: the
//! others of the batch are sent in the same run.
//!
//! Time: a Lambda invocation has a deadline, so a sweep or a stream batch is given a
//! [`Budget`] and starts a notification only if the worst case of it ([`NOTICE_WORST`]) still
//! fits; what does not fit waits for the next invocation, unclaimed.

use crate::config::{Acknowledgements, Config};
use crate::content::Content;
use crate::delivery::Delivery;
use crate::delivery::emails::{self, NoticeSettings};
use crate::delivery::mail::MailError;
use crate::store::{NotificationKind, PendingNotification, Status, StoreError, StoredSubmission};
use crate::withdrawal::WithdrawalToken;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};

/// How long a claimed notification is reserved for the notifier that claimed it.
pub const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// How many notifications one round claims at most.
pub const BATCH: usize = 20;

/// How often the loop looks for due notifications when not woken.
pub const POLL: Duration = Duration::from_secs(30);

/// How often the loop deletes expired submissions.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The log line of a notification given up on (`notification_failed kind=... reason=...`):
/// infra/template.yaml's metric filter counts it, and an alarm fires on one.
pub const FAILED_EVENT: &str = "notification_failed";

/// The log line each sweep writes with `oldest_pending_age_seconds`: infra/template.yaml's
/// metric filter reads the age, and an alarm fires when it is too old or missing.
pub const BACKLOG_EVENT: &str = "notification_backlog";

// --- The time a notification can take --------------------------------------------------------
//
// Worst case of one notification, each step at its own timeout:
//   claim (a conditional update)            8 s  STORE_CALL_WORST (the SDK's operation timeout)
//   read the submission                     8 s  STORE_CALL_WORST
//   store a withdrawal link's hash          8 s  STORE_CALL_WORST (a registration's emails)
//   send: secret, connect, TLS, login, data 25 s crate::delivery::smtp::SEND_TIMEOUT (whole message)
//   record sent / failed                    8 s  STORE_CALL_WORST
//   = NOTICE_WORST                          57 s
// A round of a sweep adds one index query (8 s) before its claims; the invocation keeps
// RESERVE (10 s) for the backlog query and its answer to the runtime. So with the notifier's
// 150 s Lambda timeout, a sweep claims at most (150 - 10 - 8) / 57 = 2 notifications in its
// first round (worst case 8 + 2 * 57 + 10 = 132 s), and more in later rounds only as time
// is left; normally a message takes about a second and one invocation sends dozens. A stream
// batch starts a record only with NOTICE_WORST + RESERVE = 67 s left, and reports the rest
// as batch item failures, which Lambda retries. The unit tests below check this arithmetic,
// and scripts/test-infra.sh that the template's Timeout is LAMBDA_TIMEOUT.

/// The longest one store call takes before it fails: the AWS SDK's operation timeout
/// (crate::aws::timeouts; a test checks they agree). SQLite's calls are local and quicker.
pub const STORE_CALL_WORST: Duration = Duration::from_secs(8);

/// The longest one notification takes: claimed, read, sent, recorded (see above).
pub const NOTICE_WORST: Duration = Duration::from_secs(
    4 * STORE_CALL_WORST.as_secs() + crate::delivery::smtp::SEND_TIMEOUT.as_secs(),
);

/// Kept free at the end of an invocation: the backlog query and the answer.
pub const RESERVE: Duration = Duration::from_secs(STORE_CALL_WORST.as_secs() + 2);

/// The notifier Lambda's timeout: infra/template.yaml, NotifierFunction's `Timeout`.
pub const LAMBDA_TIMEOUT: Duration = Duration::from_secs(150);

/// How much time a sweep or a stream batch may still use.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    until: Option<Instant>,
}

impl Budget {
    /// No deadline (the local server, `handler notify`, tests): rounds are bounded by the
    /// lease only.
    pub fn unlimited() -> Budget {
        Budget { until: None }
    }

    /// Until `deadline` (a Lambda invocation's).
    pub fn until(deadline: Instant) -> Budget {
        Budget {
            until: Some(deadline),
        }
    }

    /// The time left, `None` when unlimited.
    pub fn left(&self) -> Option<Duration> {
        self.until
            .map(|until| until.saturating_duration_since(Instant::now()))
    }

    /// How many notifications the next round may claim.
    pub fn round(&self) -> usize {
        match self.left() {
            Some(left) => round_size(left),
            None => round_size_within_lease(),
        }
    }

    /// Whether one more notification (a stream record) can be started.
    pub fn fits_one(&self) -> bool {
        self.left()
            .is_none_or(|left| left >= NOTICE_WORST + RESERVE)
    }
}

/// How many notifications a round may claim with `left` to go: each at its worst, after the
/// round's index query, with [`RESERVE`] kept (at most [`BATCH`]).
pub fn round_size(left: Duration) -> usize {
    let usable = left.saturating_sub(RESERVE + STORE_CALL_WORST);
    let fit = usable.as_millis() / NOTICE_WORST.as_millis();
    usize::try_from(fit).unwrap_or(usize::MAX).min(BATCH)
}

/// Without a deadline: as many as are surely done before their lease ends (so no other
/// notifier claims one while it is being sent).
pub fn round_size_within_lease() -> usize {
    round_size(LEASE.unsigned_abs())
}

/// The delay before retry number `attempts` (1, 2, 4 ... minutes, at most an hour).
pub fn backoff(attempts: u32) -> SignedDuration {
    let minutes = 1_i64 << attempts.saturating_sub(1).min(6);
    SignedDuration::from_mins(minutes.min(60))
}

/// What went wrong with one notification.
enum Failure {
    /// It is no longer true (a promotion whose person has withdrawn since, or was deleted):
    /// dropped quietly, recorded as done without sending.
    Moot,
    /// Its submission was deleted after it was claimed: nothing left to send, nothing to alarm
    /// anyone; recorded as done (when anything of it is left) with a debug line.
    Gone,
    /// Try again later (up to the attempt cap).
    Retry(String),
    /// It can never be sent.
    Abandon(String),
}

/// What became of one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Sent, and marked sent.
    Sent,
    /// Not sent; to be tried again later.
    Retrying,
    /// Given up on: marked failed, and logged as [`FAILED_EVENT`].
    GaveUp,
    /// Nothing to do (sent already, held by another notifier, not due, no longer true, or its
    /// submission deleted meanwhile).
    NotClaimed,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    pub sent: usize,
    pub retrying: usize,
    pub gave_up: usize,
}

impl Sweep {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Sent => self.sent += 1,
            Outcome::Retrying => self.retrying += 1,
            Outcome::GaveUp => self.gave_up += 1,
            Outcome::NotClaimed => {}
        }
    }
}

/// Sends every notification due now (in rounds each done within its lease); returns how
/// many were sent.
pub async fn run_once(delivery: &Delivery) -> Result<usize, StoreError> {
    run_once_at(delivery, delivery.now()).await
}

/// [`run_once`] as if it were `now` (tests of retries use a later moment).
pub async fn run_once_at(delivery: &Delivery, now: Timestamp) -> Result<usize, StoreError> {
    drain_at(delivery, now).await
}

/// Claims up to `limit` due notifications and tries each (a failure does not stop the
/// others); returns what became of them and how many were claimed.
async fn round(
    delivery: &Delivery,
    now: Timestamp,
    limit: usize,
) -> Result<(Sweep, usize), StoreError> {
    let due = delivery.store().claim_due(now, LEASE, limit).await?;
    let mut sweep = Sweep::default();
    for notification in &due {
        sweep.add(send_claimed(delivery, notification, now).await?);
    }
    Ok((sweep, due.len()))
}

/// Claims the notification `id` (as a DynamoDB stream record names it) and sends it. An error
/// means the store could not be reached: the caller should try again.
pub async fn send_by_id(
    delivery: &Delivery,
    id: &str,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    match delivery.store().claim(id, now, LEASE).await? {
        Some(notification) => send_claimed(delivery, &notification, now).await,
        None => Ok(Outcome::NotClaimed),
    }
}

/// Sends one claimed notification and records the outcome: sent, failed and rescheduled
/// with backoff, or given up on (refused for good, or the attempt cap reached).
pub async fn send_claimed(
    delivery: &Delivery,
    notification: &PendingNotification,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    let reference = notification.reference.as_str();
    let kind = notification.kind.as_str();
    let attempts = notification.attempts + 1;
    let max = delivery.config().notify_max_attempts;
    let reason = match deliver(delivery, notification).await {
        Ok(()) => {
            delivery
                .store()
                .mark_sent(&notification.id, delivery.now())
                .await?;
            tracing::info!(reference, kind, "notification sent");
            return Ok(Outcome::Sent);
        }
        Err(Failure::Retry(reason)) if attempts < max => {
            let retry_at = now + backoff(attempts);
            delivery
                .store()
                .mark_failed(&notification.id, Some(retry_at), &reason)
                .await?;
            tracing::warn!(reference, kind, attempts, %reason, "notification not sent; will retry");
            return Ok(Outcome::Retrying);
        }
        Err(Failure::Moot) => {
            delivery
                .store()
                .mark_sent(&notification.id, delivery.now())
                .await?;
            tracing::info!(reference, kind, "notification dropped: no longer true");
            return Ok(Outcome::NotClaimed);
        }
        Err(Failure::Gone) => {
            delivery
                .store()
                .mark_sent(&notification.id, delivery.now())
                .await?;
            tracing::debug!(
                reference,
                kind,
                "notification dropped: its submission is deleted"
            );
            return Ok(Outcome::NotClaimed);
        }
        Err(Failure::Retry(reason)) => format!("gave up after {attempts} attempts: {reason}"),
        Err(Failure::Abandon(reason)) => reason,
    };
    delivery
        .store()
        .mark_failed(&notification.id, None, &reason)
        .await?;
    tracing::error!(reference, kind, attempts, %reason, "{FAILED_EVENT}");
    Ok(Outcome::GaveUp)
}

/// Puts every notification given up on back in the queue, due at `now` with its attempts from
/// zero (`handler failed --retry`, once the cause is fixed: the SMTP credentials, say); returns
/// them.
pub async fn requeue_failed(
    delivery: &Delivery,
    now: Timestamp,
) -> Result<Vec<crate::store::FailedNotification>, StoreError> {
    let mut requeued = Vec::new();
    for failed in delivery.store().failed_notifications().await? {
        if delivery.store().requeue(&failed.id, now).await? {
            requeued.push(failed);
        }
    }
    Ok(requeued)
}

/// Logs the backlog's age as [`BACKLOG_EVENT`] (0 when nothing waits) and returns it, in
/// seconds: how long the longest-waiting notification has been due.
pub async fn report_backlog(delivery: &Delivery, now: Timestamp) -> Result<i64, StoreError> {
    let age = delivery
        .store()
        .oldest_waiting(now)
        .await?
        .map_or(0, |oldest| now.duration_since(oldest).as_secs().max(0));
    tracing::info!(oldest_pending_age_seconds = age, "{BACKLOG_EVENT}");
    Ok(age)
}

/// Gives the free places of the cohorts not started yet to the people waiting
/// ([`crate::waiting_list::fill_open_cohorts`]: a raised group size, or a place a withdrawal
/// freed while someone joined the waiting list), their news queued to send; returns how many
/// were promoted. Part of every sweep (the local loop's polls, the Lambda's schedule,
/// `handler notify`), before sending, so the news (due at `now`, the sweep's real time) goes
/// out in the same sweep.
pub async fn fill_waiting_lists(delivery: &Delivery, now: Timestamp) -> Result<usize, StoreError> {
    let promoted = crate::waiting_list::fill_open_cohorts(
        delivery.store(),
        &delivery.content(),
        delivery.config(),
        delivery.offerings_now(),
        now,
    )
    .await?;
    if !promoted.is_empty() {
        tracing::info!(promoted = promoted.len(), "waiting_list_advanced");
    }
    Ok(promoted.len())
}

/// Sends until nothing is due (several rounds if needed); returns how many were sent.
pub async fn drain(delivery: &Delivery) -> Result<usize, StoreError> {
    drain_at(delivery, delivery.now()).await
}

/// [`drain`] as if it were `now`.
pub async fn drain_at(delivery: &Delivery, now: Timestamp) -> Result<usize, StoreError> {
    Ok(drain_within(delivery, now, Budget::unlimited()).await?.sent)
}

/// Sends what is due at `now`, round after round, while `budget` allows one more round.
pub async fn drain_within(
    delivery: &Delivery,
    now: Timestamp,
    budget: Budget,
) -> Result<Sweep, StoreError> {
    let mut total = Sweep::default();
    loop {
        let limit = budget.round();
        if limit == 0 {
            return Ok(total);
        }
        let (sweep, claimed) = round(delivery, now, limit).await?;
        total.sent += sweep.sent;
        total.retrying += sweep.retrying;
        total.gave_up += sweep.gave_up;
        if claimed < limit {
            return Ok(total);
        }
    }
}

/// The address a notification goes to: its own, but with `PASSERELLE_ACKNOWLEDGEMENTS=
/// coordinators` an acknowledgement goes to the first coordinators' address instead (staging
/// never writes to the public). Decided here, at sending, so no path around it exists.
pub fn recipient<'a>(config: &'a Config, notification: &'a PendingNotification) -> Option<&'a str> {
    match (notification.kind, config.acknowledgements) {
        (kind, Acknowledgements::Coordinators) if kind.to_person() => {
            config.coordinators.first().map(String::as_str)
        }
        _ => Some(notification.recipient.as_str()),
    }
}

async fn deliver(delivery: &Delivery, notification: &PendingNotification) -> Result<(), Failure> {
    let stored = delivery
        .store()
        .get(&notification.reference)
        .await
        .map_err(|err| Failure::Retry(err.to_string()))?;
    let promotion = matches!(
        notification.kind,
        NotificationKind::Promotion | NotificationKind::PromotionCall
    );
    // A promotion is sent only while the person still has the place (they may have withdrawn,
    // or been withdrawn or deleted, since it was queued).
    let stored = match stored {
        Some(stored) if promotion && stored.status != Status::Registered => {
            return Err(Failure::Moot);
        }
        None if promotion => return Err(Failure::Moot),
        Some(stored) => stored,
        // Deleted (by a coordinator, or by retention) since it was claimed: nothing to send,
        // and nothing went wrong, so no alarm (review m9).
        None => return Err(Failure::Gone),
    };
    let content = delivery.content();
    let form = content
        .form(&stored.submission.form)
        .ok_or_else(|| Failure::Abandon("the form no longer exists".into()))?;
    let notice = NoticeSettings::of(delivery.config());
    let email = match notification.kind {
        NotificationKind::Coordinator => {
            emails::coordinator_notice(&content, form, &stored, notice)
        }
        NotificationKind::PromotionCall => {
            emails::promotion_call_notice(&content, form, &stored, notice)
        }
        NotificationKind::Withdrawal => emails::withdrawal_notice(&content, form, &stored, notice),
        NotificationKind::WithdrawalConfirmation => {
            let news = emails::RegistrationNews {
                withdrawn: true,
                ..Default::default()
            };
            emails::person_email(&content, form, &stored, &news)
        }
        NotificationKind::Acknowledgement | NotificationKind::Promotion => {
            let news = registration_news(delivery, &content, &stored, notification.kind).await?;
            emails::person_email(&content, form, &stored, &news)
        }
    }
    .map_err(|err| Failure::Retry(format!("template: {}", render::error_chain(&err))))?;
    let config = delivery.config();
    let reply_to = match notification.kind {
        kind if kind.to_person() => Some(&config.reply_to),
        _ => None,
    };
    let to = recipient(config, notification)
        .ok_or_else(|| Failure::Abandon("no coordinators' address to send it to".into()))?;
    let mut message = emails::message(
        &email,
        &config.mail_from,
        to,
        reply_to,
        &stored,
        notification.kind,
    )
    .map_err(|err| Failure::Abandon(redact(&err.to_string())))?;
    if let Some(set) = &config.ses_configuration_set {
        message
            .headers_mut()
            .set(crate::delivery::mail::SesConfigurationSet(set.clone()));
    }
    delivery
        .mailer()
        .send(message)
        .await
        .map_err(|err| match err {
            MailError::Transient(reason) => Failure::Retry(redact(&reason)),
            MailError::Permanent(reason) => Failure::Abandon(redact(&reason)),
        })
}

/// What a person's email about a registration carries: for a registration or a place on a
/// waiting list, before the cohort's first session, a fresh personal withdrawal link, whose
/// token's hash is stored now (the token itself only ever exists in this email); and whether
/// it tells them a place became theirs.
async fn registration_news(
    delivery: &Delivery,
    content: &Content,
    stored: &StoredSubmission,
    kind: NotificationKind,
) -> Result<emails::RegistrationNews, Failure> {
    let promotion = kind == NotificationKind::Promotion;
    let withdrawable = matches!(stored.status, Status::Registered | Status::Waitlisted);
    let cohort = crate::waiting_list::cohort_of(content, stored)
        .filter(|cohort| withdrawable && delivery.offerings_now() < cohort.starts);
    let Some(cohort) = cohort else {
        return Ok(emails::RegistrationNews {
            withdraw_url: None,
            promotion,
            withdrawn: false,
        });
    };
    let token = WithdrawalToken::generate();
    delivery
        .store()
        .add_withdrawal_link(
            &token.hash(),
            &stored.reference,
            stored.received_at,
            cohort.starts,
        )
        .await
        .map_err(|err| Failure::Retry(err.to_string()))?;
    let lang = stored.submission.reply_lang();
    Ok(emails::RegistrationNews {
        withdraw_url: Some(crate::withdrawal::link(
            &delivery.config().public_origin,
            lang,
            &token,
        )),
        promotion,
        withdrawn: false,
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

/// How often the local loop looks for due notifications unwoken, and deletes expired
/// submissions.
#[derive(Debug, Clone, Copy)]
pub struct Intervals {
    pub poll: Duration,
    pub purge_every: Duration,
}

impl Default for Intervals {
    fn default() -> Intervals {
        Intervals {
            poll: POLL,
            purge_every: PURGE_EVERY,
        }
    }
}

/// Runs forever: sends what is due whenever woken (after each stored submission) or every
/// [`POLL`], gives free places to the people waiting every [`POLL`]
/// ([`fill_waiting_lists`]), and purges expired submissions every [`PURGE_EVERY`].
pub fn spawn(delivery: Delivery) -> tokio::task::JoinHandle<()> {
    spawn_with(delivery, Intervals::default())
}

/// [`spawn`] with other intervals (tests).
///
/// Purging and filling keep their own clocks, apart from the wakes: a purge set off by the wake a submission
/// sends would log "expired submissions deleted" at the moment anonymous feedback arrives. For
/// the same reason this loop writes no backlog line (the Lambda's scheduled sweep and `handler
/// notify` do), and a wake for feedback sends nothing (its notice waits for the morning).
pub fn spawn_with(delivery: Delivery, intervals: Intervals) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut purge = tokio::time::interval(intervals.purge_every);
        purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut fill = tokio::time::interval(intervals.poll);
        fill.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if let Err(err) = drain(&delivery).await {
                tracing::error!("the notifier could not read the outbox: {err}");
            }
            tokio::select! {
                () = delivery.woken() => {}
                () = tokio::time::sleep(intervals.poll) => {}
                _ = purge.tick() => purge_expired(&delivery).await,
                _ = fill.tick() => {
                    if let Err(err) = fill_waiting_lists(&delivery, delivery.now()).await {
                        tracing::error!("filling the waiting lists' free places failed: {err}");
                    }
                }
            }
        }
    })
}

/// Deletes the submissions past retention, and those marked done whose deletion day has come
/// (crate::store::inbox), and says how many when there were some.
async fn purge_expired(delivery: &Delivery) {
    let days = i64::from(delivery.config().retention_days);
    let before = delivery.now() - SignedDuration::from_hours(24 * days);
    match delivery.store().purge(before).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "expired submissions deleted"),
        Err(err) => tracing::error!("purging expired submissions failed: {err}"),
    }
    match delivery.store().purge_done(delivery.now()).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "handled submissions deleted"),
        Err(err) => tracing::error!("purging handled submissions failed: {err}"),
    }
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
    fn a_round_at_its_worst_fits_in_the_time_left() {
        for secs in 0..=900 {
            let left = Duration::from_secs(secs);
            let n = round_size(left);
            let worst = STORE_CALL_WORST + NOTICE_WORST * n as u32 + RESERVE;
            assert!(
                n == 0 || worst <= left,
                "{secs} s: {n} notifications take {worst:?}"
            );
            assert!(n <= BATCH);
        }
        assert_eq!(NOTICE_WORST, Duration::from_secs(57));
    }

    #[test]
    fn the_lambda_timeout_leaves_room_for_progress() {
        // A fresh invocation always sends at least one notification, and a stream record.
        assert_eq!(round_size(LAMBDA_TIMEOUT), 2);
        assert!(LAMBDA_TIMEOUT >= NOTICE_WORST + RESERVE);
        // Without a deadline, a round is done before its lease ends (no double sending).
        let n = round_size_within_lease();
        assert!(n >= 1 && NOTICE_WORST * n as u32 <= LEASE.unsigned_abs());
        // The store's worst call is the SDK's operation timeout.
        assert_eq!(
            crate::aws::timeouts().operation_timeout(),
            Some(STORE_CALL_WORST)
        );
    }

    #[test]
    fn a_budget_starts_a_notification_only_if_it_fits() {
        let soon = Budget::until(Instant::now() + Duration::from_secs(30));
        assert!(!soon.fits_one());
        assert_eq!(soon.round(), 0);
        let fresh = Budget::until(Instant::now() + LAMBDA_TIMEOUT);
        assert!(fresh.fits_one());
        assert_eq!(fresh.round(), 2);
        assert!(Budget::unlimited().fits_one());
    }

    #[test]
    fn addresses_are_redacted_from_errors() {
        assert_eq!(
            redact("550 5.1.1 <sam@example.ca>: user unknown"),
            "550 5.1.1 [address] user unknown"
        );
    }
}
