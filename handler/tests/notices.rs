//! The coordinators' notices in the outbox, as they are sent (issue 12, "Notices and
//! retention"): by default no value a person submitted is in any of them, only the link to the
//! submission in the workspace; with `PASSERELLE_NOTICE_ANSWERS=include`, the answers are.

mod support;

use base64::Engine as _;
use model::Lang;
use support::*;

/// A message's headers and its decoded text parts (quoted-printable or base64, as lettre
/// writes them), so a value cannot hide from the check behind a transfer encoding.
fn decoded(eml: &str) -> String {
    let eml = eml.replace("\r\n", "\n");
    let mut out = String::new();
    for part in eml.split("\n--") {
        let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
        let body = body.trim_end_matches(['-', '\n']);
        let head_lower = head.to_ascii_lowercase();
        let text = if head_lower.contains("content-transfer-encoding: quoted-printable") {
            let bytes = quoted_printable::decode(body, quoted_printable::ParseMode::Robust)
                .expect("quoted-printable");
            String::from_utf8(bytes).expect("UTF-8")
        } else if head_lower.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .expect("base64");
            String::from_utf8(bytes).expect("UTF-8")
        } else {
            body.to_string()
        };
        out.push_str(head);
        out.push('\n');
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// A feedback post: the service, a rating and a written comment.
const FEEDBACK: [(&str, &str); 4] = [
    ("lang", "fr"),
    ("service", "workshop"),
    ("rating", "poor"),
    (
        "comments",
        "La deuxième partie était trop rapide, Zephyrine.",
    ),
];

/// The reference a message is about (its `X-Passerelle-Reference` header).
fn reference_of(eml: &str) -> String {
    eml.lines()
        .find_map(|l| l.strip_prefix("X-Passerelle-Reference: "))
        .expect("a reference header")
        .trim()
        .to_string()
}

/// Sends an intake, a registration and a feedback form through the router, then everything
/// due (the feedback's notice waits for the next morning). Returns, for each coordinators'
/// notice in the outbox (decoded), the values of its own stored record: each value typed, and
/// every answer as a notice with the answers would show it, in both languages.
async fn notices(site: &TestSite) -> Vec<(Vec<String>, String)> {
    // A French speaker in the English cohort: the cohort's language, which the notice names,
    // is not the person's.
    let registration = registration("workshop:english", "robin@example.ca");
    let registration: Vec<(&str, &str)> = registration
        .iter()
        .map(|(n, v)| match n.as_str() {
            "language" => (n.as_str(), "fr"),
            _ => (n.as_str(), v.as_str()),
        })
        .collect();
    let posts: [(&str, &[(&str, &str)]); 3] = [
        ("intake", &intake("fr")),
        ("registration", &registration),
        ("feedback", &FEEDBACK),
    ];
    let mut values = std::collections::HashMap::new();
    let content = site.state.content();
    for (form, answers) in posts {
        let response = site.send(form_request(form, answers)).await;
        assert_eq!(response.status(), 303, "{form}");
        let def = content.form(form).unwrap();
        let [stored] = &site.state.store().list(form).await.unwrap()[..] else {
            panic!("one {form} stored");
        };
        let mut shown: Vec<String> = answers
            .iter()
            .filter(|(name, _)| !matches!(*name, "lang" | "language" | "session"))
            .map(|(_, value)| value.to_string())
            .collect();
        // The offering and cohort chosen are the program's, named on purpose.
        let mut submission = stored.submission.clone();
        if let Some(field) = def.cohort_field() {
            submission.answers.remove(&field.name);
        }
        for lang in Lang::ALL {
            let described = def.describe(&submission, lang, &content.offerings);
            shown.extend(described.into_iter().map(|(_, value)| value));
        }
        shown.retain(|value| !value.trim().is_empty());
        values.insert(stored.reference.to_string(), shown);
    }
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(72);
    handler::delivery::notifier::drain_at(site.state.delivery(), later)
        .await
        .unwrap();
    let notices: Vec<(Vec<String>, String)> = site
        .outbox()
        .iter()
        .map(|eml| decoded(eml))
        .filter(|eml| eml.contains("X-Passerelle-Kind: coordinator"))
        .map(|eml| (values[&reference_of(&eml)].clone(), eml))
        .collect();
    assert_eq!(notices.len(), 3, "one notice per submission");
    notices
}

#[tokio::test]
async fn no_submitted_value_is_in_any_coordinators_notice_by_default() {
    let site = TestSite::new(OPEN);
    for (values, notice) in notices(&site).await {
        assert!(values.len() > 4, "{values:?}");
        for value in &values {
            assert!(!notice.contains(value.as_str()), "`{value}` in\n{notice}");
        }
        // It leads to its submission in the workspace, in both languages.
        let reference = reference_of(&notice);
        for lang in ["en", "fr"] {
            let link = format!(
                "https://peer-support.example.ca/coordination/{lang}/submissions/{reference}"
            );
            assert!(notice.contains(&link), "{link} not in\n{notice}");
        }
    }
}

#[tokio::test]
async fn with_include_the_notices_carry_the_answers_but_never_anonymous_comments() {
    let site = TestSite::with_settings(OPEN, &[("PASSERELLE_NOTICE_ANSWERS", "include")]);
    let all: Vec<String> = notices(&site).await.into_iter().map(|(_, n)| n).collect();
    let all = all.join("\n");
    for value in [
        "Sam Tester",
        "sam@example.ca",
        "613-555-0100",
        "robin@example.ca",
    ] {
        assert!(all.contains(value), "{value} not in the notices");
    }
    assert!(
        !all.contains("Zephyrine"),
        "an anonymous comment in a notice"
    );
}

#[tokio::test]
async fn a_local_server_links_to_the_address_it_is_used_at() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = build_site(dir.path(), OPEN);
    options.public_origin = Some("http://localhost:1111".into());
    let state = handler::local::state_with(&options, true, |_| None).unwrap();
    let response = tower::ServiceExt::oneshot(
        handler::router(state.clone()),
        form_request("intake", &intake("en")),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 303);
    handler::delivery::notifier::drain(state.delivery())
        .await
        .unwrap();
    let outbox = std::fs::read_dir(options.data_dir.join("outbox")).unwrap();
    let notice = outbox
        .map(|e| decoded(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
        .find(|eml| eml.contains("X-Passerelle-Kind: coordinator"))
        .expect("the coordinators' notice");
    assert!(
        notice.contains("http://localhost:1111/coordination/en/submissions/"),
        "{notice}"
    );
}
