//! Dates and times as the Canada.ca Content Style Guide writes them, in each official language.
//!
//! English: "Thursday, July 10, 2025, 5 pm to 6:30 pm ET".
//! French: "le jeudi 10 juillet 2025, de 17 h à 18 h 30 (HE)".
//! The zone label is either generic (ET / HE, right in every season) or specific and computed
//! from the time zone database for the instant (EDT in July, EST in January; HAE / HNE), so a
//! July session is never labelled "EST".

use crate::lang::Lang;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::{Deserialize, Serialize};

/// How the time zone is named after a time: the house style, set once in `site.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZoneLabel {
    /// "ET" / "HE": true all year.
    #[default]
    Generic,
    /// "EDT" or "EST" / "HAE" or "HNE", from the tz database for the instant.
    Specific,
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

fn month_name(date: Date, lang: Lang) -> &'static str {
    let index = usize::try_from(date.month() - 1).expect("month is 1..=12");
    match lang {
        Lang::En => MONTHS_EN[index],
        Lang::Fr => MONTHS_FR[index],
    }
}

fn weekday_name(date: Date, lang: Lang) -> &'static str {
    let index = usize::try_from(date.weekday().to_monday_zero_offset()).expect("0..=6");
    match lang {
        Lang::En => WEEKDAYS_EN[index],
        Lang::Fr => WEEKDAYS_FR[index],
    }
}

/// "July 10, 2025" / "10 juillet 2025" ("1er juillet 2025" on the first).
pub fn format_date(date: Date, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} {}, {}", month_name(date, lang), date.day(), date.year()),
        Lang::Fr => {
            let day = if date.day() == 1 {
                "1er".to_string()
            } else {
                date.day().to_string()
            };
            format!("{day} {} {}", month_name(date, lang), date.year())
        }
    }
}

/// "Thursday, July 10, 2025" / "le jeudi 10 juillet 2025".
pub fn format_date_with_weekday(date: Date, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{}, {}", weekday_name(date, lang), format_date(date, lang)),
        Lang::Fr => format!(
            "le {} {}",
            weekday_name(date, lang),
            format_date(date, lang)
        ),
    }
}

/// "5 pm", "6:30 pm", "noon", "midnight" / "17 h", "18 h 30", "0 h".
pub fn format_time(time: Time, lang: Lang) -> String {
    let (hour, minute) = (time.hour(), time.minute());
    match lang {
        Lang::En => match (hour, minute) {
            (12, 0) => "noon".to_string(),
            (0, 0) => "midnight".to_string(),
            _ => {
                let suffix = if hour < 12 { "am" } else { "pm" };
                let hour12 = match hour % 12 {
                    0 => 12,
                    h => h,
                };
                if minute == 0 {
                    format!("{hour12} {suffix}")
                } else {
                    format!("{hour12}:{minute:02} {suffix}")
                }
            }
        },
        Lang::Fr => {
            if minute == 0 {
                format!("{hour} h")
            } else {
                format!("{hour} h {minute:02}")
            }
        }
    }
}

/// The zone's name after a time: "ET" / "HE", or "EDT"/"EST" / "HAE"/"HNE" for the instant.
pub fn zone_label(at: &Zoned, lang: Lang, style: ZoneLabel) -> String {
    let abbreviation = at
        .time_zone()
        .to_offset_info(at.timestamp())
        .abbreviation()
        .to_string();
    let eastern = matches!(abbreviation.as_str(), "EDT" | "EST");
    match (style, lang, eastern) {
        (ZoneLabel::Generic, Lang::En, true) => "ET".to_string(),
        (ZoneLabel::Generic, Lang::Fr, true) => "HE".to_string(),
        (ZoneLabel::Specific, Lang::Fr, true) => {
            if abbreviation == "EDT" { "HAE" } else { "HNE" }.to_string()
        }
        // Outside Eastern time, the tz database's own abbreviation is the honest label.
        _ => abbreviation,
    }
}

/// A session's date and times in one phrase:
/// "Thursday, July 10, 2025, 5 pm to 6:30 pm ET" /
/// "le jeudi 10 juillet 2025, de 17 h à 18 h 30 (HE)".
/// A session that ends on another day names both days.
pub fn format_session(start: &Zoned, end: &Zoned, lang: Lang, style: ZoneLabel) -> String {
    let zone = zone_label(start, lang, style);
    let (start_date, end_date) = (start.date(), end.date());
    let (start_time, end_time) = (
        format_time(start.time(), lang),
        format_time(end.time(), lang),
    );
    let same_day = start_date == end_date;
    match (lang, same_day) {
        (Lang::En, true) => format!(
            "{}, {start_time} to {end_time} {zone}",
            format_date_with_weekday(start_date, lang)
        ),
        (Lang::En, false) => format!(
            "{}, {start_time} to {}, {end_time} {zone}",
            format_date_with_weekday(start_date, lang),
            format_date_with_weekday(end_date, lang)
        ),
        (Lang::Fr, true) => format!(
            "{}, de {start_time} à {end_time} ({zone})",
            format_date_with_weekday(start_date, lang)
        ),
        (Lang::Fr, false) => format!(
            "du {} {}, {start_time} au {} {}, {end_time} ({zone})",
            weekday_name(start_date, lang),
            format_date(start_date, lang),
            weekday_name(end_date, lang),
            format_date(end_date, lang),
        ),
    }
}

/// A moment as people read it: "Monday, June 2, 2025, 8:15 am ET" /
/// "le lundi 2 juin 2025, 8 h 15 (HE)" (a received time, an activity log entry).
pub fn format_moment(at: &Zoned, lang: Lang, style: ZoneLabel) -> String {
    let date = format_date_with_weekday(at.date(), lang);
    let time = format_time(at.time(), lang);
    let zone = zone_label(at, lang, style);
    match lang {
        Lang::En => format!("{date}, {time} {zone}"),
        Lang::Fr => format!("{date}, {time} ({zone})"),
    }
}

/// A moment for machines: `2025-07-10T17:00:00-04:00`, for `<time datetime>` and sorting.
pub fn iso8601(at: &Zoned) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The `yyyy-mm-dd` form Canada.ca uses for "Date modified".
pub fn iso_date(date: Date) -> String {
    date.strftime("%Y-%m-%d").to_string()
}

/// Why an editor's date-time could not be placed on the clock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    #[error("{0} does not exist in {1}: the clocks skip that hour when daylight time begins")]
    Skipped(DateTime, String),
    #[error("{0} happens twice in {1}, when daylight time ends; pick another time")]
    Ambiguous(DateTime, String),
}

/// Places a wall-clock time in `tz`, refusing times that do not exist or happen twice.
pub fn zoned_local(datetime: DateTime, tz: &TimeZone) -> Result<Zoned, LocalTimeError> {
    let name = tz.iana_name().unwrap_or("the time zone").to_string();
    let ambiguous = tz.to_ambiguous_zoned(datetime);
    match ambiguous.offset() {
        jiff::tz::AmbiguousOffset::Unambiguous { .. } => {}
        jiff::tz::AmbiguousOffset::Gap { .. } => {
            return Err(LocalTimeError::Skipped(datetime, name));
        }
        jiff::tz::AmbiguousOffset::Fold { .. } => {
            return Err(LocalTimeError::Ambiguous(datetime, name));
        }
    }
    Ok(ambiguous
        .unambiguous()
        .expect("checked that the time is unambiguous"))
}

/// The program's time zone, from the bundled tz database (no system files needed).
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|err| format!("unknown time zone `{name}`: {err}"))
}

/// Reads a moment given on a command line (`--now`): a local date-time in `tz`
/// (`2025-06-01T12:00`), a date (its start), an RFC 3339 time with offset, or a zoned time
/// (`2025-06-01T12:00-04:00[America/Toronto]`). The result is in `tz`.
pub fn parse_moment(text: &str, tz: &TimeZone) -> Result<Zoned, String> {
    let text = text.trim();
    if let Ok(zoned) = text.parse::<Zoned>() {
        return Ok(zoned.with_time_zone(tz.clone()));
    }
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp.to_zoned(tz.clone()));
    }
    if let Ok(datetime) = text.parse::<DateTime>() {
        return zoned_local(datetime, tz).map_err(|err| err.to_string());
    }
    if let Ok(date) = text.parse::<Date>() {
        return zoned_local(date.to_datetime(Time::midnight()), tz).map_err(|err| err.to_string());
    }
    Err(format!(
        "`{text}` is not a date-time: write 2025-06-01T12:00 (in the site's time zone) or 2025-06-01"
    ))
}

/// The current instant in `tz`.
pub fn now_in(tz: &TimeZone) -> Zoned {
    Timestamp::now().to_zoned(tz.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn toronto(y: i16, m: i8, d: i8, h: i8, min: i8) -> Zoned {
        zoned_local(
            date(y, m, d).at(h, min, 0, 0),
            &time_zone("America/Toronto").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_moment_reads_with_its_day_time_and_zone_in_both_languages() {
        let at = toronto(2025, 6, 2, 8, 15);
        assert_eq!(
            format_moment(&at, Lang::En, ZoneLabel::Generic),
            "Monday, June 2, 2025, 8:15 am ET"
        );
        assert_eq!(
            format_moment(&at, Lang::Fr, ZoneLabel::Generic),
            "le lundi 2 juin 2025, 8 h 15 (HE)"
        );
    }

    #[test]
    fn english_session_in_july_is_eastern_time() {
        let (start, end) = (toronto(2025, 7, 10, 17, 0), toronto(2025, 7, 10, 18, 30));
        assert_eq!(
            format_session(&start, &end, Lang::En, ZoneLabel::Generic),
            "Thursday, July 10, 2025, 5 pm to 6:30 pm ET"
        );
    }

    #[test]
    fn french_session_in_july_is_heure_de_l_est() {
        let (start, end) = (toronto(2025, 7, 10, 17, 0), toronto(2025, 7, 10, 18, 30));
        assert_eq!(
            format_session(&start, &end, Lang::Fr, ZoneLabel::Generic),
            "le jeudi 10 juillet 2025, de 17 h à 18 h 30 (HE)"
        );
    }

    #[test]
    fn specific_labels_follow_daylight_time() {
        let july = toronto(2025, 7, 10, 17, 0);
        let january = toronto(2026, 1, 15, 17, 0);
        assert_eq!(zone_label(&july, Lang::En, ZoneLabel::Specific), "EDT");
        assert_eq!(zone_label(&july, Lang::Fr, ZoneLabel::Specific), "HAE");
        assert_eq!(zone_label(&january, Lang::En, ZoneLabel::Specific), "EST");
        assert_eq!(zone_label(&january, Lang::Fr, ZoneLabel::Specific), "HNE");
    }

    #[test]
    fn labels_switch_exactly_at_the_dst_boundaries() {
        // 2025-11-02: clocks fall back at 2 am EDT; 1:59 am is still EDT only before the fold.
        let before = toronto(2025, 11, 1, 23, 59);
        let after = toronto(2025, 11, 2, 3, 0);
        assert_eq!(zone_label(&before, Lang::En, ZoneLabel::Specific), "EDT");
        assert_eq!(zone_label(&after, Lang::En, ZoneLabel::Specific), "EST");
        // 2026-03-08: clocks spring forward at 2 am EST.
        let winter = toronto(2026, 3, 8, 1, 59);
        let spring = toronto(2026, 3, 8, 3, 0);
        assert_eq!(zone_label(&winter, Lang::Fr, ZoneLabel::Specific), "HNE");
        assert_eq!(zone_label(&spring, Lang::Fr, ZoneLabel::Specific), "HAE");
    }

    #[test]
    fn skipped_and_repeated_local_times_are_refused() {
        let tz = time_zone("America/Toronto").unwrap();
        assert!(matches!(
            zoned_local(date(2026, 3, 8).at(2, 30, 0, 0), &tz),
            Err(LocalTimeError::Skipped(..))
        ));
        assert!(matches!(
            zoned_local(date(2025, 11, 2).at(1, 30, 0, 0), &tz),
            Err(LocalTimeError::Ambiguous(..))
        ));
    }

    #[test]
    fn times_follow_each_language() {
        assert_eq!(format_time(time(12, 0, 0, 0), Lang::En), "noon");
        assert_eq!(format_time(time(0, 0, 0, 0), Lang::En), "midnight");
        assert_eq!(format_time(time(9, 5, 0, 0), Lang::En), "9:05 am");
        assert_eq!(format_time(time(17, 30, 0, 0), Lang::Fr), "17 h 30");
        assert_eq!(format_time(time(9, 5, 0, 0), Lang::Fr), "9 h 05");
    }

    #[test]
    fn french_first_of_month_is_premier() {
        assert_eq!(format_date(date(2025, 7, 1), Lang::Fr), "1er juillet 2025");
        assert_eq!(
            format_date_with_weekday(date(2025, 6, 27), Lang::Fr),
            "le vendredi 27 juin 2025"
        );
        assert_eq!(
            format_date_with_weekday(date(2025, 6, 27), Lang::En),
            "Friday, June 27, 2025"
        );
    }

    #[test]
    fn sessions_crossing_midnight_name_both_days() {
        let (start, end) = (toronto(2025, 7, 10, 23, 0), toronto(2025, 7, 11, 1, 0));
        assert_eq!(
            format_session(&start, &end, Lang::En, ZoneLabel::Generic),
            "Thursday, July 10, 2025, 11 pm to Friday, July 11, 2025, 1 am ET"
        );
        assert_eq!(
            format_session(&start, &end, Lang::Fr, ZoneLabel::Generic),
            "du jeudi 10 juillet 2025, 23 h au vendredi 11 juillet 2025, 1 h (HE)"
        );
    }

    #[test]
    fn iso_forms_carry_the_offset() {
        assert_eq!(
            iso8601(&toronto(2025, 7, 10, 17, 0)),
            "2025-07-10T17:00:00-04:00"
        );
        assert_eq!(
            iso8601(&toronto(2026, 1, 15, 17, 0)),
            "2026-01-15T17:00:00-05:00"
        );
        assert_eq!(iso_date(date(2025, 7, 1)), "2025-07-01");
    }
}
