//! Every link the handler writes into an email starts with one origin, `Config::public_origin`:
//! the site's public address in AWS, the address a local server is used at under `site serve`
//! (review d4, M5). A local server writing links to production would send a person testing a
//! withdrawal, or a coordinator testing an invitation, to the real site.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use handler::AppState;
use handler::delivery::notifier;
use support::*;

/// Where this test's local server is used (not site.toml's base_url, not a default port).
const SERVED_AT: &str = "http://localhost:4321";

/// A local server used at [`SERVED_AT`], as `site serve --port 4321` starts it.
fn served() -> (tempfile::TempDir, handler::local::LocalOptions, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let mut options = build_site(dir.path(), OPEN);
    options.public_origin = Some(SERVED_AT.into());
    let state = handler::local::state_with(&options, true, |name| {
        (name == "PASSERELLE_COORDINATORS").then(|| "alex@example.ca,robin@example.ca".into())
    })
    .unwrap();
    (dir, options, state)
}

/// The outbox's messages that contain `mark`, with quoted-printable undone (links are checked
/// up to their query, which an undone `=XX` could change in a part not quoted-printable).
fn sent(options: &handler::local::LocalOptions, mark: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(options.data_dir.join("outbox")) else {
        return Vec::new();
    };
    entries
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .map(|raw| {
            let bytes = quoted_printable::decode(&raw, quoted_printable::ParseMode::Robust)
                .expect("quoted-printable");
            String::from_utf8_lossy(&bytes).replace("&amp;", "&")
        })
        .filter(|message| message.contains(mark))
        .collect()
}

/// Every `http(s)://` link in `message` that leads to `path`.
fn links_to(message: &str, path: &str) -> Vec<String> {
    message
        .match_indices("http")
        .map(|(at, _)| {
            let rest = &message[at..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
                .unwrap_or(rest.len());
            rest[..end].to_string()
        })
        .filter(|link| link.contains(path))
        .collect()
}

#[tokio::test]
async fn a_local_servers_withdrawal_links_lead_to_the_address_it_is_used_at() {
    let (_dir, options, state) = served();
    let router = handler::router(state.clone());
    let answers = registration("workshop:english", "sam@example.ca");
    let response =
        tower::ServiceExt::oneshot(router, form_request("registration", &pairs(&answers)))
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    notifier::drain(state.delivery()).await.unwrap();
    let acknowledgement = sent(&options, "X-Passerelle-Kind: acknowledgement\r\n");
    assert_eq!(acknowledgement.len(), 1);
    let links = links_to(&acknowledgement[0], "/api/withdraw?");
    assert!(!links.is_empty(), "{}", acknowledgement[0]);
    for link in links {
        assert!(
            link.starts_with(&format!("{SERVED_AT}/api/withdraw?")),
            "{link}"
        );
    }
    let notice = sent(&options, "X-Passerelle-Kind: coordinator\r\n");
    let links = links_to(&notice[0], "/coordination/");
    assert!(!links.is_empty(), "{}", notice[0]);
    for link in links {
        assert!(
            link.starts_with(&format!("{SERVED_AT}/coordination/"))
                && link.contains("/submissions/"),
            "{link}"
        );
    }
}

#[tokio::test]
async fn a_local_servers_invitations_lead_to_the_address_it_is_used_at_whatever_the_host() {
    let (_dir, options, state) = served();
    let alex = handler::auth::testing::signed_in(&state, "alex@example.ca").await;
    // Reached by its IP address: passkeys need the host name the server is used at.
    let request = Request::post("/coordination/en/coordinators/invite")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .header(header::HOST, "127.0.0.1:4321")
        .header(header::COOKIE, &alex.cookie)
        .body(Body::from(format!(
            "csrf={}&email=robin%40example.ca",
            alex.csrf
        )))
        .unwrap();
    let response = tower::ServiceExt::oneshot(handler::router(state.clone()), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let invitation = sent(&options, "To: robin@example.ca");
    assert_eq!(invitation.len(), 1, "one invitation");
    let links = links_to(&invitation[0], "/enrol?token=");
    assert!(!links.is_empty(), "{}", invitation[0]);
    for link in links {
        assert!(
            link.starts_with(&format!("{SERVED_AT}/coordination/")),
            "{link}"
        );
    }
}
