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
