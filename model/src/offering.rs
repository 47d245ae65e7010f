//! Offerings: the program's activities and groups, with their facts and dated sessions.
//!
//! Each offering is one file, `content/offerings/<id>.toml`, holding every fact once in both
//! languages (duration, group size, hosts, commitment, requirements, sessions, deadline). Pages
//! name the offering they present (`offering = "<id>"`), and the form handler reads the same file
//! for group size and deadline, so the page and the handler cannot disagree.

use crate::datetime::{self, LocalTimeError};
use crate::diagnostic::{Diagnostic, Diagnostics, line_of_offset};
use crate::front_matter;
use crate::lang::{Lang, Localized};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{ToSpan, Zoned};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::value::Datetime as TomlDatetime;

/// An activity (workshop, chat, event) or a support group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OfferingKind {
    Activity,
    Group,
}

/// Whether people may come and go, or must attend from the first session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Commitment {
    /// Once registered, attend as many sessions as you like.
    DropIn,
    /// No one joins after the first session; attend them all.
    Closed,
}

/// What one "group" of an offering is called, for "Up to 10 participants per chat".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizeUnit {
    Group,
    Event,
    Chat,
}

/// Where an offering, or one cohort of it, stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OfferingState {
    /// Announced; no dated sessions open yet (people may register their interest).
    Upcoming,
    /// Dated sessions ahead, registration deadline not passed.
    RegistrationOpen,
    /// Deadline passed, sessions not all over.
    RegistrationClosed,
    /// Every session is over.
    Past,
}

// ---- What editors write (serde), before validation --------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffering {
    kind: OfferingKind,
    #[serde(default)]
    weight: Option<Spanned<i32>>,
    title: Localized,
    summary: Localized,
    #[serde(default)]
    duration_minutes: Option<u32>,
    #[serde(default)]
    session_count_max: Option<u32>,
    group_size: u32,
    #[serde(default)]
    size_unit: Option<SizeUnit>,
    #[serde(default)]
    hosts: Option<Localized>,
    #[serde(default)]
    topics: Option<Localized>,
    #[serde(default)]
    commitment: Option<Commitment>,
    #[serde(default)]
    requirements: Vec<Localized>,
    #[serde(default)]
    registration_opens: Option<Spanned<TomlDatetime>>,
    #[serde(default)]
    registration_deadline: Option<Spanned<TomlDatetime>>,
    #[serde(default)]
    parts: Vec<RawPart>,
    #[serde(default)]
    cohorts: Vec<RawCohort>,
    /// Read by `site check` (translation freshness), not by the program.
    #[serde(default, rename = "translation")]
    _translation: Option<crate::translation::FileRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    title: Localized,
    duration_minutes: Option<u32>,
    hosts: Option<Localized>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohort {
    id: String,
    language: Lang,
    sessions: Vec<RawSession>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    start: Spanned<TomlDatetime>,
    end: Spanned<TomlDatetime>,
}

// ---- What the rest of the program uses --------------------------------------------------

/// A validated offering. Every date is zoned; every cohort has as many sessions as parts.
#[derive(Debug, Clone, Serialize)]
pub struct Offering {
    /// The file stem: `discover-creative-coping`.
    pub id: String,
    pub kind: OfferingKind,
    /// Where forms list it among the offerings: lower first, then by id. It follows the order
    /// of the pages that present the offerings (`site check` compares the two).
    pub weight: i32,
    pub title: Localized,
    pub summary: Localized,
    pub duration_minutes: Option<u32>,
    /// "Up to N sessions" for groups.
    pub session_count_max: Option<u32>,
    /// The most people accepted per cohort (or per chat).
    pub group_size: u32,
    /// What the group size counts: per group (groups' default), event (activities' default), chat.
    pub size_unit: SizeUnit,
    /// Who hosts every session; `None` when each part names its own hosts instead.
    pub hosts: Option<Localized>,
    pub topics: Option<Localized>,
    pub commitment: Option<Commitment>,
    pub requirements: Vec<Localized>,
    pub registration_opens: Option<Zoned>,
    pub registration_deadline: Option<Zoned>,
    pub parts: Vec<Part>,
    pub cohorts: Vec<Cohort>,
    /// Where it was defined, for messages.
    #[serde(skip)]
    pub file: PathBuf,
    /// The line of `weight` in the file, when it is given (for messages).
    #[serde(skip)]
    pub weight_line: Option<usize>,
}

/// One part of a multi-part offering ("Part one: Introduction to meditative art").
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub title: Localized,
    pub duration_minutes: Option<u32>,
    pub hosts: Option<Localized>,
}

/// One run of an offering in one language: the unit people register for.
#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    /// Unique within the offering: `english`, `french-fall`.
    pub id: String,
    pub language: Lang,
    /// One session per part (or any number when the offering has no parts).
    pub sessions: Vec<Session>,
}

/// One dated meeting.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub start: Zoned,
    pub end: Zoned,
}

impl Offering {
    /// The state of the whole offering at `now`: the most hopeful of its cohorts' states.
    pub fn state(&self, now: &Zoned) -> OfferingState {
        self.cohorts
            .iter()
            .map(|c| self.cohort_state(c, now))
            .min_by_key(|s| match s {
                OfferingState::RegistrationOpen => 0,
                OfferingState::Upcoming => 1,
                OfferingState::RegistrationClosed => 2,
                OfferingState::Past => 3,
            })
            .unwrap_or(OfferingState::Upcoming)
    }

    /// The state of one cohort at `now`.
    pub fn cohort_state(&self, cohort: &Cohort, now: &Zoned) -> OfferingState {
        let last_end = cohort.sessions.iter().map(|s| &s.end).max();
        if last_end.is_some_and(|end| end <= now) {
            return OfferingState::Past;
        }
        if self.registration_deadline.as_ref().is_some_and(|d| d < now) {
            return OfferingState::RegistrationClosed;
        }
        if cohort.sessions.first().is_some_and(|s| s.start <= *now) {
            // Started without a deadline: a closed group takes no one; a drop-in still does.
            if self.commitment != Some(Commitment::DropIn) {
                return OfferingState::RegistrationClosed;
            }
        }
        if self.registration_opens.as_ref().is_some_and(|o| now < o) {
            return OfferingState::Upcoming;
        }
        OfferingState::RegistrationOpen
    }

    /// The cohort with this id.
    pub fn cohort(&self, id: &str) -> Option<&Cohort> {
        self.cohorts.iter().find(|c| c.id == id)
    }

    /// Whether the offering takes registrations of interest rather than dated places: it has
    /// no dated sessions yet (the coffee chat between seasons).
    pub fn takes_interest_only(&self) -> bool {
        self.cohorts.is_empty()
    }

    /// The duration of part `index` (or of the offering's sessions when it has no parts).
    pub fn part_duration(&self, index: usize) -> Option<u32> {
        self.parts
            .get(index)
            .and_then(|p| p.duration_minutes)
            .or(self.duration_minutes)
    }
}

/// Every offering under `content/offerings/`, in the order forms list them (by `weight`, then
/// by id), and every problem found.
pub fn load_dir(dir: &Path, tz: &TimeZone) -> (Vec<Offering>, Diagnostics) {
    let (files, mut diagnostics) = front_matter::toml_files(dir);
    let mut offerings = Vec::new();
    for (path, text) in files {
        match parse(&path, &text, tz) {
            Ok(offering) => offerings.push(offering),
            Err(found) => diagnostics.extend(found),
        }
    }
    offerings.sort_by(|a, b| (a.weight, &a.id).cmp(&(b.weight, &b.id)));
    (offerings, diagnostics)
}

/// Parses and validates one offering file. `path`'s stem is the offering's id.
pub fn parse(path: &Path, text: &str, tz: &TimeZone) -> Result<Offering, Diagnostics> {
    let raw: RawOffering = front_matter::parse(path, text, 1).map_err(|d| Diagnostics(vec![d]))?;
    let mut problems = Diagnostics::default();
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_slug(&id) {
        problems.push(
            Diagnostic::error(
                path,
                format!("the file name `{id}` cannot be an offering id"),
            )
            .with_help("use lowercase letters, digits and hyphens: coffee-chat.toml"),
        );
    }
    let mut dates = Dates {
        path,
        text,
        tz,
        problems: &mut problems,
    };
    let registration_opens = raw
        .registration_opens
        .as_ref()
        .and_then(|v| dates.zoned("registration_opens", v, false));
    let registration_deadline = raw
        .registration_deadline
        .as_ref()
        .and_then(|v| dates.zoned("registration_deadline", v, true));
    let cohorts = dated_cohorts(&raw.cohorts, &mut dates);
    facts(path, text, &raw, &mut problems);
    let mut seen_ids = std::collections::BTreeSet::new();
    for cohort in &cohorts {
        cohort_shape(path, text, &raw, cohort, &mut seen_ids, &mut problems);
        session_times(path, text, &raw, &cohort.1, &mut problems);
        deadline_before_first(
            path,
            text,
            &raw,
            cohort,
            registration_deadline.as_ref(),
            &mut problems,
        );
    }
    hosts(path, &raw, &mut problems);
    if problems.has_errors() {
        return Err(problems);
    }
    let cohorts = cohorts
        .into_iter()
        .map(|(raw, sessions)| Cohort {
            id: raw.id.clone(),
            language: raw.language,
            sessions: sessions.into_iter().map(|(_, s)| s).collect(),
        })
        .collect();
    let dates = OfferingDates {
        registration_opens,
        registration_deadline,
        cohorts,
    };
    Ok(offering(id, raw, dates, path, text))
}

/// A cohort as written, with its sessions whose dates could be read.
type DatedCohort<'a> = (&'a RawCohort, Vec<(&'a RawSession, Session)>);

/// Reads the dates of an offering file, reporting each one that is not a local date-time.
struct Dates<'a> {
    path: &'a Path,
    text: &'a str,
    tz: &'a TimeZone,
    problems: &'a mut Diagnostics,
}

impl Dates<'_> {
    /// `value` (the setting `field`) in the program's zone, or `None` once reported.
    fn zoned(
        &mut self,
        field: &str,
        value: &Spanned<TomlDatetime>,
        end_of_day: bool,
    ) -> Option<Zoned> {
        match to_zoned(value.get_ref(), self.tz, end_of_day) {
            Ok(z) => Some(z),
            Err(message) => {
                self.problems.push(
                    Diagnostic::error(self.path, format!("`{field}`: {message}"))
                        .at_line(line_of_offset(self.text, value.span().start))
                        .with_help(
                            "write a local date-time in the program's time zone, such as \
                             2025-07-10T17:00:00, or a date such as 2025-06-27",
                        ),
                );
                None
            }
        }
    }
}

/// Every cohort, with those of its sessions whose start and end could both be read.
fn dated_cohorts<'a>(raw_cohorts: &'a [RawCohort], dates: &mut Dates<'_>) -> Vec<DatedCohort<'a>> {
    let mut cohorts = Vec::new();
    for raw_cohort in raw_cohorts {
        let mut sessions = Vec::new();
        for session in &raw_cohort.sessions {
            let start = dates.zoned("start", &session.start, false);
            let end = dates.zoned("end", &session.end, false);
            if let (Some(start), Some(end)) = (start, end) {
                sessions.push((session, Session { start, end }));
            }
        }
        cohorts.push((raw_cohort, sessions));
    }
    cohorts
}

/// The facts are finished: no TODO marker left, a group size of at least one.
fn facts(path: &Path, text: &str, raw: &RawOffering, problems: &mut Diagnostics) {
    for (number, text_line) in text.lines().enumerate() {
        if text_line.contains("TODO") && !text_line.trim_start().starts_with('#') {
            problems.push(
                Diagnostic::error(path, "a TODO marker is still in the offering")
                    .at_line(number + 1)
                    .with_help("replace the TODO with the real text"),
            );
        }
    }
    if raw.group_size == 0 {
        problems.push(
            Diagnostic::error(path, "`group_size` must be at least 1")
                .with_help("write the most people accepted per group, such as group_size = 10"),
        );
    }
}

/// A cohort has its own id, and one session per part (at least one session).
fn cohort_shape(
    path: &Path,
    text: &str,
    raw: &RawOffering,
    (raw_cohort, _): &DatedCohort<'_>,
    seen_ids: &mut std::collections::BTreeSet<String>,
    problems: &mut Diagnostics,
) {
    let first_line = raw_cohort
        .sessions
        .first()
        .map(|s| line_of_offset(text, s.start.span().start))
        .unwrap_or(1);
    if !is_slug(&raw_cohort.id) || !seen_ids.insert(raw_cohort.id.clone()) {
        problems.push(
            Diagnostic::error(
                path,
                format!("cohort id `{}` is not a unique slug", raw_cohort.id),
            )
            .at_line(first_line)
            .with_help("give each cohort its own id of lowercase letters, digits and hyphens"),
        );
    }
    if !raw.parts.is_empty() && raw_cohort.sessions.len() != raw.parts.len() {
        problems.push(
            Diagnostic::error(
                path,
                format!(
                    "cohort `{}` has {} sessions but the offering has {} parts",
                    raw_cohort.id,
                    raw_cohort.sessions.len(),
                    raw.parts.len()
                ),
            )
            .at_line(first_line)
            .with_help("list one session per part, in the order of the parts"),
        );
    }
    if raw_cohort.sessions.is_empty() {
        problems.push(
            Diagnostic::error(path, format!("cohort `{}` has no sessions", raw_cohort.id))
                .with_help("add sessions = [{ start = ..., end = ... }] or remove the cohort"),
        );
    }
}

/// Each session of a cohort ends after it starts, lasts its part's duration, and comes after
/// the one before.
fn session_times(
    path: &Path,
    text: &str,
    raw: &RawOffering,
    sessions: &[(&RawSession, Session)],
    problems: &mut Diagnostics,
) {
    for (index, (raw_session, session)) in sessions.iter().enumerate() {
        let at = line_of_offset(text, raw_session.start.span().start);
        if session.end <= session.start {
            problems.push(
                Diagnostic::error(path, "a session ends before it starts")
                    .at_line(at)
                    .with_help("check the `start` and `end` times of this session"),
            );
            continue;
        }
        let expected = if raw.parts.is_empty() {
            raw.duration_minutes
        } else {
            raw.parts
                .get(index)
                .and_then(|p| p.duration_minutes)
                .or(raw.duration_minutes)
        };
        let minutes = session
            .start
            .until(&session.end)
            .ok()
            .and_then(|span| span.total(jiff::Unit::Minute).ok())
            .unwrap_or_default();
        if let Some(expected) = expected
            && (minutes - f64::from(expected)).abs() > 0.5
        {
            problems.push(
                Diagnostic::error(
                    path,
                    format!(
                        "this session lasts {minutes} minutes but its duration is {expected} minutes"
                    ),
                )
                .at_line(at)
                .with_help("fix the `end` time or the `duration_minutes` field"),
            );
        }
        if index > 0
            && let Some((_, previous)) = sessions.get(index - 1)
            && previous.start >= session.start
        {
            problems.push(
                Diagnostic::error(path, "sessions are not in date order")
                    .at_line(at)
                    .with_help("list each cohort's sessions from first to last"),
            );
        }
    }
}

/// Registration closes before a cohort's first session.
fn deadline_before_first(
    path: &Path,
    text: &str,
    raw: &RawOffering,
    (raw_cohort, sessions): &DatedCohort<'_>,
    registration_deadline: Option<&Zoned>,
    problems: &mut Diagnostics,
) {
    if let (Some(deadline), Some((_, first))) = (registration_deadline, sessions.first())
        && *deadline > first.start
    {
        let at = raw
            .registration_deadline
            .as_ref()
            .map(|d| line_of_offset(text, d.span().start))
            .unwrap_or(1);
        problems.push(
            Diagnostic::error(
                path,
                format!(
                    "the registration deadline ({}) is after the first session of cohort `{}` ({})",
                    datetime::iso8601(deadline),
                    raw_cohort.id,
                    datetime::iso8601(&first.start)
                ),
            )
            .at_line(at)
            .with_help("set `registration_deadline` to a date before the first session"),
        );
    }
}

/// Someone hosts the offering: as a whole, or each of its parts.
fn hosts(path: &Path, raw: &RawOffering, problems: &mut Diagnostics) {
    let every_part_has_hosts = !raw.parts.is_empty() && raw.parts.iter().all(|p| p.hosts.is_some());
    if raw.hosts.is_none() && !every_part_has_hosts {
        problems.push(
            Diagnostic::error(path, "the required field `hosts` is missing")
                .with_help("write hosts = { en = \"...\", fr = \"...\" }, or give each [[parts]] its own `hosts`"),
        );
    }
}

/// The dates of a checked offering, read once while checking.
struct OfferingDates {
    registration_opens: Option<Zoned>,
    registration_deadline: Option<Zoned>,
    cohorts: Vec<Cohort>,
}

/// The checked offering `raw`, in the shape the rest of the program uses.
fn offering(
    id: String,
    raw: RawOffering,
    dates: OfferingDates,
    path: &Path,
    text: &str,
) -> Offering {
    Offering {
        id,
        kind: raw.kind,
        weight: raw.weight.as_ref().map_or(0, |w| *w.get_ref()),
        weight_line: raw
            .weight
            .as_ref()
            .map(|w| line_of_offset(text, w.span().start)),
        title: raw.title,
        summary: raw.summary,
        duration_minutes: raw.duration_minutes,
        session_count_max: raw.session_count_max,
        group_size: raw.group_size,
        size_unit: raw.size_unit.unwrap_or(match raw.kind {
            OfferingKind::Group => SizeUnit::Group,
            OfferingKind::Activity => SizeUnit::Event,
        }),
        hosts: raw.hosts,
        topics: raw.topics,
        commitment: raw.commitment,
        requirements: raw.requirements,
        registration_opens: dates.registration_opens,
        registration_deadline: dates.registration_deadline,
        parts: raw
            .parts
            .into_iter()
            .map(|p| Part {
                title: p.title,
                duration_minutes: p.duration_minutes,
                hosts: p.hosts,
            })
            .collect(),
        cohorts: dates.cohorts,
        file: path.to_path_buf(),
    }
}

/// Converts a TOML date or local date-time into the program's zone. A bare date means the start
/// of that day, or its last minute when `end_of_day` (so "register by June 27" includes June 27).
pub fn to_zoned(value: &TomlDatetime, tz: &TimeZone, end_of_day: bool) -> Result<Zoned, String> {
    if value.offset.is_some() {
        return Err(format!(
            "`{value}` has a UTC offset; write the local time without one (the time zone comes from site.toml)"
        ));
    }
    let date = value.date.ok_or_else(|| format!("`{value}` has no date"))?;
    let date = Date::new(
        i16::try_from(date.year).map_err(|_| "the year is out of range".to_string())?,
        i8::try_from(date.month).map_err(|_| "the month is out of range".to_string())?,
        i8::try_from(date.day).map_err(|_| "the day is out of range".to_string())?,
    )
    .map_err(|err| format!("`{value}` is not a real date: {err}"))?;
    let time = match value.time {
        Some(t) => Time::new(
            i8::try_from(t.hour).map_err(|_| "the hour is out of range".to_string())?,
            i8::try_from(t.minute).map_err(|_| "the minute is out of range".to_string())?,
            i8::try_from(t.second.unwrap_or(0))
                .map_err(|_| "the second is out of range".to_string())?,
            0,
        )
        .map_err(|err| format!("`{value}` is not a real time: {err}"))?,
        None if end_of_day => Time::new(23, 59, 59, 0).expect("valid time"),
        None => Time::midnight(),
    };
    datetime::zoned_local(DateTime::from_parts(date, time), tz)
        .map_err(|err: LocalTimeError| err.to_string())
}

/// Lowercase ASCII letters, digits and single hyphens: safe in URLs, ids and keys.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Minutes from now until `at`, for "closes in" messages; negative when past.
pub fn minutes_until(now: &Zoned, at: &Zoned) -> i64 {
    now.until(at)
        .ok()
        .and_then(|s| s.total(jiff::Unit::Minute).ok())
        .map(|m| m as i64)
        .unwrap_or_default()
}

/// A moment `days` days before `at`, used by tests and previews.
pub fn days_before(at: &Zoned, days: i64) -> Zoned {
    at.checked_sub(days.days()).expect("in range")
}

/// The offering's title in `lang`.
pub fn title(offering: &Offering, lang: Lang) -> &str {
    offering.title.get(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATIVE_COPING: &str = r#"kind = "activity"
title = { en = "Discover Creative Coping", fr = "Découvrir l’adaptation créative" }
summary = { en = "A two-part virtual event.", fr = "Un événement virtuel en deux parties." }
group_size = 10
hosts = { en = "A member of the team", fr = "Un membre de l’équipe" }
registration_deadline = 2025-06-27

[[parts]]
title = { en = "Part one", fr = "Première partie" }
duration_minutes = 90

[[parts]]
title = { en = "Part two", fr = "Deuxième partie" }
duration_minutes = 60

[[cohorts]]
id = "english"
language = "en"
sessions = [
  { start = 2025-07-10T17:00:00, end = 2025-07-10T18:30:00 },
  { start = 2025-07-24T17:00:00, end = 2025-07-24T18:00:00 },
]
"#;

    fn tz() -> TimeZone {
        datetime::time_zone("America/Toronto").unwrap()
    }

    fn at(text: &str) -> Zoned {
        let dt: DateTime = text.parse().unwrap();
        datetime::zoned_local(dt, &tz()).unwrap()
    }

    fn parse_ok(text: &str) -> Offering {
        parse(
            Path::new("content/offerings/creative-coping.toml"),
            text,
            &tz(),
        )
        .unwrap()
    }

    fn parse_err(text: &str) -> Vec<String> {
        parse(
            Path::new("content/offerings/creative-coping.toml"),
            text,
            &tz(),
        )
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
    }

    #[test]
    fn state_follows_the_clock() {
        let offering = parse_ok(CREATIVE_COPING);
        assert_eq!(
            offering.state(&at("2025-06-01T12:00")),
            OfferingState::RegistrationOpen
        );
        // The deadline is the end of June 27.
        assert_eq!(
            offering.state(&at("2025-06-27T23:00")),
            OfferingState::RegistrationOpen
        );
        assert_eq!(
            offering.state(&at("2025-06-28T00:00")),
            OfferingState::RegistrationClosed
        );
        assert_eq!(offering.state(&at("2025-07-24T18:00")), OfferingState::Past);
        assert_eq!(offering.state(&at("2026-11-26T12:00")), OfferingState::Past);
    }

    #[test]
    fn registration_opening_later_is_upcoming() {
        let text = CREATIVE_COPING.replace(
            "registration_deadline",
            "registration_opens = 2025-06-01\nregistration_deadline",
        );
        let offering = parse_ok(&text);
        assert_eq!(
            offering.state(&at("2025-05-01T12:00")),
            OfferingState::Upcoming
        );
        assert_eq!(
            offering.state(&at("2025-06-02T12:00")),
            OfferingState::RegistrationOpen
        );
    }

    #[test]
    fn an_offering_without_dates_takes_interest() {
        let text = CREATIVE_COPING.split("[[parts]]").next().unwrap();
        let offering = parse_ok(text);
        assert!(offering.takes_interest_only());
        assert_eq!(
            offering.state(&at("2025-06-01T12:00")),
            OfferingState::Upcoming
        );
    }

    #[test]
    fn deadline_after_first_session_is_an_error_at_its_line() {
        let text = CREATIVE_COPING.replace("2025-06-27", "2025-07-11");
        let errors = parse_err(&text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "content/offerings/creative-coping.toml:6: error: the registration deadline"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn session_length_must_match_the_part() {
        let text = CREATIVE_COPING.replace("2025-07-24T18:00:00", "2025-07-24T18:30:00");
        let errors = parse_err(&text);
        assert_eq!(
            errors,
            vec![
                "content/offerings/creative-coping.toml:21: error: this session lasts 90 minutes but its duration is 60 minutes\n  help: fix the `end` time or the `duration_minutes` field"
            ]
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        let text = CREATIVE_COPING.replace("2025-07-10T17:00:00", "2025-02-30T17:00:00");
        let errors = parse_err(&text);
        assert!(errors[0].contains(":20: error:"), "{errors:?}");
    }

    #[test]
    fn typo_in_a_field_is_named_with_a_suggestion() {
        let text = CREATIVE_COPING.replace("group_size", "group_sise");
        let errors = parse_err(&text);
        assert!(
            errors[0].contains(":4: error: unknown field `group_sise`"),
            "{errors:?}"
        );
        assert!(
            errors[0].contains("did you mean `group_size`?"),
            "{errors:?}"
        );
    }

    #[test]
    fn hosts_are_required_unless_every_part_names_its_own() {
        let without = CREATIVE_COPING.replace(
            "hosts = { en = \"A member of the team\", fr = \"Un membre de l’équipe\" }\n",
            "",
        );
        let errors = parse_err(&without);
        assert!(errors[0].contains("`hosts` is missing"), "{errors:?}");
        let per_part = without.replace(
            "duration_minutes = 90\n",
            "duration_minutes = 90\nhosts = { en = \"A peer\", fr = \"Un pair\" }\n",
        );
        assert!(parse_err(&per_part)[0].contains("`hosts` is missing"));
        let every_part = per_part.replace(
            "duration_minutes = 60\n",
            "duration_minutes = 60\nhosts = { en = \"A peer and a counsellor\", fr = \"Un pair et une conseillère\" }\n",
        );
        let offering = parse_ok(&every_part);
        assert_eq!(offering.hosts, None);
        assert_eq!(
            offering.parts[1].hosts.as_ref().unwrap().en,
            "A peer and a counsellor"
        );
    }

    #[test]
    fn slugs() {
        assert!(is_slug("coffee-chat-2"));
        assert!(!is_slug("Coffee"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
    }
}
