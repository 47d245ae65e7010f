//! The emails, reviewed as snapshots (tests/snapshots/): the acknowledgement in both
//! languages (received, waiting list), and the coordinators' notices. Text and HTML parts.

mod support;

use handler::Reference;
use handler::config::NoticeAnswers;
use handler::content::Content;
use handler::delivery::emails::{self, Email, NoticeSettings};
use handler::store::{Status, StoredSubmission};
use model::forms::RawSubmission;
use support::*;

fn content() -> (tempfile::TempDir, Content) {
    let dir = tempfile::tempdir().unwrap();
    let options = build_site(dir.path(), OPEN);
    let content = Content::load(&options.root).unwrap();
    (dir, content)
}

fn stored(
    content: &Content,
    form: &str,
    answers: &[(&str, &str)],
    status: Status,
) -> StoredSubmission {
    let def = content.form(form).unwrap();
    let pairs = answers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let submission = def
        .validate(
            &RawSubmission::from_pairs(pairs),
            &content.offerings,
            &at(OPEN),
        )
        .unwrap();
    StoredSubmission {
        reference: Reference::parse("K7MW4XTA").unwrap(),
        status,
        received_at: "2025-06-02T13:15:00Z".parse().unwrap(),
        submission,
    }
}

/// The notice's settings: the answers left out (the default) or included, and the site's
/// public address.
fn notice(answers: NoticeAnswers) -> NoticeSettings<'static> {
    NoticeSettings {
        answers,
        origin: "https://peer-support.example.ca",
    }
}

fn snapshot(name: &str, email: &Email) {
    insta::assert_snapshot!(
        format!("{name}_text"),
        format!("Subject: {}\n\n{}", email.subject, email.text)
    );
    insta::assert_snapshot!(format!("{name}_html"), email.html);
}

#[test]
fn the_acknowledgement_in_english_and_french_never_repeats_the_answers() {
    let (_dir, content) = content();
    for lang in ["en", "fr"] {
        let record = stored(&content, "intake", &intake(lang), Status::Received);
        let email =
            emails::acknowledgement(&content, content.form("intake").unwrap(), &record).unwrap();
        for answer in [
            "Sam Tester",
            "613-555-0100",
            "peers my age",
            "sam@example.ca",
        ] {
            assert!(
                !email.text.contains(answer) && !email.html.contains(answer),
                "{answer}"
            );
        }
        snapshot(&format!("acknowledgement_intake_{lang}"), &email);
    }
}

#[test]
fn the_acknowledgement_of_a_waiting_list_place_says_so() {
    let (_dir, content) = content();
    let mut answers = registration("workshop:english", "robin@example.ca");
    answers.retain(|(n, _)| n != "language");
    answers.push(("language".into(), "fr".into()));
    let record = stored(
        &content,
        "registration",
        &pairs(&answers),
        Status::Waitlisted,
    );
    let email =
        emails::acknowledgement(&content, content.form("registration").unwrap(), &record).unwrap();
    assert!(email.text.contains("Vous êtes sur la liste d’attente"));
    snapshot("acknowledgement_registration_waitlisted_fr", &email);
}

#[test]
fn the_coordinators_notice_lists_the_answers_in_both_languages_when_included() {
    let (_dir, content) = content();
    let record = stored(&content, "intake", &intake("fr"), Status::Received);
    let form = content.form("intake").unwrap();
    let email = emails::coordinator_notice(&content, form, &record, notice(NoticeAnswers::Include))
        .unwrap();
    assert!(email.text.contains("Sam Tester"));
    snapshot("coordinator_intake", &email);
}

/// By default the notice carries the form, reference, status, when it came and the link to
/// the workspace, in both languages, and nothing the person wrote or chose.
#[test]
fn the_coordinators_notice_carries_no_answer_by_default_only_the_link() {
    let (_dir, content) = content();
    let record = stored(&content, "intake", &intake("fr"), Status::Received);
    let form = content.form("intake").unwrap();
    let email =
        emails::coordinator_notice(&content, form, &record, notice(NoticeAnswers::Omit)).unwrap();
    // Every answer as a notice with the answers would show it, in both languages.
    let answers: Vec<String> = [model::Lang::En, model::Lang::Fr]
        .into_iter()
        .flat_map(|lang| form.describe(&record.submission, lang, &content.offerings))
        .map(|(_, value)| value)
        .collect();
    assert!(answers.len() > 20, "{answers:?}");
    for value in &answers {
        for part in [&email.subject, &email.text, &email.html] {
            assert!(!part.contains(value.as_str()), "{value} in {part}");
        }
    }
    for lang in ["en", "fr"] {
        let link =
            format!("https://peer-support.example.ca/coordination/{lang}/submissions/K7MW4XTA");
        assert!(email.text.contains(&link), "{}", email.text);
        assert!(
            email
                .html
                .contains(&format!("<a href=\"{link}\">{link}</a>"))
        );
    }
    snapshot("coordinator_intake_default", &email);
}

/// A registration's notice names the offering and cohort (the program's, not the person's).
#[test]
fn a_registration_notice_names_its_offering_and_cohort_without_the_answers() {
    let (_dir, content) = content();
    let answers = registration("workshop:english", "robin@example.ca");
    let record = stored(
        &content,
        "registration",
        &pairs(&answers),
        Status::Registered,
    );
    let form = content.form("registration").unwrap();
    let email =
        emails::coordinator_notice(&content, form, &record, notice(NoticeAnswers::Omit)).unwrap();
    assert!(!email.text.contains("robin@example.ca"));
    snapshot("coordinator_registration_default", &email);
}

#[test]
fn the_coordinators_notice_of_feedback_leaves_the_comments_out() {
    let (_dir, content) = content();
    let record = stored(
        &content,
        "feedback",
        &[
            ("lang", "en"),
            ("service", "workshop"),
            ("rating", "poor"),
            ("comments", "The second part felt rushed."),
        ],
        Status::Received,
    );
    let form = content.form("feedback").unwrap();
    let email = emails::coordinator_notice(&content, form, &record, notice(NoticeAnswers::Include))
        .unwrap();
    assert!(!email.text.contains("rushed") && !email.html.contains("rushed"));
    snapshot("coordinator_feedback", &email);
}

#[test]
fn a_message_carries_its_reference_and_kind_and_refuses_bad_addresses() {
    let (_dir, content) = content();
    let record = stored(&content, "intake", &intake("en"), Status::Received);
    let email = Email {
        subject: "s".into(),
        text: "t".into(),
        html: "<p>h</p>".into(),
        sender_name: None,
    };
    let from = "Peer Support Program <no-reply@passerelle.localhost>"
        .parse()
        .unwrap();
    let message = emails::message(
        &email,
        &from,
        "sam@example.ca",
        None,
        &record,
        handler::store::NotificationKind::Acknowledgement,
    )
    .unwrap();
    let raw = String::from_utf8(message.formatted()).unwrap();
    assert!(raw.contains("X-Passerelle-Reference: K7MW4XTA"));
    assert!(raw.contains("X-Passerelle-Kind: acknowledgement"));
    assert!(raw.contains("Auto-Submitted: auto-generated"));
    assert!(matches!(
        emails::message(
            &email,
            &from,
            "not an address",
            None,
            &record,
            handler::store::NotificationKind::Coordinator
        ),
        Err(handler::delivery::mail::MailError::Permanent(_))
    ));
}

#[test]
fn the_coordinators_notice_shows_bidi_and_invisible_characters() {
    let (_dir, content) = content();
    let mut answers = intake("en");
    answers.retain(|(n, _)| *n != "name");
    answers.push(("name", "Sam\u{202e}txt.exe\u{200b}\u{2066}\u{feff}"));
    let record = stored(&content, "intake", &answers, Status::Received);
    let form = content.form("intake").unwrap();
    let email = emails::coordinator_notice(&content, form, &record, notice(NoticeAnswers::Include))
        .unwrap();
    for part in [&email.text, &email.html] {
        assert!(part.contains("Sam"), "{part}");
        assert!(
            !part.contains(['\u{202e}', '\u{200b}', '\u{2066}', '\u{feff}']),
            "{part}"
        );
    }
    assert!(
        email
            .text
            .contains("Sam<U+202E>txt.exe<U+200B><U+2066><U+FEFF>"),
        "{}",
        email.text
    );
    assert!(
        email.html.contains("Sam&lt;U+202E&gt;txt.exe"),
        "{}",
        email.html
    );
}

/// Words that tell what the program is about, in either language.
const REVEALING: [&str; 10] = [
    "Peer Support",
    "soutien par les pairs",
    "SMSRC",
    "CSRIS",
    "Misconduct",
    "misconduct",
    "inconduite",
    "Inconduite",
    "peer support group",
    "Programme",
];

/// Every header of `message`, decoded (`Name: value`), one per line.
fn decoded_headers(message: &lettre::Message) -> String {
    let headers = message.headers();
    headers
        .to_string()
        .lines()
        .filter(|line| !line.starts_with([' ', '\t']))
        .filter_map(|line| line.split_once(':').map(|(name, _)| name))
        .map(|name| format!("{name}: {}", headers.get_raw(name).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_discreet_acknowledgement_names_the_program_nowhere_in_its_headers_or_first_line() {
    let (_dir, content) = content();
    assert!(content.site.discretion.acknowledgements, "on by default");
    let from = handler::config::default_from(&content.site);
    let reply_to = content.site.program.email.parse().unwrap();
    for (lang, form, answers, status) in [
        ("en", "intake", owned(&intake("en")), Status::Received),
        ("fr", "intake", owned(&intake("fr")), Status::Received),
        (
            "fr",
            "registration",
            french(registration("workshop:english", "robin@example.ca")),
            Status::Registered,
        ),
    ] {
        let record = stored(&content, form, &pairs(&answers), status);
        let email =
            emails::acknowledgement(&content, content.form(form).unwrap(), &record).unwrap();
        let message = emails::message(
            &email,
            &from,
            "sam@example.ca",
            Some(&reply_to),
            &record,
            handler::store::NotificationKind::Acknowledgement,
        )
        .unwrap();
        let headers = decoded_headers(&message);
        let first_line = email.text.lines().next().unwrap();
        let html_start = email.html.split("</h1>").next().unwrap();
        // The Reply-To is the program's own mailbox (the person chose to write to it).
        let shown: Vec<&str> = headers
            .lines()
            .filter(|l| !l.starts_with("Reply-To:"))
            .collect();
        for word in REVEALING {
            assert!(
                !shown.iter().any(|l| l.contains(word)),
                "{lang} {form}: `{word}` in {headers}"
            );
            assert!(!first_line.contains(word), "{lang} {form}: {first_line}");
            assert!(!html_start.contains(word), "{lang} {form}: {html_start}");
        }
        let name = if lang == "en" {
            "Online services"
        } else {
            "Services en ligne"
        };
        assert!(
            headers.contains(&format!("From: {name} <no-reply@passerelle.localhost>")),
            "{headers}"
        );
        insta::assert_snapshot!(
            format!("acknowledgement_discreet_{form}_{lang}"),
            format!(
                "{}\n\n{}\n\n{}",
                shown
                    .iter()
                    .filter(|l| l.starts_with("From:") || l.starts_with("Subject:"))
                    .copied()
                    .collect::<Vec<_>>()
                    .join("\n"),
                email.text,
                html_start
            )
        );
    }
}

#[test]
fn with_discretion_off_the_acknowledgement_names_the_program() {
    let (_dir, mut content) = content();
    content.site.discretion.acknowledgements = false;
    let record = stored(&content, "intake", &intake("en"), Status::Received);
    let email =
        emails::acknowledgement(&content, content.form("intake").unwrap(), &record).unwrap();
    assert_eq!(email.sender_name, None);
    assert!(
        email.subject.starts_with("Peer Support Program"),
        "{}",
        email.subject
    );
    assert!(email.text.starts_with("Request received"), "{}", email.text);
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A registration answered in French.
fn french(mut answers: Vec<(String, String)>) -> Vec<(String, String)> {
    for (name, value) in &mut answers {
        if name == "language" || name == "lang" {
            *value = "fr".into();
        }
    }
    answers
}
