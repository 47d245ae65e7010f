//! What the coordinators' workspace reads and changes in the store: the inbox (each form's
//! submissions, newest first, with the coordinators' progress on each), one submission, its
//! progress, deleting it now, an offering's roster per cohort, and the retention of handled
//! submissions.
//!
//! A coordinator's [`Progress`] on a submission (new, in progress, done) is apart from its
//! place [`Status`] (registered, waiting, ...): one is what the program did with the request,
//! the other what the person got.
//!
//! Retention: a submission marked done is deleted `PASSERELLE_DONE_RETENTION_DAYS` (30) after
//! the day it was marked, or after its cohort's last session for a registration marked done
//! before its cohort is over ([`DoneMark::after`]: never off a roster, nor its place freed,
//! while the cohort runs); one never marked done is deleted
//! `PASSERELLE_RETENTION_DAYS` after it arrived, and is flagged in the inbox from
//! [`FLAG_DAYS`] before that ([`flagged`]), so nothing unhandled goes without warning.
//!
//! Anonymous feedback keeps its date only (crate::anonymous): its stored time is the start of
//! its day, the day it was marked done is a date, and within a day the inbox orders by
//! reference (random), never by arrival.

use super::{BoxFuture, Status, StoreError, StoredSubmission};
use crate::reference::Reference;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// How many days before its retention ends an unhandled submission is flagged in the inbox.
pub const FLAG_DAYS: i64 = 14;

/// A coordinator's progress on a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Progress {
    /// Nobody has marked it yet.
    New,
    /// A coordinator is handling it.
    InProgress,
    /// Handled: deleted some days later ([`DoneMark`]).
    Done,
}

impl Progress {
    /// Every progress, in the inbox's order.
    pub const ALL: [Progress; 3] = [Progress::New, Progress::InProgress, Progress::Done];

    /// The name stored and used in addresses: `new`, `in-progress`, `done`.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::New => "new",
            Progress::InProgress => "in-progress",
            Progress::Done => "done",
        }
    }

    /// The inverse of [`Progress::as_str`].
    pub fn parse(text: &str) -> Option<Progress> {
        Progress::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// When a submission was marked done, and when it is to be deleted: dates only (the start of
/// a day in the program's time zone), whatever the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoneMark {
    /// The day it was marked done.
    pub on: Date,
    /// The start of the day it is deleted: `on` + the done retention.
    pub delete_at: Timestamp,
}

impl DoneMark {
    /// Marked done at `now`: deleted at the start of the day `retention_days` after `now`'s
    /// day in `tz`.
    pub fn at(now: Timestamp, tz: &TimeZone, retention_days: u32) -> DoneMark {
        DoneMark::after(now, None, tz, retention_days)
    }

    /// Marked done at `now`, for a registration whose cohort's last session ends at
    /// `cohort_ends`: its retention counts from the later of the two days, so a registration
    /// handled early stays on its roster (and keeps its place) until its cohort is over.
    pub fn after(
        now: Timestamp,
        cohort_ends: Option<Timestamp>,
        tz: &TimeZone,
        retention_days: u32,
    ) -> DoneMark {
        let on = now.to_zoned(tz.clone()).date();
        let from = cohort_ends.map_or(on, |ends| on.max(ends.to_zoned(tz.clone()).date()));
        let day = from
            .checked_add(i64::from(retention_days).days())
            .expect("a retention within jiff's range");
        // A local midnight in a gap moves forward; it never fails for a date in range.
        let delete_at = day
            .to_zoned(tz.clone())
            .expect("the start of a day in range")
            .timestamp();
        DoneMark { on, delete_at }
    }
}

/// A submission's progress, with its [`DoneMark`] when done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    New,
    InProgress,
    Done(DoneMark),
}

impl Handling {
    /// The progress alone.
    pub fn progress(&self) -> Progress {
        match self {
            Handling::New => Progress::New,
            Handling::InProgress => Progress::InProgress,
            Handling::Done(_) => Progress::Done,
        }
    }

    /// The handling a coordinator sets at `now`: `Done` gets its [`DoneMark`], counted from
    /// `cohort_ends` (a registration's cohort's last session) when that comes later.
    pub fn set(
        progress: Progress,
        now: Timestamp,
        cohort_ends: Option<Timestamp>,
        tz: &TimeZone,
        done_days: u32,
    ) -> Handling {
        match progress {
            Progress::New => Handling::New,
            Progress::InProgress => Handling::InProgress,
            Progress::Done => Handling::Done(DoneMark::after(now, cohort_ends, tz, done_days)),
        }
    }

    /// The day it was marked done, if it was.
    pub fn done(&self) -> Option<DoneMark> {
        match self {
            Handling::Done(mark) => Some(*mark),
            _ => None,
        }
    }
}

/// One line of the inbox: what a submission is, never what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionSummary {
    pub reference: Reference,
    pub form: String,
    /// Its place status (received, registered, waiting list, interest).
    pub status: Status,
    /// When it arrived (an anonymous form's: the start of its day).
    pub received_at: Timestamp,
    /// The offering and cohort of a registration.
    pub offering: Option<String>,
    pub cohort: Option<String>,
    pub handling: Handling,
}

/// How many of a form's submissions are at each progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressCounts {
    pub new: usize,
    pub in_progress: usize,
    pub done: usize,
}

impl ProgressCounts {
    /// The count of `progress`.
    pub fn get(&self, progress: Progress) -> usize {
        match progress {
            Progress::New => self.new,
            Progress::InProgress => self.in_progress,
            Progress::Done => self.done,
        }
    }

    /// Counts one more at `progress`.
    pub fn add(&mut self, progress: Progress) {
        match progress {
            Progress::New => self.new += 1,
            Progress::InProgress => self.in_progress += 1,
            Progress::Done => self.done += 1,
        }
    }

    /// Every submission of the form.
    pub fn total(&self) -> usize {
        self.new + self.in_progress + self.done
    }
}

/// One form's inbox: its counts per progress (all its submissions) and its submissions at the
/// progress asked (all when none), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormInbox {
    pub counts: ProgressCounts,
    pub summaries: Vec<SubmissionSummary>,
}

impl FormInbox {
    /// The inbox of `all` (a form's submissions, in any order): counted, filtered to
    /// `progress`, sorted newest first and, within one time, by reference. Anonymous feedback
    /// shares its day's time, so within a day it is in the order of its random references,
    /// never of arrival.
    pub fn from_summaries(mut all: Vec<SubmissionSummary>, progress: Option<Progress>) -> Self {
        let mut counts = ProgressCounts::default();
        for summary in &all {
            counts.add(summary.handling.progress());
        }
        all.retain(|s| progress.is_none_or(|p| s.handling.progress() == p));
        all.sort_by(|a, b| {
            b.received_at
                .cmp(&a.received_at)
                .then_with(|| a.reference.as_str().cmp(b.reference.as_str()))
        });
        FormInbox {
            counts,
            summaries: all,
        }
    }
}

/// A submission as the workspace opens it: what was stored, and its handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandledSubmission {
    pub stored: StoredSubmission,
    pub offering: Option<String>,
    pub cohort: Option<String>,
    pub handling: Handling,
}

/// A cohort as its places are counted: the offering, the cohort and its first session's start
/// (what the submission's place request named: crate::registration::PlaceRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortId {
    pub offering: String,
    pub cohort: String,
    pub starts: Timestamp,
}

impl CohortId {
    /// The cohort's key within its offering, `<cohort>@<first start, RFC 3339 UTC>`, as
    /// `PlaceRequest::cohort_key` (the conformance suite proves they agree).
    pub fn key(&self) -> String {
        format!("{}@{}", self.cohort, self.starts)
    }
}

/// The people of one cohort: registered, waiting, and those who withdrew or were marked not
/// attending (issue 13), each in order of arrival.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub registered: Vec<SubmissionSummary>,
    pub waiting: Vec<SubmissionSummary>,
    pub withdrawn: Vec<SubmissionSummary>,
}

impl Roster {
    /// The places left in a cohort of `group_size`.
    pub fn places_left(&self, group_size: u32) -> u32 {
        let taken = u32::try_from(self.registered.len()).unwrap_or(u32::MAX);
        group_size.saturating_sub(taken)
    }

    /// The roster of `people` (a cohort's registrations, in any order), each list in order of
    /// arrival (by reference within one time).
    pub fn from_summaries(mut people: Vec<SubmissionSummary>) -> Roster {
        people.sort_by(|a, b| {
            a.received_at
                .cmp(&b.received_at)
                .then_with(|| a.reference.as_str().cmp(b.reference.as_str()))
        });
        let with = |status: &[Status]| -> Vec<SubmissionSummary> {
            people
                .iter()
                .filter(|p| status.contains(&p.status))
                .cloned()
                .collect()
        };
        Roster {
            registered: with(&[Status::Registered]),
            waiting: with(&[Status::Waitlisted]),
            withdrawn: with(&[Status::Withdrawn, Status::NotAttending]),
        }
    }
}

/// When a submission never marked done is deleted: `retention_days` after it arrived.
pub fn retention_ends(received_at: Timestamp, retention_days: u32) -> Timestamp {
    received_at + SignedDuration::from_hours(24 * i64::from(retention_days))
}

/// Whether the inbox flags a submission received at `received_at` and handled so at `now`:
/// not done, and within [`FLAG_DAYS`] of the end of its retention (from the start when
/// retention is shorter).
pub fn flagged(
    received_at: Timestamp,
    handling: Handling,
    retention_days: u32,
    now: Timestamp,
) -> bool {
    let ends = retention_ends(received_at, retention_days);
    handling.progress() != Progress::Done
        && now >= ends - SignedDuration::from_hours(24 * FLAG_DAYS)
}

/// One page of the activity log, newest first, and where the next (older) page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityPage {
    pub entries: Vec<super::auth::ActivityEntry>,
    /// The key the next page reads after (`<at ms, 15 digits>#<id>`, the last entry's), when
    /// there are older entries.
    pub older: Option<String>,
}

/// Whether `key` has the shape of an [`ActivityPage::older`] key (a page address may be
/// changed by hand: anything else starts from the newest).
pub fn is_activity_key(key: &str) -> bool {
    key.split_once('#').is_some_and(|(at, id)| {
        at.len() == 15
            && at.bytes().all(|b| b.is_ascii_digit())
            && !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The store's operations for the coordinators' workspace (a supertrait of
/// [`super::Store`]; every backend passes [`super::conformance`]'s inbox cases).
pub trait InboxStore: Send + Sync {
    /// `form`'s inbox: counts per progress, and its submissions at `progress` (all when
    /// `None`), newest first ([`FormInbox::from_summaries`]). Never an answer.
    fn inbox<'a>(
        &'a self,
        form: &'a str,
        progress: Option<Progress>,
    ) -> BoxFuture<'a, Result<FormInbox, StoreError>>;

    /// The submission `reference`, with its handling, if still kept.
    fn handled<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<Option<HandledSubmission>, StoreError>>;

    /// Sets a submission's handling; `false` when there is no such submission. Done moves its
    /// deletion to the mark's `delete_at` (earlier than its retention only); back to new or in
    /// progress puts it back to its retention from arrival.
    fn set_handling<'a>(
        &'a self,
        reference: &'a Reference,
        handling: Handling,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Deletes a submission now, for good, with its notifications and everything else kept
    /// under its reference (its idempotency keys; its place, freed). `false` when there was
    /// no such submission.
    fn delete_now<'a>(
        &'a self,
        reference: &'a Reference,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// The registered and waiting people of `cohort`, among `form`'s submissions.
    fn roster<'a>(
        &'a self,
        form: &'a str,
        cohort: &'a CohortId,
    ) -> BoxFuture<'a, Result<Roster, StoreError>>;

    /// Up to `limit` entries of the activity log, newest first, older than the entry keyed
    /// `older_than` (an [`ActivityPage::older`]; from the newest when `None`).
    fn activity_page<'a>(
        &'a self,
        older_than: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<ActivityPage, StoreError>>;

    /// Deletes the submissions marked done whose deletion day has come at `now`, with their
    /// notifications; returns how many.
    fn purge_done(&self, now: Timestamp) -> BoxFuture<'_, Result<usize, StoreError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toronto() -> TimeZone {
        TimeZone::get("America/Toronto").unwrap()
    }

    #[test]
    fn done_keeps_the_day_and_deletes_at_the_start_of_a_later_day() {
        // 8:47 pm EDT on July 10.
        let mark = DoneMark::at("2025-07-11T00:47:00Z".parse().unwrap(), &toronto(), 30);
        assert_eq!(mark.on, jiff::civil::date(2025, 7, 10));
        assert_eq!(mark.delete_at, "2025-08-09T04:00:00Z".parse().unwrap());
    }

    #[test]
    fn a_registration_done_early_counts_its_days_from_its_cohorts_last_session() {
        let marked: Timestamp = "2025-06-01T16:00:00Z".parse().unwrap();
        // The last session ends at 6 pm EDT on July 24.
        let ends: Timestamp = "2025-07-24T22:00:00Z".parse().unwrap();
        let mark = DoneMark::after(marked, Some(ends), &toronto(), 30);
        assert_eq!(
            mark.on,
            jiff::civil::date(2025, 6, 1),
            "the day it was marked"
        );
        assert_eq!(mark.delete_at, "2025-08-23T04:00:00Z".parse().unwrap());
        let late = DoneMark::after(
            ends + SignedDuration::from_hours(24 * 5),
            Some(ends),
            &toronto(),
            30,
        );
        assert_eq!(
            late,
            DoneMark::at(ends + SignedDuration::from_hours(24 * 5), &toronto(), 30)
        );
        assert_eq!(
            Handling::set(Progress::Done, marked, Some(ends), &toronto(), 30),
            Handling::Done(mark)
        );
    }

    #[test]
    fn unhandled_submissions_are_flagged_fourteen_days_before_retention_ends() {
        let received: Timestamp = "2025-06-01T16:00:00Z".parse().unwrap();
        let day = |n: i64| received + SignedDuration::from_hours(24 * n);
        assert!(!flagged(received, Handling::New, 90, day(75)));
        assert!(flagged(received, Handling::New, 90, day(76)));
        assert!(flagged(received, Handling::InProgress, 90, day(89)));
        let done = Handling::Done(DoneMark::at(day(80), &toronto(), 30));
        assert!(!flagged(received, done, 90, day(89)), "done: its own day");
        assert!(
            flagged(received, Handling::New, 10, received),
            "short retention"
        );
    }

    #[test]
    fn progress_names_round_trip() {
        for p in Progress::ALL {
            assert_eq!(Progress::parse(p.as_str()), Some(p));
        }
        assert_eq!(Progress::parse("handled"), None);
    }
}
