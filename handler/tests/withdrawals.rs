//! A person withdraws with the personal link of their registration's email (issue 13): the
//! acknowledgement carries the link (not for someone who chose not to be emailed); the page
//! says in their language what will be cancelled and asks to confirm; the post cancels it and
//! gives the place to the first person waiting, who gets their email; a used, expired, forged
//! or damaged link gets a clear page; a post from another site is refused.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use handler::Reference;
use handler::delivery::notifier;
use handler::store::Status;
use support::*;

/// Registers `person{i}` for `cohort` in `lang`, asking for the waiting list when full;
/// returns the reference.
async fn register(site: &TestSite, cohort: &str, i: usize, lang: &str) -> Reference {
    let mut answers = registration(cohort, &format!("person{i}@example.ca"));
    for (name, value) in answers.iter_mut() {
        if name == "language" || name == "lang" {
            *value = lang.to_string();
        }
    }
    answers.push(("waitlist".into(), "yes".into()));
    let url = location(&site.post_form("registration", &pairs(&answers)).await);
    Reference::parse(&reference_in(&url)).unwrap()
}

/// The messages sent to `to` of `kind`, decoded from quoted-printable.
fn mail(site: &TestSite, to: &str, kind: &str) -> Vec<String> {
    site.outbox()
        .into_iter()
        .map(|m| decode(&m))
        .filter(|m| {
            m.contains(&format!("To: {to}"))
                && m.contains(&format!("X-Passerelle-Kind: {kind}\r\n"))
        })
        .collect()
}

/// Undoes quoted-printable's soft line breaks and escapes (enough for links and words).
fn decode(message: &str) -> String {
    let joined = message.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The withdrawal link's path and query in a message (`/api/withdraw?lang=..&token=..`).
fn link_in(message: &str) -> Option<String> {
    let at = message.find("/api/withdraw?")?;
    let rest = &message[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].replace("&amp;", "&"))
}

fn token_of(link: &str) -> &str {
    link.split("token=").nth(1).unwrap()
}

async fn post_withdraw(
    site: &TestSite,
    lang: &str,
    token: &str,
    fetch_site: &str,
) -> (StatusCode, String) {
    let body = serde_urlencoded::to_string([("token", token), ("lang", lang)]).unwrap();
    let response = site
        .send(
            Request::post("/api/withdraw")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", fetch_site)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let status = response.status();
    (status, text(response).await)
}

async fn status(site: &TestSite, reference: &Reference) -> Status {
    site.state
        .store()
        .get(reference)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// From the acknowledgement to the done page, in `lang`; the person waiting gets the place.
async fn withdraw_in(lang: &str, cohort: &str, words: [&str; 5]) {
    let [question, button, done, used, promoted_title] = words;
    let site = TestSite::new(OPEN);
    let mut people = Vec::new();
    for i in 0..11 {
        people.push(register(&site, cohort, i, lang).await);
    }
    assert_eq!(status(&site, &people[10]).await, Status::Waitlisted);
    notifier::run_once(site.state.delivery()).await.unwrap();
    let acknowledgement = mail(&site, "person0@example.ca", "acknowledgement").remove(0);
    let link = link_in(&acknowledgement).expect("the acknowledgement carries the link");
    assert!(
        link.starts_with(&format!("/api/withdraw?lang={lang}&token=")),
        "{link}"
    );
    // The waiting person's acknowledgement has a link too (to leave the waiting list).
    let waiting = mail(&site, "person10@example.ca", "acknowledgement").remove(0);
    assert!(link_in(&waiting).is_some());

    // The page asks, in the person's language, and names what will be cancelled.
    let response = site.get(&link).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let page = text(response).await;
    assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{page}");
    assert!(page.contains(question), "{page}");
    assert!(page.contains(button));
    assert!(page.contains(people[0].as_str()));
    assert!(page.contains("Test Workshop") || page.contains("Atelier d’essai"));
    assert!(page.contains("<form method=\"post\" action=\"/api/withdraw\""));
    assert_eq!(
        status(&site, &people[0]).await,
        Status::Registered,
        "a GET changes nothing"
    );

    // Confirmed: done (after a redirect, so reloading the page says done again, not "used"),
    // and the first person waiting has the place.
    let body = serde_urlencoded::to_string([("token", token_of(&link)), ("lang", lang)]).unwrap();
    let response = site
        .send(
            Request::post("/api/withdraw")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let done_url = location(&response);
    assert_eq!(
        done_url,
        format!("/api/withdraw?lang={lang}&done=registered")
    );
    for _reload in 0..2 {
        let response = site.get(&done_url).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = text(response).await;
        assert!(page.contains(done), "{page}");
        assert!(!page.contains(used), "{page}");
    }
    assert_eq!(status(&site, &people[0]).await, Status::Withdrawn);
    assert_eq!(status(&site, &people[10]).await, Status::Registered);
    notifier::run_once(site.state.delivery()).await.unwrap();
    let promotion = mail(&site, "person10@example.ca", "promotion");
    assert_eq!(promotion.len(), 1, "told once");
    assert!(promotion[0].contains(promoted_title), "{}", promotion[0]);
    assert!(
        link_in(&promotion[0]).is_some(),
        "with a link to withdraw in turn"
    );

    // The link works once.
    let (code, page) = post_withdraw(&site, lang, token_of(&link), "same-origin").await;
    assert_eq!(code, StatusCode::GONE);
    assert!(page.contains(used), "{page}");
    let response = site.get(&link).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(text(response).await.contains(used));
}

#[tokio::test]
async fn a_registration_is_withdrawn_with_its_link_in_english() {
    withdraw_in(
        "en",
        "workshop:english",
        [
            "Cancel your registration?",
            "Yes, cancel my registration",
            "Your registration is cancelled",
            "This link has already been used",
            "A place opened up: your registration is confirmed",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_registration_is_withdrawn_with_its_link_in_french() {
    withdraw_in(
        "fr",
        "workshop:french",
        [
            "Annuler votre inscription\u{202f}?",
            "Oui, annuler mon inscription",
            "Votre inscription est annulée",
            "Ce lien a déjà été utilisé",
            "Une place s’est libérée\u{a0}: votre inscription est confirmée",
        ],
    )
    .await;
}

#[tokio::test]
async fn leaving_the_waiting_list_promotes_no_one() {
    let site = TestSite::new(OPEN);
    for i in 0..12 {
        register(&site, "workshop:english", i, "en").await;
    }
    notifier::run_once(site.state.delivery()).await.unwrap();
    let link = link_in(&mail(&site, "person10@example.ca", "acknowledgement")[0]).unwrap();
    let page = text(site.get(&link).await).await;
    assert!(page.contains("Leave the waiting list?"), "{page}");
    assert!(page.contains("Yes, take me off the waiting list"));
    let (code, _) = post_withdraw(&site, "en", token_of(&link), "same-origin").await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    let page = text(site.get("/api/withdraw?lang=en&done=waiting").await).await;
    assert!(page.contains("You are off the waiting list"));
    notifier::run_once(site.state.delivery()).await.unwrap();
    assert!(mail(&site, "person11@example.ca", "promotion").is_empty());
}

#[tokio::test]
async fn forged_damaged_and_cross_site_requests_change_nothing() {
    let site = TestSite::new(OPEN);
    let person = register(&site, "workshop:english", 0, "en").await;
    notifier::run_once(site.state.delivery()).await.unwrap();
    let link = link_in(&mail(&site, "person0@example.ca", "acknowledgement")[0]).unwrap();
    let token = token_of(&link).to_string();
    let forged = "0".repeat(64);
    for bad in [
        "/api/withdraw".to_string(),
        "/api/withdraw?lang=fr".to_string(),
        format!("/api/withdraw?lang=en&token={forged}"),
        format!("/api/withdraw?lang=en&token={}", &token[..40]),
        "/api/withdraw?lang=en&token=%3Cscript%3E".to_string(),
    ] {
        let response = site.get(&bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let page = text(response).await;
        assert!(
            page.contains("This link does not work") || page.contains("Ce lien ne fonctionne pas"),
            "{bad}: {page}"
        );
        assert!(!page.contains("<script>"));
    }
    let (code, page) = post_withdraw(&site, "fr", &forged, "same-origin").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(page.contains("Ce lien ne fonctionne pas"), "{page}");
    // Another site's page cannot post the person's link.
    let (code, _) = post_withdraw(&site, "en", &token, "cross-site").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(status(&site, &person).await, Status::Registered);
}

#[tokio::test]
async fn a_link_no_longer_works_once_the_cohort_has_started() {
    let site = TestSite::new(OPEN);
    let person = register(&site, "workshop:english", 0, "en").await;
    notifier::run_once(site.state.delivery()).await.unwrap();
    let link = link_in(&mail(&site, "person0@example.ca", "acknowledgement")[0]).unwrap();
    // The same data seen on the first session's day (2025-07-10, 17:00 Toronto).
    let later = TestSite::reopen_at(&site, "2025-07-10T17:30");
    let response = later.get(&link).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(text(response).await.contains("This link no longer works"));
    let (code, _) = post_withdraw(&later, "en", token_of(&link), "same-origin").await;
    assert_eq!(code, StatusCode::GONE);
    assert_eq!(status(&later, &person).await, Status::Registered);
}

#[tokio::test]
async fn someone_who_chose_a_phone_call_gets_no_link() {
    let site = TestSite::new(OPEN);
    let mut by_phone = registration("workshop:english", "");
    for (name, value) in by_phone.iter_mut() {
        if name == "contact_method" {
            *value = "phone".into();
        }
    }
    by_phone.push(("phone".into(), "613-555-0100".into()));
    let url = location(&site.post_form("registration", &pairs(&by_phone)).await);
    assert!(url.ends_with("status=registered"), "{url}");
    notifier::run_once(site.state.delivery()).await.unwrap();
    assert!(site.outbox().iter().all(|m| link_in(&decode(m)).is_none()));
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_says_try_later_not_that_the_link_is_bad() {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    use handler::config::Config;
    use handler::content::{ContentSource, SitePages};
    use handler::store::dynamodb::DynamoStore;
    use std::sync::Arc;
    // A DynamoDB that refuses every connection (nothing listens on port 9 of this machine).
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ca-central-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(conf), "absent", 90);
    let dir = tempfile::tempdir().unwrap();
    let options = build_site(dir.path(), OPEN);
    let content = ContentSource::load(&options.root).unwrap();
    let config = Config::from_lookup(&options.data_dir, &content.get().site, |_| None).unwrap();
    let state = handler::local::assemble(
        content,
        SitePages::new(&options.site_dir),
        Arc::new(store),
        Arc::new(
            handler::delivery::mail::FileMailer::new(&options.data_dir.join("outbox")).unwrap(),
        ),
        config,
        options.now.clone(),
    )
    .unwrap();
    let router = handler::router(state);
    let link = format!("/api/withdraw?lang=fr&token={}", "ab".repeat(32));
    let response =
        tower::ServiceExt::oneshot(router, Request::get(&link).body(Body::empty()).unwrap())
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = text(response).await;
    assert!(!page.contains("Ce lien ne fonctionne pas"), "{page}");
}
