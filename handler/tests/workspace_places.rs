//! Coordinators act on the roster (issue 13): withdraw a person, mark one not attending, give
//! one waiting a place by hand; a freed place goes to the first person waiting, who is told;
//! the roster shows each step (registered, waiting, withdrawn, places left), the activity log
//! records each action, and a cross-site post or a wrong token changes nothing.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use handler::Reference;
use handler::auth::testing::{TestSession, signed_in};
use handler::delivery::notifier;
use handler::store::Status;
use handler::store::auth::Activity;
use support::*;

const ALEX: &str = "alex@example.ca";
const HTML: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

async fn roster(site: &TestSite, lang: &str, session: &TestSession, query: &str) -> String {
    let request = Request::get(format!("/coordination/{lang}/registrations{query}"))
        .header(header::ACCEPT, HTML)
        .header(header::COOKIE, &session.cookie)
        .body(Body::empty())
        .unwrap();
    let response = site.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    text(response).await
}

/// Posts `action` on `reference` from `fetch_site` with `csrf`; the redirect's location.
async fn act(
    site: &TestSite,
    session: &TestSession,
    reference: &Reference,
    action: &str,
    csrf: &str,
    fetch_site: &str,
) -> (StatusCode, String) {
    let body = serde_urlencoded::to_string([("csrf", csrf), ("action", action)]).unwrap();
    let request = Request::post(format!("/coordination/en/registrations/{reference}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, HTML)
        .header(header::COOKIE, &session.cookie)
        .header("sec-fetch-site", fetch_site)
        .body(Body::from(body))
        .unwrap();
    let response = site.send(request).await;
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status(), location)
}

async fn register(site: &TestSite, n: usize) -> Reference {
    let mut answers = registration("workshop:english", &format!("person{n}@example.ca"));
    answers.push(("waitlist".into(), "yes".into()));
    let url = location(&site.post_form("registration", &pairs(&answers)).await);
    Reference::parse(&reference_in(&url)).unwrap()
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

#[tokio::test]
async fn coordinators_withdraw_mark_not_attending_and_give_places_from_the_roster() {
    let site = TestSite::with_settings(OPEN, &[("PASSERELLE_COORDINATORS", ALEX)]);
    let session = signed_in(&site.state, ALEX).await;
    let mut people = Vec::new();
    for n in 0..13 {
        people.push(register(&site, n).await);
    }
    // Ten registered, three waiting (10, 11, 12), with the actions beside each.
    let html = roster(&site, "en", &session, "").await;
    assert!(html.contains("Places left: 0 of 10"), "{html}");
    assert!(html.contains(&format!(
        "action=\"/coordination/en/registrations/{}\"",
        people[0]
    )));
    assert!(html.contains("value=\"not-attending\"") && html.contains("value=\"give-place\""));

    // Withdraw person 0: person 10, first waiting, gets the place.
    let (code, location) = act(
        &site,
        &session,
        &people[0],
        "withdraw",
        &session.csrf,
        "same-origin",
    )
    .await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        format!(
            "/coordination/en/registrations?changed={}&status=withdrawn&promoted={}",
            people[0], people[10]
        )
    );
    assert_eq!(status(&site, &people[0]).await, Status::Withdrawn);
    assert_eq!(status(&site, &people[10]).await, Status::Registered);
    let html = roster(
        &site,
        "en",
        &session,
        &location["/coordination/en/registrations".len()..],
    )
    .await;
    assert!(
        html.contains(&format!(
            "{}: Withdrawn. The place went to {}, first on the waiting list, who will be told.",
            people[0], people[10]
        )),
        "{html}"
    );
    assert!(html.contains("withdrawn or not attending (1)"), "{html}");

    // Not attending: person 1's place goes to person 11.
    act(
        &site,
        &session,
        &people[1],
        "not-attending",
        &session.csrf,
        "same-origin",
    )
    .await;
    assert_eq!(status(&site, &people[1]).await, Status::NotAttending);
    assert_eq!(status(&site, &people[11]).await, Status::Registered);

    // Person 12 gets a place by hand: eleven in a group of ten, none left.
    act(
        &site,
        &session,
        &people[12],
        "give-place",
        &session.csrf,
        "same-origin",
    )
    .await;
    assert_eq!(status(&site, &people[12]).await, Status::Registered);
    let html = roster(&site, "fr", &session, "").await;
    assert!(html.contains("Places restantes\u{a0}: 0 sur 10"), "{html}");
    assert!(html.contains("désistements et absences (2)"));
    assert!(html.contains("Désistement") && html.contains("Absence (ne participe pas)"));

    // An action that no longer applies changes nothing and says so.
    let (_, location) = act(
        &site,
        &session,
        &people[0],
        "withdraw",
        &session.csrf,
        "same-origin",
    )
    .await;
    assert!(
        location.contains(&format!("unchanged={}&status=withdrawn", people[0])),
        "{location}"
    );

    // Each promoted person is told once, by email.
    notifier::run_once(site.state.delivery()).await.unwrap();
    let promotions: Vec<String> = site
        .outbox()
        .into_iter()
        .filter(|m| m.contains("X-Passerelle-Kind: promotion\r\n"))
        .collect();
    assert_eq!(promotions.len(), 2);

    // The activity log, newest first.
    let log: Vec<Activity> = site
        .state
        .store()
        .activity(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| {
            matches!(
                a,
                Activity::Withdrew { .. }
                    | Activity::MarkedNotAttending { .. }
                    | Activity::GavePlace { .. }
            )
        })
        .collect();
    assert_eq!(
        log,
        vec![
            Activity::GavePlace {
                reference: people[12].clone()
            },
            Activity::MarkedNotAttending {
                reference: people[1].clone(),
                promoted: Some(people[11].clone())
            },
            Activity::Withdrew {
                reference: people[0].clone(),
                promoted: Some(people[10].clone())
            },
        ]
    );
    let request = Request::get("/coordination/en/activity")
        .header(header::ACCEPT, HTML)
        .header(header::COOKIE, &session.cookie)
        .body(Body::empty())
        .unwrap();
    let page = text(site.send(request).await).await;
    assert!(page.contains(&format!(
        "Withdrew registration {}; the place went to {}",
        people[0], people[10]
    )));
    assert!(page.contains(&format!(
        "Gave a place to {} from the waiting list",
        people[12]
    )));
}

#[tokio::test]
async fn a_cross_site_post_or_a_wrong_token_changes_nothing() {
    let site = TestSite::with_settings(OPEN, &[("PASSERELLE_COORDINATORS", ALEX)]);
    let session = signed_in(&site.state, ALEX).await;
    let person = register(&site, 0).await;
    let (code, _) = act(
        &site,
        &session,
        &person,
        "withdraw",
        &session.csrf,
        "cross-site",
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = act(&site, &session, &person, "withdraw", "wrong", "same-origin").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(status(&site, &person).await, Status::Registered);
    // Signed out: no change either.
    let request = Request::post(format!("/coordination/en/registrations/{person}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("csrf=x&action=withdraw"))
        .unwrap();
    assert_eq!(site.send(request).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(status(&site, &person).await, Status::Registered);
}

/// A roster action asks first (review m16): the roster's buttons lead (GET, no token in the
/// address) to a page saying what will happen, whose form posts the action; the question
/// changes nothing, in both languages.
#[tokio::test]
async fn each_roster_action_is_confirmed_before_it_is_done() {
    let site = TestSite::with_settings(OPEN, &[("PASSERELLE_COORDINATORS", ALEX)]);
    let session = signed_in(&site.state, ALEX).await;
    let person = register(&site, 0).await;
    let html = roster(&site, "en", &session, "").await;
    let url = format!("/coordination/en/registrations/{person}");
    assert!(
        html.contains(&format!("<form method=\"get\" action=\"{url}\"")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("method=\"post\" action=\"{url}\"")),
        "no one-click change: {html}"
    );
    for (lang, action, question) in [
        ("en", "withdraw", "Withdraw this person?"),
        ("en", "not-attending", "Mark this person as not attending?"),
        (
            "fr",
            "withdraw",
            "Annuler l’inscription de cette personne\u{202f}?",
        ),
    ] {
        let page_url = format!("/coordination/{lang}/registrations/{person}?action={action}");
        let request = Request::get(&page_url)
            .header(header::ACCEPT, HTML)
            .header(header::COOKIE, &session.cookie)
            .body(Body::empty())
            .unwrap();
        let response = site.send(request).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = text(response).await;
        assert!(page.contains(question), "{page}");
        assert!(page.contains(person.as_str()));
        let post = format!(
            "<form class=\"ps-form\" method=\"post\" action=\"/coordination/{lang}/registrations/{person}\">"
        );
        assert!(page.contains(&post), "{page}");
        assert!(page.contains(&format!("name=\"action\" value=\"{action}\"")));
        assert!(page.contains(&session.csrf));
        let stored = site.state.store().get(&person).await.unwrap().unwrap();
        assert_eq!(stored.status, Status::Registered, "a GET changes nothing");
    }
    // The confirmed action is done.
    let (code, _) = act(
        &site,
        &session,
        &person,
        "withdraw",
        &session.csrf,
        "same-origin",
    )
    .await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    let stored = site.state.store().get(&person).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Withdrawn);
}
