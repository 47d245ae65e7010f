//! iCalendar files (RFC 5545), one per session, so people can add it to their calendar.
//! Times are written in UTC, which every calendar converts correctly without a VTIMEZONE.

use jiff::Zoned;
use jiff::tz::TimeZone;

/// One event to write.
pub struct Event<'a> {
    pub uid: String,
    pub summary: &'a str,
    /// None for a discreet event (it would name the program).
    pub description: Option<&'a str>,
    /// None for a discreet event (the page's address names the program).
    pub url: Option<&'a str>,
    pub start: &'a Zoned,
    pub end: &'a Zoned,
    pub stamp: &'a Zoned,
}

/// The whole `.ics` file for `event`, with CRLF line ends and folded long lines.
pub fn calendar(event: &Event<'_>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        // The product, never the program: the calendar may be seen by others.
        "PRODID:-//Passerelle//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", escape(&event.uid)),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SUMMARY:{}", escape(event.summary)),
    ];
    if let Some(description) = event.description {
        lines.push(format!("DESCRIPTION:{}", escape(description)));
    }
    if let Some(url) = event.url {
        lines.push(format!("URL:{url}"));
    }
    lines.push("END:VEVENT".to_string());
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

fn utc(at: &Zoned) -> String {
    at.with_time_zone(TimeZone::UTC)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// Escapes text values: backslash, semicolon, comma and newlines.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds lines longer than 75 octets, never splitting a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::datetime::{time_zone, zoned_local};

    #[test]
    fn a_july_session_is_written_in_utc_at_the_daylight_offset() {
        let tz = time_zone("America/Toronto").unwrap();
        let start = zoned_local("2025-07-10T17:00".parse().unwrap(), &tz).unwrap();
        let end = zoned_local("2025-07-10T18:30".parse().unwrap(), &tz).unwrap();
        let text = calendar(&Event {
            uid: "x-1@example.ca".into(),
            summary: "Découvrir, partie 1; introduction",
            description: Some("d"),
            url: Some("https://example.ca/fr/"),
            start: &start,
            end: &end,
            stamp: &start,
        });
        assert!(text.contains("DTSTART:20250710T210000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20250710T223000Z\r\n"), "{text}");
        assert!(
            text.contains("SUMMARY:Découvrir\\, partie 1\\; introduction\r\n"),
            "{text}"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets() {
        let folded = fold(&"é".repeat(60));
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
    }
}
