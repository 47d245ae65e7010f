//! Anonymous feedback leaves no time that could point to who wrote it. In a program of small
//! groups, "the feedback came in at 20:47, two minutes after Thursday's chat ended" can name a
//! person. So an anonymous submission is stored with its date only, and the coordinators'
//! notice goes out in the next morning batch, with the notices of everyone else who wrote.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The hour of the morning batch, in the program's time zone.
pub const BATCH_TIME: Time = Time::constant(9, 0, 0, 0);

/// What is recorded for an anonymous submission received at `received_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnonymousTimes {
    /// The start of the day it was received (local time): the date, no hour.
    pub stored_at: Timestamp,
    /// The next morning batch after it was received.
    pub notify_at: Timestamp,
}

pub fn times(received_at: Timestamp, tz: &TimeZone) -> AnonymousTimes {
    let local = received_at.to_zoned(tz.clone());
    let day = local.date();
    let stored_at = day
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(received_at);
    let batch = |date: jiff::civil::Date| {
        date.to_datetime(BATCH_TIME)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(received_at)
    };
    let today = batch(day);
    let notify_at = if today > received_at {
        today
    } else {
        day.checked_add(1.day()).map(batch).unwrap_or(today)
    };
    AnonymousTimes {
        stored_at,
        notify_at,
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
    fn an_early_message_goes_out_the_same_morning() {
        // 6:15 am EST in January.
        let t = times(at("2025-01-15T11:15:00Z"), &toronto());
        assert_eq!(t.stored_at, at("2025-01-15T05:00:00Z"));
        assert_eq!(t.notify_at, at("2025-01-15T14:00:00Z"));
    }

    #[test]
    fn a_message_at_nine_waits_a_day() {
        let t = times(at("2025-07-10T13:00:00Z"), &toronto());
        assert_eq!(t.notify_at, at("2025-07-11T13:00:00Z"));
    }
}
