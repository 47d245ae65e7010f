//! The Lambda adapter: real API Gateway HTTP API (payload 2.0) events, converted by lambda_http
//! exactly as in production (`lambda_http::request::from_str`), then answered by the router;
//! and the notifier entry's scheduled sweep and deadline. The stream path runs against DynamoDB
//! in tests/services (it names DynamoDB items); here only its deadline, on SQLite.

mod support;

use axum::body::Body;
use axum::http::{StatusCode, header};
use handler::Reference;
use handler::lambda::notify;
use jiff::Timestamp;
use serde_json::{Value, json};
use support::*;
use tower::ServiceExt;

/// The site's origin (site.toml `base_url`), the one origin allowed to post.
const ORIGIN: &str = "https://peer-support.example.ca";

/// Standard base64, as API Gateway encodes binary bodies.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An HTTP API (payload format 2.0) event as API Gateway sends it behind CloudFront.
fn event(
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<(&str, bool)>,
) -> String {
    let mut all = json!({
        "accept-encoding": "gzip",
        "host": "abc123.execute-api.ca-central-1.amazonaws.com",
        "user-agent": "Amazon CloudFront",
        "via": "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
        "x-amzn-trace-id": "Root=1-67d1e8a5-0123456789abcdef01234567",
        "x-forwarded-for": "192.0.2.10, 198.51.100.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
    });
    for (name, value) in headers.as_object().unwrap() {
        all[name] = value.clone();
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": all,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.ca-central-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "Amazon CloudFront"
            },
            "requestId": "H2qYsgTyYQ0EJ8g=",
            "routeKey": "ANY /api/{proxy+}",
            "stage": "$default",
            "time": "01/Jun/2025:16:00:00 +0000",
            "timeEpoch": 1748793600000u64
        },
        "pathParameters": { "proxy": path.trim_start_matches("/api/") },
        "isBase64Encoded": false
    });
    if let Some((text, encode)) = body {
        event["isBase64Encoded"] = Value::Bool(encode);
        event["body"] = Value::String(if encode {
            base64(text.as_bytes())
        } else {
            text.to_string()
        });
    }
    event.to_string()
}

/// A site as deployed: the Lambda's configuration (no local-host allowance).
fn lambda_site() -> TestSite {
    let mut site = TestSite::new(OPEN);
    let mut config = site.state.config().clone();
    config.allow_host_origin = false;
    site.state = handler::local::assemble(
        handler::content::ContentSource::load(&site.options.root).unwrap(),
        handler::content::SitePages::new(&site.options.site_dir),
        std::sync::Arc::new(
            handler::store::sqlite::SqliteStore::open(
                &site.options.data_dir.join("passerelle.sqlite3"),
            )
            .unwrap(),
        ),
        std::sync::Arc::new(site.file_mailer()),
        config,
        site.options.now.clone(),
    )
    .unwrap();
    site.router = handler::router(site.state.clone());
    site
}

/// Converts the event as the Lambda runtime does, and answers it with the router.
async fn invoke(site: &TestSite, event: &str) -> axum::http::Response<Body> {
    let request = lambda_http::request::from_str(event).expect("a valid HTTP API event");
    site.router.clone().oneshot(request).await.unwrap()
}

fn browser_headers(content_type: &str) -> Value {
    json!({
        "content-type": content_type,
        "origin": ORIGIN,
        "sec-fetch-site": "same-origin",
        "accept": "text/html,application/xhtml+xml",
        "accept-language": "fr-CA,fr;q=0.9"
    })
}

fn intake_body(lang: &str) -> String {
    serde_urlencoded::to_string(intake(lang)).unwrap()
}

#[tokio::test]
async fn a_form_post_event_is_stored_and_redirected() {
    for encode in [false, true] {
        let site = lambda_site();
        let body = intake_body("fr");
        let response = invoke(
            &site,
            &event(
                "POST",
                "/api/forms/intake",
                "",
                browser_headers("application/x-www-form-urlencoded"),
                Some((&body, encode)),
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "base64: {encode}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let url = location(&response);
        assert!(
            url.starts_with("/api/forms/intake/confirmation?ref=") && url.contains("&lang=fr"),
            "{url}"
        );
        let reference = Reference::parse(&reference_in(&url)).unwrap();
        let stored = site.state.store().get(&reference).await.unwrap().unwrap();
        assert_eq!(stored.submission.text("name"), Some("Sam Tester"));
    }
}

#[tokio::test]
async fn a_json_post_event_answers_json() {
    for encode in [false, true] {
        let site = lambda_site();
        let mut answers = serde_json::Map::new();
        for (name, value) in intake("en") {
            match answers.get_mut(name) {
                Some(Value::Array(list)) => list.push(value.into()),
                Some(first) => *first = json!([first.clone(), value]),
                None => {
                    answers.insert(name.to_string(), value.into());
                }
            }
        }
        let body = Value::Object(answers).to_string();
        let mut headers = browser_headers("application/json");
        headers["accept"] = "application/json".into();
        let response = invoke(
            &site,
            &event(
                "POST",
                "/api/forms/intake",
                "",
                headers,
                Some((&body, encode)),
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "base64: {encode}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert!(
            response
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none(),
            "same origin: no CORS grant is needed or given"
        );
        let answer = json(response).await;
        assert_eq!(answer["status"], "received");
        let reference = Reference::parse(answer["reference"].as_str().unwrap()).unwrap();
        assert!(site.state.store().get(&reference).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn the_confirmation_and_health_are_served_with_their_query() {
    let site = lambda_site();
    let body = intake_body("en");
    let posted = invoke(
        &site,
        &event(
            "POST",
            "/api/forms/intake",
            "",
            browser_headers("application/x-www-form-urlencoded"),
            Some((&body, false)),
        ),
    )
    .await;
    let url = location(&posted);
    let (path, query) = url.split_once('?').unwrap();
    let page = invoke(&site, &event("GET", path, query, json!({}), None)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let html = text(page).await;
    assert!(html.contains(&reference_in(&url)), "{html}");

    let health = invoke(&site, &event("GET", "/api/health", "", json!({}), None)).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(text(health).await, "ok");
}

#[tokio::test]
async fn other_origins_large_bodies_and_unknown_types_are_refused_without_echo() {
    let site = lambda_site();
    let body = intake_body("en");
    let cases = [
        (
            json!({ "content-type": "application/x-www-form-urlencoded", "origin": "https://evil.example", "sec-fetch-site": "cross-site" }),
            body.clone(),
            StatusCode::FORBIDDEN,
        ),
        (
            json!({ "content-type": "application/json", "origin": "https://evil.example" }),
            "{}".to_string(),
            StatusCode::FORBIDDEN,
        ),
        (
            browser_headers("application/x-www-form-urlencoded"),
            format!("{body}&comments={}", "x".repeat(40_000)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            browser_headers("text/plain"),
            body.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (headers, body, expected) in cases {
        let response = invoke(
            &site,
            &event(
                "POST",
                "/api/forms/intake",
                "",
                headers.clone(),
                Some((&body, true)),
            ),
        )
        .await;
        assert_eq!(response.status(), expected, "{headers}");
        assert!(
            response
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
        let page = text(response).await;
        assert!(
            !page.contains("Sam Tester") && !page.contains("sam@example.ca"),
            "a refusal echoes nothing: {page}"
        );
    }
    // A CORS preflight from another site is granted nothing.
    let preflight = invoke(
        &site,
        &event(
            "OPTIONS",
            "/api/forms/intake",
            "",
            json!({ "origin": "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" }),
            None,
        ),
    )
    .await;
    assert!(!preflight.status().is_success(), "{}", preflight.status());
    assert!(
        preflight
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    assert!(
        site.state.store().list("intake").await.unwrap().is_empty(),
        "nothing stored"
    );
}

/// EventBridge's scheduled event, as the 5-minute sweep delivers it.
const SCHEDULED: &str = r#"{
  "version": "0",
  "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  "source": "aws.events",
  "account": "123456789012",
  "time": "2025-06-01T16:05:00Z",
  "region": "ca-central-1",
  "resources": ["arn:aws:events:ca-central-1:123456789012:rule/passerelle-staging-Sweep"],
  "detail": {}
}"#;

#[tokio::test]
async fn the_scheduled_sweep_sends_what_is_due_once() {
    let site = lambda_site();
    let body = intake_body("en");
    let posted = invoke(
        &site,
        &event(
            "POST",
            "/api/forms/intake",
            "",
            browser_headers("application/x-www-form-urlencoded"),
            Some((&body, false)),
        ),
    )
    .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let scheduled: Value = serde_json::from_str(SCHEDULED).unwrap();
    let answer = notify(site.state.delivery(), &scheduled, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({ "sent": 2 }),
        "the coordinator and the person"
    );
    assert_eq!(site.outbox().len(), 2);
    let again = notify(site.state.delivery(), &scheduled, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(again, json!({ "sent": 0 }));
    assert_eq!(site.outbox().len(), 2);
}

/// The notifier's entry builds only what delivery needs: from the site's sources, the store
/// and the outbox, with no built pages (here deleted) and no confirmation-link key, it sends
/// what the API stored.
#[tokio::test]
async fn the_notifier_needs_no_built_pages_and_no_router_state() {
    let site = lambda_site();
    let body = intake_body("fr");
    let posted = invoke(
        &site,
        &event(
            "POST",
            "/api/forms/intake",
            "",
            browser_headers("application/x-www-form-urlencoded"),
            Some((&body, false)),
        ),
    )
    .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    std::fs::remove_dir_all(&site.options.site_dir).unwrap();
    let delivery = handler::local::delivery_with(&site.options, |_| None).unwrap();
    let scheduled: Value = serde_json::from_str(SCHEDULED).unwrap();
    let answer = notify(&delivery, &scheduled, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(answer, json!({ "sent": 2 }));
    assert_eq!(site.outbox().len(), 2);
}

/// A stream record as DynamoDB sends it for a new pending notification of `reference`.
fn stream_record(reference: &str, index: usize, sequence: &str) -> Value {
    let sk = format!("NOTE#{index:03}");
    json!({
        "eventID": sequence,
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": { "pk": { "S": format!("SUB#{reference}") }, "sk": { "S": sk } },
            "NewImage": {
                "pk": { "S": format!("SUB#{reference}") },
                "sk": { "S": sk },
                "gsi1pk": { "S": "PENDING" }
            },
            "SequenceNumber": sequence,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    })
}

/// Less time left than one notification can take at its worst: the stream's records are not
/// claimed but handed back (batch item failures, which Lambda retries) and the sweep starts
/// nothing; with time, they are sent.
#[tokio::test]
async fn nothing_is_started_that_could_not_finish_before_the_deadline() {
    use handler::delivery::notifier::{Budget, NOTICE_WORST};
    use handler::lambda::notify_within;
    use std::time::{Duration, Instant};

    let site = lambda_site();
    let body = intake_body("en");
    let posted = invoke(
        &site,
        &event(
            "POST",
            "/api/forms/intake",
            "",
            browser_headers("application/x-www-form-urlencoded"),
            Some((&body, false)),
        ),
    )
    .await;
    let reference = reference_in(&location(&posted));
    let batch = json!({ "Records": [
        stream_record(&reference, 0, "100"),
        stream_record(&reference, 1, "101"),
    ] });
    let scheduled: Value = serde_json::from_str(SCHEDULED).unwrap();
    let short = || Budget::until(Instant::now() + NOTICE_WORST - Duration::from_secs(1));

    let answer = notify_within(site.state.delivery(), &batch, Timestamp::now(), short())
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({ "batchItemFailures": [
            { "itemIdentifier": "100" },
            { "itemIdentifier": "101" },
        ] })
    );
    let answer = notify_within(site.state.delivery(), &scheduled, Timestamp::now(), short())
        .await
        .unwrap();
    assert_eq!(answer, json!({ "sent": 0 }));
    assert!(site.outbox().is_empty());

    // Not claimed meanwhile: the retried batch sends both at once.
    let enough = Budget::until(Instant::now() + handler::delivery::notifier::LAMBDA_TIMEOUT);
    let answer = notify_within(site.state.delivery(), &batch, Timestamp::now(), enough)
        .await
        .unwrap();
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
    assert_eq!(site.outbox().len(), 2);
}
