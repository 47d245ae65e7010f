//! The workspace's inbox pages (issue 12): the inbox, a submission, its progress and deletion,
//! registrations, export and the activity log. Signed in through lane A's test helper; every
//! page refuses without a session, every change refuses a cross-site post or a wrong token,
//! and no answer reaches the activity log. Anonymous feedback is dated by its day only.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use handler::Reference;
use handler::auth::testing::{TestSession, signed_in};
use handler::store::auth::Activity;
use handler::store::inbox::{Handling, Progress};
use jiff::Timestamp;
use support::*;

const ALEX: &str = "alex@example.ca";
const HTML: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

fn site() -> TestSite {
    TestSite::with_settings(OPEN, &[("PASSERELLE_COORDINATORS", ALEX)])
}

/// A GET as a signed-in browser sends it (`cookie` may be `None`: signed out).
async fn get(site: &TestSite, uri: &str, cookie: Option<&str>) -> axum::response::Response {
    let mut request = Request::get(uri).header(header::ACCEPT, HTML);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    site.send(request.body(Body::empty()).unwrap()).await
}

/// A form POST from `fetch_site` (`same-origin` for the workspace's own pages).
async fn post(
    site: &TestSite,
    uri: &str,
    session: Option<&TestSession>,
    pairs: &[(&str, &str)],
    fetch_site: &str,
) -> axum::response::Response {
    let mut request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, HTML)
        .header("sec-fetch-site", fetch_site);
    if let Some(session) = session {
        request = request.header(header::COOKIE, &session.cookie);
    }
    let body = serde_urlencoded::to_string(pairs).unwrap();
    site.send(request.body(Body::from(body)).unwrap()).await
}

/// Submits an intake on the public form; its reference.
async fn submit_intake(site: &TestSite, lang: &str) -> String {
    let response = site.post_form("intake", &intake(lang)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    reference_in(&location(&response))
}

async fn page(site: &TestSite, uri: &str, session: &TestSession) -> String {
    let response = get(site, uri, Some(&session.cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "no-store",
        "{uri}"
    );
    text(response).await
}

async fn activity(site: &TestSite) -> Vec<Activity> {
    let entries = site.state.store().activity(100).await.unwrap();
    entries.into_iter().map(|e| e.action).collect()
}

/// What the intake fixture answers that only the person could know.
const ANSWERS: [&str; 4] = [
    "Sam Tester",
    "sam@example.ca",
    "613-555-0100",
    "A group of peers my age",
];

#[tokio::test]
async fn without_a_session_every_page_redirects_to_sign_in_and_every_change_gets_401() {
    let site = site();
    let reference = submit_intake(&site, "en").await;
    for lang in ["en", "fr"] {
        for path in [
            String::new(),
            "?form=intake".into(),
            format!("submissions/{reference}"),
            format!("submissions/{reference}/delete"),
            "registrations".into(),
            "export".into(),
            "export?form=intake".into(),
            "activity".into(),
        ] {
            let uri = format!("/coordination/{lang}/{path}");
            let response = get(&site, &uri, None).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{uri}");
            assert_eq!(location(&response), format!("/coordination/{lang}/sign-in"));
            let body = text(response).await;
            assert!(
                !body.contains(&reference) && !body.contains("Sam"),
                "{uri}: {body}"
            );
        }
        for (path, field) in [("progress", ("progress", "done")), ("delete", ("x", "y"))] {
            let uri = format!("/coordination/{lang}/submissions/{reference}/{path}");
            let response = post(&site, &uri, None, &[("csrf", "x"), field], "same-origin").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{uri}");
        }
    }
    let parsed = Reference::parse(&reference).unwrap();
    let kept = site.state.store().handled(&parsed).await.unwrap();
    assert_eq!(kept.unwrap().handling, Handling::New);
}

#[tokio::test]
async fn the_inbox_lists_each_forms_submissions_newest_first_with_counts_and_no_answer() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let clock = std::sync::Arc::new(std::sync::Mutex::new(
        "2025-06-02T14:00:00Z".parse::<Timestamp>().unwrap(),
    ));
    let shared = clock.clone();
    site.state.set_clock(move || *shared.lock().unwrap());
    let first = submit_intake(&site, "en").await;
    *clock.lock().unwrap() += jiff::SignedDuration::from_mins(5);
    let second = submit_intake(&site, "fr").await;

    let html = page(&site, "/coordination/en/", &session).await;
    let (at_first, at_second) = (html.find(&first).unwrap(), html.find(&second).unwrap());
    assert!(at_second < at_first, "newest first");
    assert!(html.contains("New: 2"), "{html}");
    assert!(html.contains("In progress: 0") && html.contains("Done: 0"));
    assert!(html.contains("<caption"), "tables have captions");
    assert!(html.contains(r#"<th scope="col">"#));
    assert!(
        html.contains(r#"href="/coordination/fr/""#),
        "the toggle: {html}"
    );
    for answer in ANSWERS {
        assert!(
            !html.contains(answer),
            "the inbox shows no answer: {answer}"
        );
    }
    let french = page(&site, "/coordination/fr/", &session).await;
    assert!(french.contains("Nouvelles\u{a0}: 2"), "{french}");
    assert!(french.contains(r#"<html lang="fr">"#));
    assert!(french.contains(r#"href="/coordination/en/""#));
}

#[tokio::test]
async fn the_inbox_filters_by_form_and_progress_and_explains_an_unknown_filter() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let reference = submit_intake(&site, "en").await;
    let html = page(
        &site,
        "/coordination/en/?form=intake&progress=new",
        &session,
    )
    .await;
    assert!(html.contains(&reference));
    assert!(
        !html.contains("id=\"form-feedback\""),
        "one form's section only"
    );
    let done = page(
        &site,
        "/coordination/en/?form=intake&progress=done",
        &session,
    )
    .await;
    assert!(!done.contains(&reference));
    assert!(
        done.contains("New: 1"),
        "counts are of every submission: {done}"
    );

    let response = get(&site, "/coordination/en/?form=nope", Some(&session.cookie)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = text(response).await;
    assert!(html.contains("ps-error-summary") && html.contains(r##"href="#form""##));
    assert!(html.contains("Choose a form from the list"));
    assert!(
        html.contains(r#"aria-describedby="form-error""#),
        "the message at the field"
    );
    assert!(html.contains("<title>Error:"), "{html}");
    let response = get(
        &site,
        "/coordination/fr/?progress=fini",
        Some(&session.cookie),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        text(response)
            .await
            .contains("Choisissez un suivi dans la liste")
    );
}

#[tokio::test]
async fn a_submission_shows_its_answers_contact_and_language_first_and_its_view_is_logged() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let mut answers = intake("en");
    let hidden = "Sam\u{202E}Tester";
    answers.retain(|(name, _)| *name != "name");
    answers.push(("name", hidden));
    let response = site.post_form("intake", &answers).await;
    let reference = reference_in(&location(&response));

    let uri = format!("/coordination/en/submissions/{reference}");
    let html = page(&site, &uri, &session).await;
    assert!(html.contains("Sam&lt;U+202E&gt;Tester"), "revealed: {html}");
    assert!(!html.contains('\u{202E}'));
    let contact = html.find("How to reply").unwrap();
    let name = html.find("Sam&lt;U+202E&gt;").unwrap();
    let answers_heading = html.find("<h2 class=\"ps-heading-m\">Answers").unwrap();
    let first = &html[contact..answers_heading];
    assert!(
        first.contains("By email only"),
        "contact way first: {first}"
    );
    assert!(
        first.contains("Preferred official language"),
        "language first: {first}"
    );
    assert!(answers_heading < name, "then the other answers");
    assert!(html.contains("sam@example.ca"));
    assert_eq!(
        activity(&site).await,
        [Activity::Viewed {
            reference: Reference::parse(&reference).unwrap()
        }]
    );
    let french = page(
        &site,
        &format!("/coordination/fr/submissions/{reference}"),
        &session,
    )
    .await;
    assert!(french.contains("Comment répondre"));
    assert!(
        french.contains(&format!(" :\u{a0}{reference}"))
            || french.contains(&format!("\u{a0}: {reference}"))
    );

    let missing = get(
        &site,
        "/coordination/en/submissions/AAAAAAAA",
        Some(&session.cookie),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let bad = get(
        &site,
        "/coordination/en/submissions/not-a-ref",
        Some(&session.cookie),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn marking_done_records_the_day_shows_the_deletion_day_and_is_logged() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let reference = submit_intake(&site, "en").await;
    let uri = format!("/coordination/en/submissions/{reference}/progress");
    let pairs = [("csrf", session.csrf.as_str()), ("progress", "done")];
    let response = post(&site, &uri, Some(&session), &pairs, "same-origin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("/coordination/en/submissions/{reference}?saved=true")
    );
    let parsed = Reference::parse(&reference).unwrap();
    let handled = site.state.store().handled(&parsed).await.unwrap().unwrap();
    let Handling::Done(mark) = handled.handling else {
        panic!("{:?}", handled.handling)
    };
    let today = site
        .state
        .received_now()
        .to_zoned(site.state.content().tz.clone())
        .date();
    assert_eq!(mark.on, today);
    let html = page(&site, &location(&response), &session).await;
    assert!(html.contains("Progress saved: Done."), "{html}");
    assert!(html.contains("It will be deleted on"));
    let inbox = page(&site, "/coordination/en/?progress=done", &session).await;
    assert!(inbox.contains(&reference) && inbox.contains("Done: 1"));
    assert!(activity(&site).await.contains(&Activity::StatusChanged {
        reference: parsed.clone(),
        to: "done".into()
    }));

    let none = [("csrf", session.csrf.as_str())];
    let response = post(&site, &uri, Some(&session), &none, "same-origin").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(response).await;
    assert!(html.contains("ps-error-summary") && html.contains("#progress-new"));
    assert!(html.contains(r#"id="progress-new""#));
}

#[tokio::test]
async fn a_cross_site_post_or_a_wrong_token_changes_nothing() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let reference = submit_intake(&site, "en").await;
    let parsed = Reference::parse(&reference).unwrap();
    let progress = format!("/coordination/en/submissions/{reference}/progress");
    let delete = format!("/coordination/en/submissions/{reference}/delete");
    let good = session.csrf.as_str();
    for (uri, token, fetch_site) in [
        (&progress, good, "cross-site"),
        (&progress, good, "same-site"),
        (&progress, "wrong", "same-origin"),
        (&progress, "", "same-origin"),
        (&delete, good, "cross-site"),
        (&delete, "wrong", "same-origin"),
    ] {
        let pairs = [("csrf", token), ("progress", "done")];
        let response = post(&site, uri, Some(&session), &pairs, fetch_site).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{uri} {token} {fetch_site}"
        );
    }
    let handled = site.state.store().handled(&parsed).await.unwrap();
    assert_eq!(
        handled.unwrap().handling,
        Handling::New,
        "unchanged, not deleted"
    );
    assert!(activity(&site).await.is_empty());
}

#[tokio::test]
async fn delete_asks_to_confirm_then_deletes_for_good_and_is_logged() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let reference = submit_intake(&site, "en").await;
    let uri = format!("/coordination/en/submissions/{reference}/delete");
    let confirm = page(&site, &uri, &session).await;
    assert!(confirm.contains("Delete this submission now?"));
    assert!(confirm.contains(&format!(r#"action="{uri}""#)));
    assert!(confirm.contains(&session.csrf));
    let parsed = Reference::parse(&reference).unwrap();
    assert!(
        site.state.store().get(&parsed).await.unwrap().is_some(),
        "asking deletes nothing"
    );

    let pairs = [("csrf", session.csrf.as_str())];
    let response = post(&site, &uri, Some(&session), &pairs, "same-origin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("/coordination/en/?deleted={reference}")
    );
    assert!(site.state.store().get(&parsed).await.unwrap().is_none());
    let due = site
        .state
        .store()
        .claim_due(Timestamp::now(), jiff::SignedDuration::from_mins(1), 100)
        .await
        .unwrap();
    assert!(
        due.iter().all(|n| n.reference != parsed),
        "its notices went with it"
    );
    let inbox = page(&site, &location(&response), &session).await;
    assert!(inbox.contains(&format!("Submission {reference} was deleted.")));
    let gone = get(
        &site,
        &format!("/coordination/en/submissions/{reference}"),
        Some(&session.cookie),
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(
        activity(&site)
            .await
            .contains(&Activity::Deleted { reference: parsed })
    );
}

#[tokio::test]
async fn export_downloads_the_csv_as_an_attachment_and_logs_the_row_count() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    submit_intake(&site, "en").await;
    let form = page(&site, "/coordination/fr/export", &session).await;
    assert!(form.contains("Télécharger le fichier CSV"));

    let response = get(
        &site,
        "/coordination/en/export?form=intake&offering=",
        Some(&session.cookie),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"intake-"),
        "{disposition}"
    );
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let csv = text(response).await;
    assert!(csv.starts_with("\"reference\",\"form\""));
    assert!(csv.contains("\"Sam Tester\""));
    assert!(activity(&site).await.contains(&Activity::Exported {
        form: "intake".into(),
        offering: None,
        rows: 1
    }));

    for bad in [
        "?form=nope",
        "?form=intake&offering=workshop",
        "?form=registration&offering=nope",
    ] {
        let response = get(
            &site,
            &format!("/coordination/en/export{bad}"),
            Some(&session.cookie),
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(text(response).await.contains("ps-error-summary"), "{bad}");
    }
}

#[tokio::test]
async fn registrations_show_each_cohort_with_its_people_in_order_and_places_left() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let mut references = Vec::new();
    for n in 0..2 {
        let answers = registration("workshop:english", &format!("person{n}@example.ca"));
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        references.push(reference_in(&location(&response)));
    }
    let html = page(&site, "/coordination/en/registrations", &session).await;
    assert!(html.contains("Places left: 8 of 10"), "{html}");
    assert!(html.contains("english (in English)"));
    let (a, b) = (
        html.find(&references[0]).unwrap(),
        html.find(&references[1]).unwrap(),
    );
    assert!(a < b, "in order of arrival");
    assert!(html.contains("Places left: 10 of 10"), "the French cohort");
    assert!(!html.contains("person0@example.ca"), "references only");
    let french = page(&site, "/coordination/fr/registrations", &session).await;
    assert!(french.contains("Places restantes\u{a0}: 8 sur 10"));
}

#[tokio::test]
async fn the_activity_log_shows_each_step_newest_first_and_never_an_answer() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let reference = submit_intake(&site, "en").await;
    page(
        &site,
        &format!("/coordination/en/submissions/{reference}"),
        &session,
    )
    .await;
    let progress = format!("/coordination/en/submissions/{reference}/progress");
    let pairs = [("csrf", session.csrf.as_str()), ("progress", "in-progress")];
    post(&site, &progress, Some(&session), &pairs, "same-origin").await;
    get(
        &site,
        "/coordination/en/export?form=intake",
        Some(&session.cookie),
    )
    .await;
    let delete = format!("/coordination/en/submissions/{reference}/delete");
    post(
        &site,
        &delete,
        Some(&session),
        &[("csrf", &session.csrf)],
        "same-origin",
    )
    .await;

    let html = page(&site, "/coordination/en/activity", &session).await;
    let steps = [
        format!("Deleted submission {reference}"),
        "Exported “Request to join a peer support group”: 1 row".to_string(),
        format!("Marked submission {reference} as In progress"),
        format!("Viewed submission {reference}"),
    ];
    let at: Vec<usize> = steps
        .iter()
        .map(|s| {
            html.find(s.as_str())
                .unwrap_or_else(|| panic!("{s}: {html}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "newest first");
    assert!(html.contains(ALEX));
    for answer in ANSWERS {
        assert!(!html.contains(answer), "{answer}");
    }
    let stored = format!("{:?}", site.state.store().activity(100).await.unwrap());
    for answer in ANSWERS {
        assert!(!stored.contains(answer), "{answer} in {stored}");
    }
    let french = page(&site, "/coordination/fr/activity", &session).await;
    assert!(french.contains(&format!("A supprimé la soumission {reference}")));
}

#[tokio::test]
async fn anonymous_feedback_is_dated_by_its_day_only_in_every_listing() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    // 8:47 pm in Toronto.
    let evening: Timestamp = "2025-06-03T00:47:00Z".parse().unwrap();
    site.state.set_clock(move || evening);
    let feedback = [("lang", "en"), ("service", "chat"), ("rating", "very-good")];
    assert_eq!(
        site.post_form("feedback", &feedback).await.status(),
        StatusCode::SEE_OTHER
    );
    let summary = site.state.store().inbox("feedback", None).await.unwrap();
    let reference = summary.summaries[0].reference.to_string();

    let inbox = page(&site, "/coordination/en/?form=feedback", &session).await;
    assert!(inbox.contains(r#"datetime="2025-06-02""#), "{inbox}");
    let uri = format!("/coordination/en/submissions/{reference}");
    let shown = page(&site, &uri, &session).await;
    assert!(shown.contains(r#"datetime="2025-06-02""#));
    let progress = format!("{uri}/progress");
    let pairs = [("csrf", session.csrf.as_str()), ("progress", "done")];
    post(&site, &progress, Some(&session), &pairs, "same-origin").await;
    let log = page(&site, "/coordination/en/activity", &session).await;
    for html in [&inbox, &shown, &log] {
        for time in [" pm", " am ", ":47", "h 47", "T00:", "T20:"] {
            assert!(!html.contains(time), "{time} in {html}");
        }
    }
    let entries = site.state.store().activity(10).await.unwrap();
    let start_of_day: Timestamp = "2025-06-02T04:00:00Z".parse().unwrap();
    assert!(entries.iter().all(|e| e.at == start_of_day), "{entries:?}");
    let parsed = Reference::parse(&reference).unwrap();
    let handled = site.state.store().handled(&parsed).await.unwrap().unwrap();
    assert_eq!(handled.handling.progress(), Progress::Done);
}

#[tokio::test]
async fn a_submission_never_handled_is_flagged_fourteen_days_before_its_retention_ends() {
    let site = site();
    let received: Timestamp = "2025-06-02T14:00:00Z".parse().unwrap();
    let clock = std::sync::Arc::new(std::sync::Mutex::new(received));
    let shared = clock.clone();
    site.state.set_clock(move || *shared.lock().unwrap());
    let reference = submit_intake(&site, "en").await;
    let days = |n: i64| received + jiff::SignedDuration::from_hours(24 * n);

    *clock.lock().unwrap() = days(75);
    let session = signed_in(&site.state, ALEX).await;
    let html = page(&site, "/coordination/en/", &session).await;
    assert!(
        html.contains(&reference) && !html.contains("Deleted soon"),
        "{html}"
    );

    *clock.lock().unwrap() = days(77);
    let session = signed_in(&site.state, ALEX).await;
    let html = page(&site, "/coordination/en/", &session).await;
    assert!(html.contains("Deleted soon"), "{html}");
    assert!(html.contains("Not done: it will be deleted on Sunday, August 31, 2025."));
    let shown = page(
        &site,
        &format!("/coordination/en/submissions/{reference}"),
        &session,
    )
    .await;
    assert!(shown.contains("Deleted soon"));
    let french = page(&site, "/coordination/fr/", &session).await;
    assert!(french.contains("Bientôt supprimée"), "{french}");
    assert!(
        french.contains("elle sera supprimée le dimanche 31 août 2025."),
        "one « le », from the date: {french}"
    );

    let progress = format!("/coordination/en/submissions/{reference}/progress");
    let pairs = [("csrf", session.csrf.as_str()), ("progress", "done")];
    post(&site, &progress, Some(&session), &pairs, "same-origin").await;
    let html = page(&site, "/coordination/en/", &session).await;
    assert!(
        !html.contains("Deleted soon"),
        "done: no flag, its own deletion day"
    );
    assert!(
        html.contains("It will be deleted on Sunday, August 31, 2025."),
        "marked done late: its retention from arrival still ends first: {html}"
    );
}

#[tokio::test]
async fn people_who_joined_a_closed_cohorts_waiting_list_are_on_it_in_order() {
    let site = TestSite::with_settings(CLOSED, &[("PASSERELLE_COORDINATORS", ALEX)]);
    let session = signed_in(&site.state, ALEX).await;
    let mut references = Vec::new();
    for n in 0..2 {
        let mut answers = registration("workshop:english", &format!("late{n}@example.ca"));
        answers.push(("waitlist".into(), "yes".into()));
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        references.push(reference_in(&location(&response)));
    }
    let html = page(&site, "/coordination/en/registrations", &session).await;
    assert!(
        html.contains("english (in English): waiting list (2)"),
        "{html}"
    );
    assert!(html.contains("Places left: 10 of 10"));
    let (a, b) = (
        html.find(&references[0]).unwrap(),
        html.find(&references[1]).unwrap(),
    );
    assert!(a < b, "in order of arrival");
}

#[tokio::test]
async fn the_activity_log_names_whom_a_coordinator_invited_or_removed() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    for action in [
        Activity::Invited {
            email: "robin@example.ca".into(),
        },
        Activity::Removed {
            email: "sam@example.ca".into(),
        },
    ] {
        let entry = handler::store::auth::ActivityEntry {
            at: site.state.received_now(),
            actor: ALEX.into(),
            date_only: false,
            action,
        };
        site.state.store().log_activity(entry).await.unwrap();
    }
    let html = page(&site, "/coordination/en/activity", &session).await;
    assert!(html.contains("Invited robin@example.ca"), "{html}");
    assert!(html.contains("Removed sam@example.ca"));
    let french = page(&site, "/coordination/fr/activity", &session).await;
    assert!(french.contains("A invité robin@example.ca"));
}

#[tokio::test]
async fn deleting_a_registration_gives_its_place_to_the_first_person_waiting() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let mut references = Vec::new();
    for n in 0..12 {
        let mut answers = registration("workshop:english", &format!("p{n}@example.ca"));
        answers.push(("waitlist".into(), "yes".into()));
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        references.push(Reference::parse(&reference_in(&location(&response))).unwrap());
    }
    let status = |r: Reference| {
        let store = site.state.clone();
        async move { store.store().get(&r).await.unwrap().map(|s| s.status) }
    };
    assert_eq!(
        status(references[10].clone()).await,
        Some(handler::store::Status::Waitlisted)
    );
    let uri = format!("/coordination/en/submissions/{}/delete", references[0]);
    let pairs = [("csrf", session.csrf.as_str())];
    let response = post(&site, &uri, Some(&session), &pairs, "same-origin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(status(references[0].clone()).await, None, "deleted");
    assert_eq!(
        status(references[10].clone()).await,
        Some(handler::store::Status::Registered),
        "the first person waiting got the place"
    );
    assert_eq!(
        status(references[11].clone()).await,
        Some(handler::store::Status::Waitlisted)
    );
    let html = page(&site, "/coordination/en/registrations", &session).await;
    assert!(html.contains("Places left: 0 of 10"), "{html}");
    assert!(html.contains("english (in English): waiting list (1)"));
}

#[tokio::test]
async fn a_changed_address_still_shows_the_page() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let reference = submit_intake(&site, "en").await;
    let html = page(
        &site,
        &format!("/coordination/en/submissions/{reference}?saved=yes"),
        &session,
    )
    .await;
    assert!(!html.contains("Progress saved"));
    page(
        &site,
        "/coordination/en/?form=&progress=&deleted=nonsense",
        &session,
    )
    .await;
}

#[tokio::test]
async fn a_registration_marked_done_before_its_cohort_is_over_stays_until_30_days_after_it() {
    let site = site();
    let marked: Timestamp = "2025-06-01T16:00:00Z".parse().unwrap();
    site.state.set_clock(move || marked);
    let session = signed_in(&site.state, ALEX).await;
    let answers = registration("workshop:english", "person@example.ca");
    let response = site.post_form("registration", &pairs(&answers)).await;
    let reference = reference_in(&location(&response));
    let uri = format!("/coordination/en/submissions/{reference}/progress");
    let done = [("csrf", session.csrf.as_str()), ("progress", "done")];
    let response = post(&site, &uri, Some(&session), &done, "same-origin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let parsed = Reference::parse(&reference).unwrap();
    let store = site.state.store();
    let Handling::Done(mark) = store.handled(&parsed).await.unwrap().unwrap().handling else {
        panic!("not done")
    };
    // The english cohort's last session ends on July 24, 2025 (Toronto): 30 days from then.
    assert_eq!(mark.delete_at, "2025-08-23T04:00:00Z".parse().unwrap());
    let a_month_later = marked + jiff::SignedDuration::from_hours(24 * 31);
    assert_eq!(store.purge_done(a_month_later).await.unwrap(), 0);
    let html = page(&site, "/coordination/en/registrations", &session).await;
    assert!(html.contains(&reference), "still on the roster: {html}");
    assert!(
        html.contains("Places left: 9 of 10"),
        "its place still taken"
    );
    assert_eq!(store.purge_done(mark.delete_at).await.unwrap(), 1);
}

#[tokio::test]
async fn workspace_pages_load_the_workspace_stylesheet_and_public_pages_do_not() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let link = format!(r#"<link rel="stylesheet" href="{WORKSPACE_CSS}">"#);
    for uri in ["/coordination/en/", "/coordination/fr/activity"] {
        assert!(page(&site, uri, &session).await.contains(&link), "{uri}");
    }
    let sign_in = text(get(&site, "/coordination/en/sign-in", None).await).await;
    assert!(sign_in.contains(&link), "signed out too");
    // A public page the handler draws: the form with its errors.
    let public = text(site.post_form("intake", &[]).await).await;
    assert!(public.contains("ps-error-summary"), "{public}");
    assert!(!public.contains("workspace."), "{public}");
}

#[tokio::test]
async fn a_malformed_address_gets_the_workspaces_page_in_its_language_not_plain_text() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    for (uri, words) in [
        (
            "/coordination/en/?form=intake&form=feedback",
            "This address does not work",
        ),
        (
            "/coordination/fr/export?form=intake&form=feedback",
            "Cette adresse ne fonctionne pas",
        ),
        (
            "/coordination/en/submissions/K7MW4XTA?saved=true&saved=no",
            "This address does not work",
        ),
    ] {
        let response = get(&site, uri, Some(&session.cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        let kind = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(kind.starts_with("text/html"), "{uri}: {kind}");
        let html = text(response).await;
        assert!(html.contains(words), "{uri}: {html}");
        assert!(
            html.contains("ps-workspace-nav") || html.contains("workspace"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn an_entry_logged_at_midnight_keeps_its_time_unless_marked_date_only() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let midnight = jiff::civil::date(2025, 6, 2)
        .to_zoned(site.state.content().tz.clone())
        .unwrap()
        .timestamp();
    let entry = handler::store::auth::ActivityEntry {
        at: midnight,
        actor: ALEX.into(),
        date_only: false,
        action: Activity::Viewed {
            reference: Reference::parse("K7MW4XTA").unwrap(),
        },
    };
    site.state.store().log_activity(entry).await.unwrap();
    let html = page(&site, "/coordination/en/activity", &session).await;
    assert!(html.contains("Monday, June 2, 2025, midnight ET"), "{html}");
}

#[tokio::test]
async fn the_activity_log_pages_to_older_entries() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let start: Timestamp = "2025-06-02T14:00:00Z".parse().unwrap();
    for n in 0..120 {
        let entry = handler::store::auth::ActivityEntry {
            at: start + jiff::SignedDuration::from_mins(n),
            actor: format!("person{n:03}@example.ca"),
            date_only: false,
            action: Activity::SignedIn,
        };
        site.state.store().log_activity(entry).await.unwrap();
    }
    let first = page(&site, "/coordination/en/activity", &session).await;
    assert!(first.contains("person119@example.ca") && !first.contains("person000@"));
    let older = first
        .split(r#"href="/coordination/en/activity?older="#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a link to older entries: {first}"));
    let second = page(
        &site,
        &format!("/coordination/en/activity?older={older}"),
        &session,
    )
    .await;
    assert!(second.contains("person000@example.ca"), "{second}");
    assert!(!second.contains("person119@example.ca"));
    assert!(second.contains("Newest entries"));
    assert!(!second.contains("Older entries"), "nothing older");
    let french = page(
        &site,
        &format!("/coordination/fr/activity?older={older}"),
        &session,
    )
    .await;
    assert!(french.contains("Entrées les plus récentes"), "{french}");
}
