//! Anonymous feedback leaves no time that could point to who wrote it. In a program of small
//! groups, "the feedback came in at 20:47, two minutes after Thursday's chat ended" can name a
//! person. So nothing stored or logged about an anonymous submission is finer than its date:
//! - it is stored with the start of its day as its time, and its coordinators' notice is due
//!   at the 9 am batch of the next day, whatever the hour it came in (a notice due the same
//!   morning would tell a submission before 9 am from one after);
//! - it gets no idempotency key derived from the time (crate::idempotency);
//! - the stores keep no order of arrival beside timed records (random keys, no row ids or
//!   counters: crate::store);
//! - the router writes no log line when it arrives (crate::routes).

use crate::idempotency;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use model::forms::Submission;

/// The hour of the morning batch, in the program's time zone.
pub const BATCH_TIME: Time = Time::constant(9, 0, 0, 0);

/// What is recorded for an anonymous submission received at `received_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnonymousTimes {
    /// The start of the day it was received (local time): the date, no hour.
    pub stored_at: Timestamp,
    /// The morning batch of the next day.
    pub notify_at: Timestamp,
}

/// The times recorded for an anonymous submission received at `received_at`: functions of its
/// date in `tz` only.
pub fn times(received_at: Timestamp, tz: &TimeZone) -> AnonymousTimes {
    let day = received_at.to_zoned(tz.clone()).date();
    // Never a fallback to `received_at`: that would store the hour. A date of today and the
    // next are far inside jiff's range, and a local time in a gap moves forward, never fails.
    let stored_at = day
        .to_zoned(tz.clone())
        .expect("the start of a day in range")
        .timestamp();
    let next = day.checked_add(1.day()).expect("tomorrow is in range");
    let notify_at = next
        .to_datetime(BATCH_TIME)
        .to_zoned(tz.clone())
        .expect("9 am of a day in range")
        .timestamp();
    AnonymousTimes {
        stored_at,
        notify_at,
    }
}

/// What a submission records of the moment it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Its stored time: the real time, or the start of its day for an anonymous form.
    pub received_at: Timestamp,
    /// When its notifications are first due.
    pub notify_at: Timestamp,
    /// Its idempotency keys ([`idempotency::keys`]).
    pub idempotency_keys: Vec<String>,
}

/// The stamp of `submission`, arrived at `received_at` with the page's key `page_key`; an
/// `anonymous` form's stamp depends on its date in `tz` (and the page key) only.
pub fn stamp(
    anonymous: bool,
    submission: &Submission,
    page_key: Option<&str>,
    received_at: Timestamp,
    tz: &TimeZone,
) -> Stamp {
    let idempotency_keys = idempotency::keys(anonymous, submission, page_key, received_at);
    if anonymous {
        let times = times(received_at, tz);
        Stamp {
            received_at: times.stored_at,
            notify_at: times.notify_at,
            idempotency_keys,
        }
    } else {
        Stamp {
            received_at,
            notify_at: received_at,
            idempotency_keys,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toronto() -> TimeZone {
        TimeZone::get("America/Toronto").unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn an_evening_message_keeps_its_date_and_waits_for_the_morning() {
        // Thursday, July 10, 2025, 8:47 pm EDT.
        let t = times(at("2025-07-11T00:47:00Z"), &toronto());
        assert_eq!(t.stored_at, at("2025-07-10T04:00:00Z"), "midnight EDT");
        assert_eq!(
            t.notify_at,
            at("2025-07-11T13:00:00Z"),
            "9 am EDT the next day"
        );
    }

    #[test]
    fn an_early_message_waits_for_the_next_morning_too() {
        // 6:15 am EST in January: going out at 9 the same morning would tell it from one
        // written after 9.
        let t = times(at("2025-01-15T11:15:00Z"), &toronto());
        assert_eq!(t.stored_at, at("2025-01-15T05:00:00Z"));
        assert_eq!(t.notify_at, at("2025-01-16T14:00:00Z"));
    }

    #[test]
    fn every_hour_of_a_day_gets_the_same_times() {
        let first = times(at("2025-07-10T04:00:00Z"), &toronto());
        for minutes in (0..24 * 60).step_by(7) {
            let t = at("2025-07-10T04:00:00Z") + jiff::SignedDuration::from_mins(minutes);
            assert_eq!(times(t, &toronto()), first, "{t}");
        }
    }

    #[test]
    fn a_message_at_nine_waits_a_day() {
        let t = times(at("2025-07-10T13:00:00Z"), &toronto());
        assert_eq!(t.notify_at, at("2025-07-11T13:00:00Z"));
    }
}
