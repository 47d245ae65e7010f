//! Who gets into the coordinators' workspace: the session extractor (`SignedIn`), its idle and
//! absolute timeouts, removal, and the same-origin and CSRF check of every change. Every
//! refusal path has its test.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use handler::AppState;
use handler::auth::SignedIn;
use handler::auth::testing::{TestSession, signed_in};
use handler::store::auth::Activity;
use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex};
use support::*;
use tower::ServiceExt;

const ALEX: &str = "alex@example.ca";

fn site() -> TestSite {
    TestSite::with_settings(
        OPEN,
        &[(
            "PASSERELLE_COORDINATORS",
            "Alex@example.ca,robin@example.ca",
        )],
    )
}

/// A router with one page that needs a coordinator, as lane pages do.
fn probe(state: &AppState) -> Router {
    Router::new()
        .route(
            "/coordination/{lang}/probe",
            get(|who: SignedIn| async move { format!("{} {}", who.coordinator, who.lang) }),
        )
        .with_state(state.clone())
}

/// A clock tests move by hand.
fn clock(state: &AppState) -> Arc<Mutex<Timestamp>> {
    let now = Arc::new(Mutex::new(Timestamp::now()));
    let shared = Arc::clone(&now);
    state.set_clock(move || *shared.lock().unwrap());
    now
}

async fn get_page(
    router: &Router,
    uri: &str,
    cookie: Option<&str>,
    accept: &str,
) -> axum::response::Response {
    let mut request = Request::get(uri).header(header::ACCEPT, accept);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

const HTML: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn without_a_session_a_page_redirects_to_sign_in_and_anything_else_gets_401() {
    let site = site();
    let router = probe(&site.state);
    let page = get_page(&router, "/coordination/fr/probe", None, HTML).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/coordination/fr/sign-in");
    let english = get_page(&router, "/coordination/en/probe", None, HTML).await;
    assert_eq!(location(&english), "/coordination/en/sign-in");

    let json = get_page(&router, "/coordination/en/probe", None, "application/json").await;
    assert_eq!(json.status(), StatusCode::UNAUTHORIZED);
    let body = text(json).await;
    assert!(!body.contains(ALEX));

    let forged = get_page(
        &router,
        "/coordination/en/probe",
        Some("__Host-passerelle-session=0000"),
        HTML,
    )
    .await;
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);

    // A 401 says so in the path's language, in the words of content/strings.toml.
    let french = get_page(&router, "/coordination/fr/probe", None, "application/json").await;
    assert_eq!(french.status(), StatusCode::UNAUTHORIZED);
    let body = text(french).await;
    assert!(body.contains("Ouvrez d’abord une session"), "{body}");
    assert!(!body.contains("Sign in first"), "{body}");

    // Signing out with a session already over (expired, ended) leads to the sign-in page,
    // not to a bare 401, and forgets the cookie.
    for cookie in [None, Some("__Host-passerelle-session=0000")] {
        let mut request = Request::post("/coordination/en/sign-out")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, HTML)
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let post = site.send(request.body(Body::from("csrf=x")).unwrap()).await;
        assert_eq!(post.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&post), "/coordination/en/sign-in?signed-out=1");
        let cleared = post.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }
}

#[tokio::test]
async fn a_session_names_its_coordinator_in_lowercase() {
    let site = site();
    let session = signed_in(&site.state, "Alex@Example.ca").await;
    assert!(session.cookie.starts_with("__Host-passerelle-session="));
    let page = get_page(
        &probe(&site.state),
        "/coordination/fr/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(text(page).await, "alex@example.ca fr");
}

#[tokio::test]
async fn a_session_ends_after_30_idle_minutes_and_each_use_restarts_the_count() {
    let site = site();
    let now = clock(&site.state);
    let session = signed_in(&site.state, ALEX).await;
    let router = probe(&site.state);
    for _ in 0..3 {
        *now.lock().unwrap() += SignedDuration::from_mins(29);
        let page = get_page(
            &router,
            "/coordination/en/probe",
            Some(&session.cookie),
            HTML,
        )
        .await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    *now.lock().unwrap() += SignedDuration::from_mins(30);
    let idle = get_page(
        &router,
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(idle.status(), StatusCode::SEE_OTHER);
    // Ended for good: going back in time does not revive it.
    *now.lock().unwrap() -= SignedDuration::from_mins(30);
    let again = get_page(
        &router,
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_ends_12_hours_after_sign_in_however_busy() {
    let site = site();
    let now = clock(&site.state);
    let session = signed_in(&site.state, ALEX).await;
    let router = probe(&site.state);
    for _ in 0..(12 * 3 - 1) {
        *now.lock().unwrap() += SignedDuration::from_mins(20);
        let page = get_page(
            &router,
            "/coordination/en/probe",
            Some(&session.cookie),
            HTML,
        )
        .await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    *now.lock().unwrap() += SignedDuration::from_mins(20);
    let page = get_page(
        &router,
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_timeouts_are_settings() {
    let site = TestSite::with_settings(
        OPEN,
        &[
            ("PASSERELLE_COORDINATORS", ALEX),
            ("PASSERELLE_SESSION_IDLE_MINUTES", "5"),
            ("PASSERELLE_SESSION_MAX_HOURS", "1"),
        ],
    );
    let now = clock(&site.state);
    let session = signed_in(&site.state, ALEX).await;
    *now.lock().unwrap() += SignedDuration::from_mins(6);
    let page = get_page(
        &probe(&site.state),
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        site.state.config().auth.session_max,
        SignedDuration::from_hours(1)
    );
}

#[tokio::test]
async fn a_removed_coordinators_session_fails_on_its_next_request() {
    let site = site();
    let router = probe(&site.state);
    let session = signed_in(&site.state, ALEX).await;
    let other = signed_in(&site.state, "robin@example.ca").await;
    let ok = get_page(
        &router,
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    site.state.store().end_sessions_of(ALEX).await.unwrap();
    let gone = get_page(
        &router,
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    let kept = get_page(&router, "/coordination/en/probe", Some(&other.cookie), HTML).await;
    assert_eq!(kept.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_session_of_an_address_no_longer_listed_fails() {
    let site = site();
    let session = signed_in(&site.state, "former@example.ca").await;
    let page = get_page(
        &probe(&site.state),
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

fn sign_out_request(session: &TestSession, csrf: &str, fetch_site: &str) -> Request<Body> {
    Request::post("/coordination/fr/sign-out")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &session.cookie)
        .header("sec-fetch-site", fetch_site)
        .header(header::HOST, "localhost:1111")
        .body(Body::from(format!("csrf={csrf}")))
        .unwrap()
}

#[tokio::test]
async fn a_change_with_a_wrong_or_missing_csrf_token_is_refused_with_a_403_page() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    for token in ["", "0000", &session.csrf[..63]] {
        let refused = site
            .send(sign_out_request(&session, token, "same-origin"))
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{token}");
        assert_eq!(refused.headers()[header::CACHE_CONTROL], "no-store");
        let page = text(refused).await;
        assert!(page.contains("<html lang=\"fr\""), "{page}");
        assert!(
            page.contains("Cette modification n’a pas été faite"),
            "{page}"
        );
    }
    // Another session's token does not do either.
    let other = signed_in(&site.state, "robin@example.ca").await;
    let refused = site
        .send(sign_out_request(&session, &other.csrf, "same-origin"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Still signed in.
    let page = get_page(
        &probe(&site.state),
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_cross_site_change_is_refused_even_with_the_right_token() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    for fetch_site in ["cross-site", "same-site"] {
        let refused = site
            .send(sign_out_request(&session, &session.csrf, fetch_site))
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{fetch_site}");
    }
    let evil_origin = Request::post("/coordination/en/sign-out")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &session.cookie)
        .header(header::ORIGIN, "https://evil.example")
        .header(header::HOST, "localhost:1111")
        .body(Body::from(format!("csrf={}", session.csrf)))
        .unwrap();
    assert_eq!(site.send(evil_origin).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_and_is_logged() {
    let site = site();
    let session = signed_in(&site.state, ALEX).await;
    let response = site
        .send(sign_out_request(&session, &session.csrf, "same-origin"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/coordination/fr/sign-in?signed-out=1");
    let cleared = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("__Host-passerelle-session=;"),
        "{cleared}"
    );
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Secure") && cleared.contains("Path=/")
    );
    // The old cookie, replayed, is worth nothing.
    let page = get_page(
        &probe(&site.state),
        "/coordination/en/probe",
        Some(&session.cookie),
        HTML,
    )
    .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let log = site.state.store().activity(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, ALEX);
    assert_eq!(log[0].action, Activity::SignedOut);
}

#[test]
fn wrong_session_settings_stop_the_start_naming_the_setting() {
    for (name, value) in [
        ("PASSERELLE_SESSION_IDLE_MINUTES", "0"),
        ("PASSERELLE_SESSION_IDLE_MINUTES", "half an hour"),
        ("PASSERELLE_SESSION_MAX_HOURS", "0"),
        ("PASSERELLE_SESSION_MAX_HOURS", "1000"),
        ("PASSERELLE_ACTIVITY_RETENTION_DAYS", "30"),
        ("PASSERELLE_ACTIVITY_RETENTION_DAYS", "-1"),
    ] {
        let err = handler::config::AuthSettings::from_lookup(
            &|n: &str| (n == name).then(|| value.to_string()),
            90,
        )
        .unwrap_err();
        assert!(err.to_string().contains(name), "{name}={value}: {err}");
    }
    let err = handler::config::AuthSettings::from_lookup(
        &|n: &str| match n {
            "PASSERELLE_SESSION_IDLE_MINUTES" => Some("120".into()),
            "PASSERELLE_SESSION_MAX_HOURS" => Some("1".into()),
            _ => None,
        },
        90,
    )
    .unwrap_err();
    assert!(err.to_string().contains("PASSERELLE_SESSION_IDLE_MINUTES"));
    let defaults = handler::config::AuthSettings::from_lookup(&|_: &str| None, 90).unwrap();
    assert_eq!(defaults.session_idle, SignedDuration::from_mins(30));
    assert_eq!(defaults.session_max, SignedDuration::from_hours(12));
    assert_eq!(defaults.activity_retention_days, 400);
}
