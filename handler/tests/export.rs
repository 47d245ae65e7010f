//! `handler export`: CSV with the fixed columns, the form's fields, and `--offering`.

mod support;

use axum::http::StatusCode;
use handler::export::{COLUMNS, write_csv};
use support::*;

#[tokio::test]
async fn registrations_export_as_csv_filtered_by_offering() {
    let site = TestSite::new(OPEN);
    for (session, email) in [
        ("workshop:english", "a@example.ca"),
        ("workshop:french", "b@example.ca"),
        ("chat", "c@example.ca"),
    ] {
        let mut answers = registration(session, email);
        // A spreadsheet must not run an answer as a formula.
        answers.retain(|(name, _)| name != "name");
        answers.push(("name".into(), "=HYPERLINK(\"x\")".into()));
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{session}");
    }
    let content = site.state.content();
    let form = content.form("registration").unwrap();
    let stored = site.state.store().list("registration").await.unwrap();

    let mut all = Vec::new();
    assert_eq!(
        write_csv(&mut all, form, &stored, None, &content.tz).unwrap(),
        3
    );
    let mut reader = csv::Reader::from_reader(all.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..6], COLUMNS);
    assert!(header.contains(&"email".to_string()));
    // The form's own session field is the fixed offering and session columns.
    assert_eq!(header.iter().filter(|h| *h == "session").count(), 1);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let sessions: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                &r[column("offering")],
                &r[column("session")],
                &r[column("status")],
            )
        })
        .collect();
    assert!(sessions.contains(&("workshop", "english", "registered")));
    assert!(sessions.contains(&("workshop", "french", "registered")));
    assert!(sessions.contains(&("chat", "", "interest")));
    assert!(rows.iter().all(|r| r[column("name")].starts_with('\'')));
    assert!(
        rows.iter()
            .all(|r| r[column("created")].parse::<jiff::Timestamp>().is_ok())
    );

    let mut workshop = Vec::new();
    assert_eq!(
        write_csv(&mut workshop, form, &stored, Some("workshop"), &content.tz).unwrap(),
        2
    );
    let intake = content.form("intake").unwrap();
    assert!(write_csv(Vec::new(), intake, &[], Some("workshop"), &content.tz).is_err());
}

/// The raw line of `reference` in `csv`.
fn line_of<'a>(csv: &'a str, reference: &str) -> &'a str {
    csv.lines().find(|l| l.contains(reference)).unwrap()
}

#[tokio::test]
async fn a_value_split_on_semicolons_yields_no_formula_cell() {
    // French-locale spreadsheets split CSV on `;`: every piece must stay text.
    let site = TestSite::new(OPEN);
    let mut answers = registration("workshop:english", "a@example.ca");
    answers.retain(|(name, _)| name != "name");
    answers.push(("name".into(), "a;=1+1;@SUM(A1), -2+3\t+4".into()));
    let response = site.post_form("registration", &pairs(&answers)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reference = reference_in(&location(&response));
    let content = site.state.content();
    let stored = site.state.store().list("registration").await.unwrap();
    let mut out = Vec::new();
    write_csv(
        &mut out,
        content.form("registration").unwrap(),
        &stored,
        None,
        &content.tz,
    )
    .unwrap();
    let csv = String::from_utf8(out).unwrap();
    let line = line_of(&csv, &reference);
    // Every field is quoted.
    let fields = csv::Reader::from_reader(csv.as_bytes())
        .headers()
        .unwrap()
        .len();
    assert!(line.starts_with('"') && line.ends_with('"'), "{line}");
    assert_eq!(line.matches("\",\"").count(), fields - 1, "{line}");
    // A spreadsheet that splits on `;` (or `,`, or tabs) finds no formula in any piece.
    for separator in [';', ',', '\t'] {
        for piece in line.split(separator).skip(1) {
            let piece = piece.trim_start_matches([' ', '"']);
            assert!(
                !piece.starts_with(['=', '+', '-', '@']),
                "`{piece}` after `{separator}` in {line}"
            );
        }
    }
    assert!(line.contains("a;'=1+1;'@SUM(A1)"), "{line}");
}

#[tokio::test]
async fn bidi_and_invisible_characters_are_shown_in_the_export() {
    let site = TestSite::new(OPEN);
    let mut answers = registration("workshop:english", "a@example.ca");
    answers.retain(|(name, _)| name != "name");
    answers.push((
        "name".into(),
        "Sam\u{202e}txt.exe\u{200b}\u{200d}\u{feff}".into(),
    ));
    let response = site.post_form("registration", &pairs(&answers)).await;
    let reference = reference_in(&location(&response));
    let content = site.state.content();
    let stored = site.state.store().list("registration").await.unwrap();
    let mut out = Vec::new();
    let form = content.form("registration").unwrap();
    write_csv(&mut out, form, &stored, None, &content.tz).unwrap();
    let csv = String::from_utf8(out).unwrap();
    let line = line_of(&csv, &reference);
    assert!(
        line.contains("Sam<U+202E>txt.exe<U+200B><U+200D><U+FEFF>"),
        "{line}"
    );
    assert!(!line.contains(['\u{202e}', '\u{200b}', '\u{200d}', '\u{feff}']));
}

/// The CSV has the statuses registrations move to (issue 13): withdrawn, not attending, and
/// registered for the person who got a freed place.
#[tokio::test]
async fn moved_registrations_export_with_their_new_statuses() {
    use handler::store::places::PlaceAction;
    let site = TestSite::new(OPEN);
    let mut references = Vec::new();
    for n in 0..11 {
        let mut answers = registration("workshop:english", &format!("p{n}@example.ca"));
        answers.push(("waitlist".into(), "yes".into()));
        let url = location(&site.post_form("registration", &pairs(&answers)).await);
        references.push(handler::Reference::parse(&reference_in(&url)).unwrap());
    }
    let content = site.state.content();
    let store = site.state.store();
    for (n, action) in [(0, PlaceAction::Withdraw), (1, PlaceAction::NotAttending)] {
        let stored = store.get(&references[n]).await.unwrap().unwrap();
        let at = site.state.now(&content).timestamp();
        let change =
            handler::waiting_list::change_for(&content, site.state.config(), &stored, action, at);
        store.change_place(change).await.unwrap();
    }
    let form = content.form("registration").unwrap();
    let stored = store.list("registration").await.unwrap();
    let mut out = Vec::new();
    write_csv(&mut out, form, &stored, None, &content.tz).unwrap();
    let csv = String::from_utf8(out).unwrap();
    let status_of = |n: usize| {
        let line = line_of(&csv, references[n].as_str());
        line.split(',')
            .nth(4)
            .unwrap()
            .trim_matches('"')
            .to_string()
    };
    assert_eq!(status_of(0), "withdrawn");
    assert_eq!(status_of(1), "not-attending");
    assert_eq!(
        status_of(10),
        "registered",
        "promoted from the waiting list"
    );
}
