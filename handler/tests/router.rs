//! The handler as a browser meets it: posts in, pages, redirects, stored records and outbox
//! files out (tower's `oneshot`, no network).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use handler::Reference;
use handler::delivery::mail::{MailError, Mailer};
use handler::delivery::notifier;
use handler::store::{BoxFuture, Status};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use support::*;

#[tokio::test]
async fn an_intake_is_stored_confirmed_and_notified() {
    let site = TestSite::new(OPEN);
    let response = site.post_form("intake", &intake("en")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let url = location(&response);
    assert!(
        url.starts_with("/api/forms/intake/confirmation?ref=")
            && url.ends_with("&ack=1&lang=en&status=received"),
        "{url}"
    );
    let reference = Reference::parse(&reference_in(&url)).unwrap();

    // Stored before the person is told.
    let stored = site.state.store().get(&reference).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Received);
    assert_eq!(stored.submission.text("name"), Some("Sam Tester"));

    // The confirmation page: the form's page rendered from its frame, the panel in place of the
    // form and of the page's title and introduction (which no longer apply), the rest of the
    // page (its footer) kept, a new title, the same answer in French behind the toggle, the
    // 24/7 number to tap.
    let page = text(site.get(&url).await).await;
    assert!(
        page.contains("<title>Request received - Peer Support Program</title>"),
        "{page}"
    );
    assert!(page.contains("<h1 class=\"ps-panel__title\">Request received</h1>"));
    assert_eq!(page.matches("<h1").count(), 1, "{page}");
    assert!(page.contains(reference.as_str()));
    assert!(!page.contains("<p>Before the form.</p>") && page.contains("<footer"));
    assert!(page.contains(&format!("<script src=\"{FORM_JS}\" defer></script>")));
    let french = site.confirmation_url("intake", Some(reference.as_str()), "fr", "received", true);
    assert!(french.starts_with(&format!(
        "/api/forms/intake/confirmation?ref={reference}&sig="
    )));
    assert!(page.contains(&format!(
        "class=\"ps-lang-toggle__link\" href=\"{}\"",
        french.replace('&', "&amp;")
    )));
    assert!(page.contains("<a href=\"tel:+18447501648\">1-844-750-1648</a>"));
    assert!(!page.contains("the static form"));
    assert!(page.contains("within 1 to 2 business days"));
    assert!(page.contains("We have sent an acknowledgement of receipt to your email address."));

    // Nothing is sent until the notifier runs; then one email per recipient.
    assert!(site.outbox().is_empty());
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 2);
    let outbox = site.outbox();
    assert_eq!(outbox.len(), 2);
    let coordinator = outbox
        .iter()
        .find(|m| m.contains("X-Passerelle-Kind: coordinator"))
        .unwrap();
    assert!(coordinator.contains("To: coordinators@passerelle.localhost"));
    assert!(coordinator.contains(&format!("X-Passerelle-Reference: {reference}")));
    // The answers stay in the workspace; the notice links to them (handler/tests/notices.rs).
    assert!(
        !coordinator.contains("Sam Tester"),
        "no answer in the coordinators' notice"
    );
    let acknowledgement = outbox
        .iter()
        .find(|m| m.contains("X-Passerelle-Kind: acknowledgement"))
        .unwrap();
    assert!(acknowledgement.contains("To: sam@example.ca"));
    assert!(acknowledgement.contains(reference.as_str()));
    assert!(
        !acknowledgement.contains("Sam Tester") && !acknowledgement.contains("613-555-0100"),
        "the person never gets a copy of their answers"
    );
    // Sent once.
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 0);
}

/// Someone whose email may be read by others chooses the phone: the program never emails them,
/// even when they typed an address, and the confirmation promises no email.
/// Staging (`PASSERELLE_ACKNOWLEDGEMENTS=coordinators`): the person's acknowledgement goes to
/// the first coordinators' address, never to the address the person typed; the page still says
/// one was sent (staging shows what production shows).
/// In AWS every message names the stack's SES configuration set, so SES reports its
/// rejections, bounces and complaints to the alarms whoever verified the sending identity.
#[tokio::test]
async fn every_message_names_the_ses_configuration_set_when_one_is_set() {
    let site = TestSite::with_settings(
        OPEN,
        &[("PASSERELLE_SES_CONFIGURATION_SET", "passerelle-staging")],
    );
    site.post_form("intake", &intake("en")).await;
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 2);
    let outbox = site.outbox();
    assert_eq!(outbox.len(), 2);
    for message in &outbox {
        assert!(
            message.contains("X-SES-CONFIGURATION-SET: passerelle-staging"),
            "{message}"
        );
    }
    // Locally there is none, and no header.
    let local = TestSite::new(OPEN);
    local.post_form("intake", &intake("en")).await;
    notifier::drain(local.state.delivery()).await.unwrap();
    assert!(
        local
            .outbox()
            .iter()
            .all(|m| !m.contains("X-SES-CONFIGURATION-SET"))
    );
}

#[tokio::test]
async fn on_staging_the_acknowledgement_never_goes_to_the_person() {
    let site = TestSite::with_settings(
        OPEN,
        &[
            ("PASSERELLE_ACKNOWLEDGEMENTS", "coordinators"),
            (
                "PASSERELLE_COORDINATORS",
                "staging-list@example.ca, second@example.ca",
            ),
        ],
    );
    let response = site.post_form("intake", &intake("fr")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reference = reference_in(&location(&response));
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 3);
    let outbox = site.outbox();
    assert_eq!(
        outbox.len(),
        3,
        "two coordinators' notices, one acknowledgement"
    );
    for message in &outbox {
        assert!(message.contains(&format!("X-Passerelle-Reference: {reference}")));
        // (The coordinators' notices show the answers, the address among them.)
        assert!(!message.contains("To: sam@example.ca"), "{message}");
    }
    let ack = outbox
        .iter()
        .find(|m| m.contains("X-Passerelle-Kind: acknowledgement"))
        .expect("the acknowledgement, redirected");
    assert!(ack.contains("To: staging-list@example.ca"), "{ack}");

    // The same with `send`: the person gets it.
    let production = TestSite::with_settings(OPEN, &[("PASSERELLE_ACKNOWLEDGEMENTS", "send")]);
    production.post_form("intake", &intake("fr")).await;
    assert_eq!(
        notifier::drain(production.state.delivery()).await.unwrap(),
        2
    );
    assert!(
        production
            .outbox()
            .iter()
            .any(|m| m.contains("X-Passerelle-Kind: acknowledgement")
                && m.contains("To: sam@example.ca"))
    );
}

/// A mail server that refuses every message for good (a 5xx) until it is fixed.
struct FixableRelay {
    fixed: AtomicBool,
    sent: AtomicUsize,
}

impl Mailer for FixableRelay {
    fn send(&self, _message: lettre::Message) -> BoxFuture<'_, Result<(), MailError>> {
        Box::pin(async move {
            if !self.fixed.load(Ordering::SeqCst) {
                return Err(MailError::Permanent(
                    "SMTP: permanent error (554): 5.7.1 not authorized".into(),
                ));
            }
            self.sent.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

/// Notifications given up on stay listed (`handler failed`) until requeued; once the cause is
/// fixed, requeued ones are sent by the next sweep, once.
#[tokio::test]
async fn notifications_given_up_on_are_sent_once_requeued() {
    let relay = Arc::new(FixableRelay {
        fixed: AtomicBool::new(false),
        sent: AtomicUsize::new(0),
    });
    let site = TestSite::with_mailer(OPEN, relay.clone());
    let response = site.post_form("intake", &intake("en")).await;
    let reference = reference_in(&location(&response));
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 0);
    let failed = site.state.store().failed_notifications().await.unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed.iter().all(|f| f.reference.as_str() == reference
            && f.attempts == 1
            && f.reason.contains("554"))
    );
    // Still given up on: the sweep leaves them.
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 0);

    relay.fixed.store(true, Ordering::SeqCst);
    let requeued = notifier::requeue_failed(site.state.delivery(), Timestamp::now())
        .await
        .unwrap();
    assert_eq!(requeued, failed);
    assert!(
        site.state
            .store()
            .failed_notifications()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 2);
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 0);
    assert_eq!(relay.sent.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_intake_by_phone_sends_the_person_no_email() {
    let site = TestSite::new(OPEN);
    let mut with_address = intake_by_phone("en");
    with_address.push(("email", "sam@example.ca"));
    for answers in [intake_by_phone("en"), with_address] {
        let response = site.post_form("intake", &answers).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let url = location(&response);
        assert!(
            url.ends_with("&lang=en&status=received") && !url.contains("ack="),
            "{url}"
        );
        let page = text(site.get(&url).await).await;
        assert!(page.contains("Request received"), "{page}");
        assert!(page.contains(&reference_in(&url)));
        assert!(!page.contains("acknowledgement"), "{page}");
    }
    // The coordinators are told; the person gets nothing.
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 2);
    let outbox = site.outbox();
    assert_eq!(outbox.len(), 2);
    assert!(
        outbox
            .iter()
            .all(|m| m.contains("X-Passerelle-Kind: coordinator")
                && !m.contains("To: sam@example.ca")),
        "{outbox:?}"
    );
    // The JSON answer (the enhancement script) says the same.
    let answer = json(
        site.post_json("intake", as_json(&intake_by_phone("fr")))
            .await,
    )
    .await;
    assert_eq!(answer["status"], "received");
    assert_eq!(
        answer["redirect"],
        site.confirmation_url(
            "intake",
            answer["reference"].as_str(),
            "fr",
            "received",
            false
        ),
        "{answer}"
    );
}

#[tokio::test]
async fn errors_come_back_on_the_page_with_a_summary_and_the_answers_kept() {
    let site = TestSite::new(OPEN);
    let mut answers = intake("en");
    answers.retain(|(n, _)| !matches!(*n, "email" | "adult"));
    let response = site.post_form("intake", &answers).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let page = text(response).await;
    assert!(
        page.contains("<title>Error: Ask to join a group - Peer Support Program</title>"),
        "{page}"
    );
    assert!(page.contains("There is a problem"));
    // The summary links to each field, in page order: the address, needed because the person
    // chose email, then the age.
    let email = page
        .find("<a href=\"#intake-email\">Enter your email address, or choose to be contacted by phone</a>")
        .unwrap();
    let adult = page
        .find("<a href=\"#intake-adult\">Confirm that you are 18 or older</a>")
        .unwrap();
    assert!(email < adult);
    assert!(
        !page.contains("href=\"#intake-phone\""),
        "the phone is not needed"
    );
    // Each field shows its error, linked for screen readers.
    assert!(page.contains(
        "<p id=\"intake-email-error\" class=\"ps-error-message\"><span class=\"ps-visually-hidden\">Error:</span> Enter your email address, or choose to be contacted by phone</p>"
    ));
    assert!(page.contains("aria-describedby=\"intake-email-hint intake-email-error\""));
    // The answers are kept.
    assert!(page.contains("value=\"Sam Tester\""));
    assert!(page.contains("value=\"email-only\" checked"));
    assert!(page.contains("value=\"613-555-0100\""));
    assert!(page.contains("value=\"veteran\" checked"));
    assert!(page.contains(">A group of peers my age, please.</textarea>"));
    // The rest of the built page is kept, the script included.
    assert!(page.contains("<script src=\"/assets/form.0123abcd.js\" defer></script>"));
    assert!(page.contains("<p>Before the form.</p>"));
    // Nothing stored.
    assert!(site.state.store().list("intake").await.unwrap().is_empty());
}

#[tokio::test]
async fn errors_are_in_french_on_the_french_page() {
    let site = TestSite::new(OPEN);
    let mut answers = intake("fr");
    answers.retain(|(n, _)| *n != "name");
    answers.push(("email", "sam@"));
    answers.retain(|(n, v)| !(*n == "email" && *v == "sam@example.ca"));
    let response = site.post_form("intake", &answers).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(
        page.contains(
            "<title>Erreur\u{a0}: Demander à joindre un groupe - Programme de soutien par les pairs</title>"
        ),
        "{page}"
    );
    assert!(page.contains("Il y a un problème"));
    assert!(
        page.contains("<a href=\"#intake-name\">Entrez votre nom ou le nom que vous préférez</a>")
    );
    assert!(
        page.contains(
            "Entrez une adresse courriel dans le bon format, par exemple nom@exemple.com"
        )
    );
    assert!(page.contains("value=\"sam@\""));
    // Drawn again by the handler, French keeps its no-break spaces, as on the built page.
    assert!(page.contains("À quel groupe souhaitez-vous participer\u{202f}?"));
    assert!(!page.contains(" ?") && !page.contains(" :"), "{page}");
}

#[tokio::test]
async fn json_gets_json_errors_the_redrawn_form_and_a_reference() {
    let site = TestSite::new(OPEN);
    let response = site
        .post_json(
            "feedback",
            serde_json::json!({"lang": "en", "rating": "good", "idempotency_key": "page-1"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    assert_eq!(body["status"], "invalid");
    assert_eq!(body["errors"][0]["field"], "service");
    assert_eq!(body["errors"][0]["href"], "#feedback-service");
    assert_eq!(body["title_prefix"], "Error: ");
    let html = body["html"].as_str().unwrap();
    assert!(
        html.starts_with("<div class=\"ps-form-region\" data-ps-form-region=\"feedback\">"),
        "{html}"
    );
    assert!(html.contains("ps-error-summary") && html.contains("value=\"good\" checked"));

    let answers = serde_json::json!({
        "lang": "en", "service": "workshop", "rating": "good",
        "comments": "More evening sessions.", "idempotency_key": "page-1",
    });
    let first = json(site.post_json("feedback", answers.clone()).await).await;
    assert_eq!(first["status"], "received");
    // Anonymous: no reference is given back, not even in the address.
    assert_eq!(first.get("reference"), None, "{first}");
    assert_eq!(
        first["redirect"],
        site.confirmation_url("feedback", None, "en", "received", false)
    );
    // The script's double submit (same page key, same answers): stored once.
    let again = json(site.post_json("feedback", answers).await).await;
    assert_eq!(again, first);
    assert_eq!(site.state.store().list("feedback").await.unwrap().len(), 1);

    // A form that identifies the person gives its reference.
    let answer = json(site.post_json("intake", as_json(&intake("en"))).await).await;
    let reference = answer["reference"].as_str().unwrap();
    assert_eq!(
        answer["redirect"],
        site.confirmation_url("intake", Some(reference), "en", "received", true)
    );
}

#[tokio::test]
async fn a_double_form_post_is_stored_once_with_the_same_reference() {
    let site = TestSite::new(OPEN);
    let first = location(&site.post_form("intake", &intake("en")).await);
    let second = location(&site.post_form("intake", &intake("en")).await);
    assert_eq!(reference_in(&first), reference_in(&second));
    assert_eq!(site.state.store().list("intake").await.unwrap().len(), 1);
    // Different answers are a different submission.
    let mut other = intake("en");
    other.retain(|(n, _)| *n != "composition");
    let third = location(&site.post_form("intake", &other).await);
    assert_ne!(reference_in(&first), reference_in(&third));
}

/// After a group session, two people can give the same anonymous ratings minutes apart. Nothing
/// in anonymous answers tells one person from another, so without the script each post is
/// stored (and notified); one page sent twice (the script's page key, by `fetch` or by an
/// ordinary post) is stored once.
#[tokio::test]
async fn identical_anonymous_feedback_from_two_people_is_stored_twice() {
    let site = TestSite::new(OPEN);
    let feedback = [("lang", "en"), ("service", "chat"), ("rating", "very-good")];
    for _ in 0..2 {
        let response = site.post_form("feedback", &feedback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(site.state.store().list("feedback").await.unwrap().len(), 2);

    let mut one_page = feedback.to_vec();
    one_page.push(("idempotency_key", "page-load-1"));
    for _ in 0..2 {
        let response = site.post_form("feedback", &one_page).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let answer = site.post_json("feedback", as_json(&one_page)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(site.state.store().list("feedback").await.unwrap().len(), 3);

    // Each stored one reaches the coordinators in the next morning's batch.
    let next_morning = Timestamp::now() + SignedDuration::from_hours(48);
    assert_eq!(
        notifier::drain_at(site.state.delivery(), next_morning)
            .await
            .unwrap(),
        3
    );
}

/// Anyone can type a stranger's address: the program acknowledges at most three submissions per
/// address and day (PASSERELLE_ACK_PER_ADDRESS_PER_DAY). The rest are stored and their
/// coordinators told; their confirmation promises no email.
#[tokio::test]
async fn acknowledgements_to_one_address_stop_after_three_a_day() {
    let site = TestSite::new(OPEN);
    let mut urls = Vec::new();
    for n in 0..10 {
        let composition = format!("Request number {n}");
        let mut answers = intake("en");
        answers.retain(|(name, _)| *name != "composition");
        answers.push(("composition", &composition));
        let response = site.post_form("intake", &answers).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        urls.push(location(&response));
    }
    let promised = urls.iter().filter(|u| u.contains("ack=1")).count();
    assert_eq!(promised, 3, "{urls:#?}");
    // The last one sent twice (a double click): the same answer, still no email promised.
    let mut last = intake("en");
    last.retain(|(name, _)| *name != "composition");
    last.push(("composition", "Request number 9"));
    let again = location(&site.post_form("intake", &last).await);
    assert_eq!(reference_in(&again), reference_in(&urls[9]));
    assert!(!again.contains("ack=1"), "{again}");
    let page = text(site.get(&urls[9]).await).await;
    assert!(page.contains("Request received"), "{page}");
    assert!(!page.contains("acknowledgement of receipt"), "{page}");
    assert_eq!(site.state.store().list("intake").await.unwrap().len(), 10);
    notifier::run_once(site.state.delivery()).await.unwrap();
    let outbox = site.outbox();
    let count = |kind: &str| {
        outbox
            .iter()
            .filter(|m| m.contains(&format!("X-Passerelle-Kind: {kind}")))
            .count()
    };
    assert_eq!(count("acknowledgement"), 3);
    assert_eq!(count("coordinator"), 10);
}

#[tokio::test]
async fn the_honeypot_drops_bots_silently() {
    let site = TestSite::new(OPEN);
    let mut answers = intake("en");
    answers.retain(|(n, _)| *n != "website");
    answers.push(("website", "https://spam.example"));
    let response = site.post_form("intake", &answers).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "answered as a success"
    );
    let url = location(&response);
    assert!(url.contains("status=received"));
    assert_eq!(site.get(&url).await.status(), StatusCode::OK);
    assert!(site.state.store().list("intake").await.unwrap().is_empty());
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 0);
    assert!(site.outbox().is_empty());
}

#[tokio::test]
async fn bodies_over_16_kib_are_refused() {
    let site = TestSite::new(OPEN);
    let long = "x".repeat(17 * 1024);
    let mut answers = intake("en");
    answers.push(("composition", &long));
    let response = site.post_form("intake", &answers).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = text(response).await;
    assert!(
        page.contains("Your answers are too long")
            && page.contains("Vos réponses sont trop longues")
    );
    assert!(!page.contains("Sam Tester"));
    // Without a Content-Length (a chunked body), the limit still holds.
    let request = Request::post("/api/forms/intake")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(chunked(serde_urlencoded::to_string(&answers).unwrap()))
        .unwrap();
    assert_eq!(
        site.send(request).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert!(site.state.store().list("intake").await.unwrap().is_empty());
}

/// A body in 1 KiB chunks, without a length.
fn chunked(text: String) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text
        .into_bytes()
        .chunks(1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    Body::from_stream(tokio_stream::iter(chunks))
}

#[tokio::test]
async fn posts_from_other_sites_are_forbidden() {
    let site = TestSite::new(OPEN);
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ] {
        let request = Request::post("/api/forms/intake")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::from(
                serde_urlencoded::to_string(intake("en")).unwrap(),
            ))
            .unwrap();
        let response = site.send(request).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(!text(response).await.contains("Sam Tester"));
    }
    assert!(site.state.store().list("intake").await.unwrap().is_empty());
    // The local server's own origin is fine.
    let request = Request::post("/api/forms/intake")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:8000")
        .header(header::ORIGIN, "http://127.0.0.1:8000")
        .body(Body::from(
            serde_urlencoded::to_string(intake("en")).unwrap(),
        ))
        .unwrap();
    assert_eq!(site.send(request).await.status(), StatusCode::SEE_OTHER);
}

/// The handler's own answers carry the site's security headers, so they hold even where no
/// CDN adds them: pages, redirects, refusals, unknown routes.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let site = TestSite::new(OPEN);
    let mut invalid = intake("en");
    invalid.retain(|(n, _)| *n != "email");
    let answers = [
        site.post_form("intake", &intake("en")).await,
        site.post_form("intake", &invalid).await,
        site.post_form("nope", &intake("en")).await,
        site.get("/api/health").await,
        site.get("/api/nowhere").await,
    ];
    let csp =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/csp.txt")).unwrap();
    for response in answers {
        let status = response.status();
        let headers = response.headers();
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            csp.trim(),
            "{status}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(
            headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{status}"
        );
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{status}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{status}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{status}");
        assert_eq!(
            headers
                .get_all(header::CONTENT_SECURITY_POLICY)
                .iter()
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn requests_no_form_can_make_get_a_plain_400_without_echo() {
    let site = TestSite::new(OPEN);
    let mut answers = intake("en");
    answers.push(("is_admin", "true"));
    let response = site.post_form("intake", &answers).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = text(response).await;
    assert!(page.contains("This form could not be sent"));
    assert!(!page.contains("Sam Tester") && !page.contains("is_admin"));
    assert_eq!(
        site.post_form("nope", &intake("en")).await.status(),
        StatusCode::NOT_FOUND
    );
    let plain = Request::post("/api/forms/intake")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("name=x"))
        .unwrap();
    assert_eq!(
        site.send(plain).await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[tokio::test]
async fn feedback_stores_no_identity_and_its_notice_leaves_the_comments_out() {
    let site = TestSite::new(OPEN);
    let response = site
        .post_form(
            "feedback",
            &[
                ("lang", "fr"),
                ("service", "chat"),
                ("rating", "very-good"),
                ("comments", "Merci pour la causerie du jeudi."),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let url = location(&response);
    assert_eq!(
        url,
        site.confirmation_url("feedback", None, "fr", "received", false)
    );
    assert!(url.starts_with("/api/forms/feedback/confirmation?sig="));
    assert!(url.ends_with("&lang=fr&status=received"));
    let stored = site.state.store().list("feedback").await.unwrap();
    assert_eq!(stored.len(), 1);
    let stored = &stored[0];
    let keys: Vec<&str> = stored
        .submission
        .answers
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["comments", "rating", "service"]);
    // No time that could point to the writer: the date only, and the notice waits for the
    // next morning batch (9 am in the program's time zone).
    let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let received = stored.received_at.to_zoned(tz.clone());
    assert_eq!(received.time(), jiff::civil::time(0, 0, 0, 0), "{received}");
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 0);
    assert!(site.outbox().is_empty());
    let next_morning = Timestamp::now().to_zoned(tz).date().tomorrow().unwrap();
    let batch = next_morning
        .at(9, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("America/Toronto").unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(
        notifier::drain_at(site.state.delivery(), batch)
            .await
            .unwrap(),
        1,
        "coordinators only"
    );
    let outbox = site.outbox();
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].contains("X-Passerelle-Kind: coordinator"));
    assert!(!outbox[0].contains("causerie du jeudi"));

    // The person's confirmation shows no reference number: nothing suggests it can be traced.
    let page = text(site.get(&url).await).await;
    assert!(page.contains("Merci de vos commentaires"), "{page}");
    assert!(
        !page.contains("numéro de référence") && !page.contains("data-ps-reference"),
        "{page}"
    );
    assert!(!page.contains(stored.reference.as_str()));
    // Not even from an old link that carries one.
    let old = format!(
        "{}&ref={}",
        site.confirmation_url("feedback", None, "en", "received", false),
        stored.reference
    );
    let page = text(site.get(&old).await).await;
    assert!(page.contains("Thank you for your feedback"));
    assert!(!page.contains(stored.reference.as_str()) && !page.contains("reference number"));
}

#[tokio::test]
async fn a_session_takes_ten_then_refuses_or_waitlists() {
    let site = TestSite::new(OPEN);
    for n in 0..10 {
        let answers = registration("workshop:english", &format!("person{n}@example.ca"));
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert!(location(&response).ends_with("status=registered"));
    }
    let eleventh = registration("workshop:english", "late@example.ca");
    let response = site.post_form("registration", &pairs(&eleventh)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(page.contains(
        "<a href=\"#registration-session\">This session is full. Choose another session, or select the checkbox to join its waiting list</a>"
    ));
    assert!(page.contains("value=\"workshop:english\" checked"));
    assert!(page.contains("value=\"late@example.ca\""));

    let mut waitlisted = eleventh.clone();
    waitlisted.push(("waitlist".into(), "yes".into()));
    let response = site.post_form("registration", &pairs(&waitlisted)).await;
    let url = location(&response);
    assert!(url.ends_with("status=waitlisted"), "{url}");
    let page = text(site.get(&url).await).await;
    assert!(page.contains("You are on the waiting list"));
    // The French session still has room.
    let french = registration("workshop:french", "late@example.ca");
    assert!(
        location(&site.post_form("registration", &pairs(&french)).await)
            .ends_with("status=registered")
    );
}

#[tokio::test]
async fn after_the_deadline_registration_is_closed_unless_waitlisted() {
    let site = TestSite::new(CLOSED);
    let answers = registration("workshop:english", "sam@example.ca");
    let response = site.post_form("registration", &pairs(&answers)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(page.contains("Registration for this session has closed."));
    // The form drawn again at this date offers only what is open (the chat's interest).
    assert!(!page.contains("id=\"registration-session-2\""));
    assert!(page.contains("value=\"chat\""));

    let mut waitlisted = answers.clone();
    waitlisted.push(("waitlist".into(), "yes".into()));
    let url = location(&site.post_form("registration", &pairs(&waitlisted)).await);
    assert!(url.ends_with("status=waitlisted"));
    let interest = registration("chat", "sam@example.ca");
    let url = location(&site.post_form("registration", &pairs(&interest)).await);
    assert!(url.ends_with("status=interest"));
    let page = text(site.get(&url).await).await;
    assert!(page.contains("Interest registered"));
}

/// A cohort whose sessions are all over takes no one, not even on its waiting list: the person
/// is told, in their language, on the session field; and a dated activity posted without a
/// cohort is not a registration of interest.
#[tokio::test]
async fn a_finished_session_refuses_even_the_waiting_list() {
    // July 26, 2025: the English cohort ended on July 24; the French one ends on July 31.
    let site = TestSite::new("2025-07-26T12:00");
    for (lang, message) in [
        ("en", "This session is over. Choose another session"),
        (
            "fr",
            "Cette séance est terminée. Choisissez une autre séance",
        ),
    ] {
        let mut answers = registration("workshop:english", "sam@example.ca");
        answers.retain(|(n, _)| n != "lang");
        answers.push(("lang".into(), lang.into()));
        answers.push(("waitlist".into(), "yes".into()));
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{lang}"
        );
        let page = text(response).await;
        assert!(
            page.contains(&format!("<a href=\"#registration-session\">{message}</a>")),
            "{page}"
        );
    }
    let json = json(
        site.post_json(
            "registration",
            as_json(&pairs(&registration("workshop:english", "sam@example.ca"))),
        )
        .await,
    )
    .await;
    assert_eq!(json["errors"][0]["field"], "session", "{json}");
    assert_eq!(
        json["errors"][0]["message"],
        "This session is over. Choose another session"
    );
    // The French cohort is still ahead: its waiting list takes people.
    let mut french = registration("workshop:french", "sam@example.ca");
    french.push(("waitlist".into(), "yes".into()));
    let url = location(&site.post_form("registration", &pairs(&french)).await);
    assert!(url.ends_with("status=waitlisted"), "{url}");
    // "workshop" alone: not an option of a dated activity.
    let bare = registration("workshop", "sam@example.ca");
    let response = site.post_form("registration", &pairs(&bare)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(response)
            .await
            .contains("Select an activity from the list")
    );
    let stored = site.state.store().list("registration").await.unwrap();
    assert_eq!(stored.len(), 1, "only the French waiting list");
}

/// The confirmation the handler draws is French as the site writes it: no-break spaces.
#[tokio::test]
async fn the_french_confirmation_keeps_its_no_break_spaces() {
    let site = TestSite::new(CLOSED);
    let mut answers = registration("workshop:french", "sam@example.ca");
    answers.retain(|(n, _)| n != "lang");
    answers.push(("lang".into(), "fr".into()));
    answers.push(("waitlist".into(), "yes".into()));
    let url = location(&site.post_form("registration", &pairs(&answers)).await);
    assert!(url.ends_with("&lang=fr&status=waitlisted"), "{url}");
    let page = text(site.get(&url).await).await;
    assert!(
        page.contains("ses inscriptions sont fermées\u{a0}: votre nom a donc été ajouté"),
        "{page}"
    );
    assert!(!page.contains(" :"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_people_registering_at_once_for_ten_places() {
    let site = Arc::new(TestSite::new(OPEN));
    let mut tasks = Vec::new();
    for n in 0..50 {
        let site = Arc::clone(&site);
        tasks.push(tokio::spawn(async move {
            let mut answers = registration("workshop:english", &format!("p{n}@example.ca"));
            if n % 2 == 0 {
                answers.push(("waitlist".into(), "yes".into()));
            }
            let response = site.post_form("registration", &pairs(&answers)).await;
            match response.status() {
                StatusCode::SEE_OTHER => {
                    let url = location(&response);
                    url.rsplit("status=").next().unwrap().to_string()
                }
                StatusCode::UNPROCESSABLE_ENTITY => "full".to_string(),
                other => panic!("unexpected {other}"),
            }
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let count = |s: &str| outcomes.iter().filter(|o| *o == s).count();
    assert_eq!(count("registered"), 10);
    assert_eq!(
        count("registered") + count("waitlisted") + count("full"),
        50
    );
    let stored = site.state.store().list("registration").await.unwrap();
    assert_eq!(
        stored.len(),
        count("registered") + count("waitlisted"),
        "none lost"
    );
    assert_eq!(
        stored
            .iter()
            .filter(|s| s.status == Status::Registered)
            .count(),
        10
    );
}

/// A mailer that fails while `down` is set.
struct Flaky {
    down: AtomicBool,
    sent: AtomicUsize,
    inner: handler::delivery::mail::FileMailer,
}

impl Mailer for Flaky {
    fn send(&self, message: lettre::Message) -> BoxFuture<'_, Result<(), MailError>> {
        Box::pin(async move {
            if self.down.load(Ordering::SeqCst) {
                return Err(MailError::Transient("connection refused".into()));
            }
            self.sent.fetch_add(1, Ordering::SeqCst);
            self.inner.send(message).await
        })
    }
}

#[tokio::test]
async fn a_mail_outage_delays_and_never_loses() {
    let outbox = tempfile::tempdir().unwrap();
    let flaky = Arc::new(Flaky {
        down: AtomicBool::new(true),
        sent: AtomicUsize::new(0),
        inner: handler::delivery::mail::FileMailer::new(outbox.path()).unwrap(),
    });
    let site = TestSite::with_mailer(OPEN, flaky.clone());
    let response = site.post_form("intake", &intake("en")).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "acknowledged while mail is down"
    );

    let now = Timestamp::now();
    assert_eq!(
        notifier::run_once_at(site.state.delivery(), now)
            .await
            .unwrap(),
        0
    );
    // Not retried before its time...
    let soon = now + SignedDuration::from_secs(30);
    assert_eq!(
        notifier::run_once_at(site.state.delivery(), soon)
            .await
            .unwrap(),
        0
    );
    // ...then sent once mail is back.
    flaky.down.store(false, Ordering::SeqCst);
    let later = now + SignedDuration::from_mins(2);
    assert_eq!(
        notifier::run_once_at(site.state.delivery(), later)
            .await
            .unwrap(),
        2
    );
    assert_eq!(flaky.sent.load(Ordering::SeqCst), 2);
    assert_eq!(std::fs::read_dir(outbox.path()).unwrap().count(), 2);
}

#[tokio::test]
async fn a_reload_of_the_form_address_goes_back_to_the_page() {
    let site = TestSite::new(OPEN);
    let response = site.get("/api/forms/intake?lang=fr").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/fr/groupes/demande/");
    assert_eq!(site.get("/api/health").await.status(), StatusCode::OK);
    // A malformed confirmation address is refused like one the handler did not sign (a 404's
    // body would be replaced by CloudFront's page).
    assert_eq!(
        site.get("/api/forms/intake/confirmation?ref=%3Cscript%3E")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    // A form that gives references needs one.
    assert_eq!(
        site.get("/api/forms/intake/confirmation?lang=en&status=received")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

/// A registration offers the same safe choice as the intake: by phone, no email address is
/// needed, none is sent (even when one was typed), and neither the page nor the program name
/// reaches an inbox that may not be safe.
#[tokio::test]
async fn a_registration_by_phone_needs_no_email_and_sends_the_person_none() {
    let site = TestSite::new(OPEN);
    let by_phone: Vec<(String, String)> = registration("workshop:english", "robin@example.ca")
        .into_iter()
        .filter(|(name, _)| name != "email")
        .map(|(name, value)| match name.as_str() {
            "contact_method" => (name, "phone-voicemail".to_string()),
            _ => (name, value),
        })
        .chain([("phone".to_string(), "613-555-0100".to_string())])
        .collect();
    let mut with_address = by_phone.clone();
    with_address.push(("email".into(), "robin@example.ca".into()));
    for answers in [by_phone.clone(), with_address] {
        let response = site.post_form("registration", &pairs(&answers)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let url = location(&response);
        assert!(!url.contains("ack="), "{url}");
        let page = text(site.get(&url).await).await;
        assert!(page.contains("Registration received"), "{page}");
        assert!(!page.contains("acknowledgement"), "{page}");
    }
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 2);
    assert!(
        site.outbox()
            .iter()
            .all(|m| m.contains("X-Passerelle-Kind: coordinator")),
    );
    // By phone, the phone number is needed; by email, the address.
    let no_phone: Vec<(String, String)> =
        by_phone.into_iter().filter(|(n, _)| n != "phone").collect();
    let page = text(site.post_form("registration", &pairs(&no_phone)).await).await;
    assert!(page.contains("Enter a phone number"), "{page}");
    let mut no_email = registration("workshop:english", "robin@example.ca");
    no_email.retain(|(n, _)| n != "email");
    let page = text(site.post_form("registration", &pairs(&no_email)).await).await;
    assert!(page.contains("Enter your email address"), "{page}");
    // By email, the acknowledgement goes out as before.
    let answers = registration("workshop:english", "robin@example.ca");
    let url = location(&site.post_form("registration", &pairs(&answers)).await);
    assert!(url.contains("ack=1"), "{url}");
}

#[tokio::test]
async fn a_confirmation_link_the_handler_did_not_issue_is_refused_in_both_languages() {
    let site = TestSite::new(OPEN);
    let answers = registration("workshop:english", "robin@example.ca");
    let url = location(&site.post_form("registration", &pairs(&answers)).await);
    assert!(url.contains("&sig="), "{url}");
    // The issued link works, and so does its toggle to French.
    let response = site.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = text(response).await;
    let toggle = page
        .split("class=\"ps-lang-toggle__link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(toggle.contains("lang=fr"), "{toggle}");
    assert_eq!(site.get(&toggle).await.status(), StatusCode::OK);

    let reference = reference_in(&url);
    let signature = url.split("sig=").nth(1).unwrap()[..32].to_string();
    let forged = [
        url.replace(&reference, "K7MW4XTA"),
        url.replace("status=registered", "status=waitlisted"),
        url.replace("lang=en", "lang=fr"),
        url.replace("ack=1&", ""),
        url.replace(&format!("sig={signature}&"), ""),
        url.replace(&signature, &"0".repeat(signature.len())),
        url.replace("/registration/", "/intake/"),
        "/api/forms/registration/confirmation?ref=K7MW4XTA&ack=1&lang=en&status=registered"
            .to_string(),
        "/api/forms/feedback/confirmation?lang=en&status=received".to_string(),
    ];
    for link in forged {
        let response = site.get(&link).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{link}");
        let page = text(response).await;
        assert!(
            page.contains("This confirmation link is not valid")
                && page.contains("Ce lien de confirmation n’est pas valide"),
            "{link}: {page}"
        );
        assert!(!page.contains("Registration received") && !page.contains(&reference));
    }
}
