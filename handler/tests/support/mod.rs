//! A small built site for the handler's tests: the real site.toml, strings and form definitions, test
//! offerings (tests/fixtures/offerings), and one built page per form and language.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use handler::AppState;
use handler::config::Config;
use handler::content::{ContentSource, SitePages};
use handler::delivery::mail::{FileMailer, Mailer};
use handler::local::LocalOptions;
use handler::store::sqlite::SqliteStore;
use jiff::Zoned;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempDir;
use tower::ServiceExt;

/// The workspace root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A local time in the site's zone.
pub fn at(text: &str) -> Zoned {
    let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    handler::local::parse_now(text, &tz).unwrap()
}

/// Registration is open on this date (the workshop's deadline is June 27, 2025).
pub const OPEN: &str = "2025-06-01T12:00";
/// The workshop's deadline has passed.
pub const CLOSED: &str = "2025-06-28T12:00";

/// The built pages: (form, lang, url, title).
pub const PAGES: [(&str, &str, &str, &str); 6] = [
    ("intake", "en", "/en/groups/apply/", "Ask to join a group"),
    (
        "intake",
        "fr",
        "/fr/groupes/demande/",
        "Demander à joindre un groupe",
    ),
    (
        "registration",
        "en",
        "/en/activities/register/",
        "Register for an activity",
    ),
    (
        "registration",
        "fr",
        "/fr/activites/inscription/",
        "S’inscrire à une activité",
    ),
    ("feedback", "en", "/en/feedback/", "Feedback"),
    ("feedback", "fr", "/fr/commentaires/", "Commentaires"),
];

/// A site folder, its built pages and its data folder, with the handler's state.
pub struct TestSite {
    pub dir: TempDir,
    pub options: LocalOptions,
    pub state: AppState,
    pub router: Router,
}

impl TestSite {
    /// The same site and data seen at another moment `now` (a second handler on the same
    /// folder and store); `site` keeps the folder.
    pub fn reopen_at(site: &TestSite, now: &str) -> TestSite {
        let mut options = site.options.clone();
        options.now = Some(at(now));
        let state = handler::local::state(&options, true).unwrap();
        TestSite {
            router: handler::router(state.clone()),
            dir: tempfile::tempdir().unwrap(),
            options,
            state,
        }
    }

    /// The site at `now`, with the default file mailer.
    pub fn new(now: &str) -> TestSite {
        let dir = tempfile::tempdir().unwrap();
        let options = build_site(dir.path(), now);
        let state = handler::local::state(&options, true).unwrap();
        TestSite {
            router: handler::router(state.clone()),
            dir,
            options,
            state,
        }
    }

    /// The site at `now` with these settings (the rest unset, as in [`TestSite::new`] without
    /// the process environment).
    pub fn with_settings(now: &str, vars: &[(&str, &str)]) -> TestSite {
        let dir = tempfile::tempdir().unwrap();
        let options = build_site(dir.path(), now);
        let state = handler::local::state_with(&options, true, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        TestSite {
            router: handler::router(state.clone()),
            dir,
            options,
            state,
        }
    }

    /// The site at `now`, sending mail through `mailer`.
    pub fn with_mailer(now: &str, mailer: Arc<dyn Mailer>) -> TestSite {
        let dir = tempfile::tempdir().unwrap();
        let options = build_site(dir.path(), now);
        let content = ContentSource::load(&options.root).unwrap();
        let mut config = Config::from_lookup(&options.data_dir, &content.get().site, |_| None)
            .expect("default config");
        config.allow_host_origin = true;
        let store = SqliteStore::open(&options.data_dir.join("passerelle.sqlite3")).unwrap();
        let state = handler::local::assemble(
            content,
            SitePages::new(&options.site_dir),
            Arc::new(store),
            mailer,
            config,
            options.now.clone(),
        )
        .unwrap();
        TestSite {
            router: handler::router(state.clone()),
            dir,
            options,
            state,
        }
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(request).await.unwrap()
    }

    /// Posts `pairs` as a browser would without JavaScript.
    pub async fn post_form(&self, form: &str, pairs: &[(&str, &str)]) -> Response<Body> {
        self.send(form_request(form, pairs)).await
    }

    /// Posts a JSON body as the enhancement script does.
    pub async fn post_json(&self, form: &str, body: serde_json::Value) -> Response<Body> {
        self.send(
            Request::post(format!("/api/forms/{form}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// A GET.
    pub async fn get(&self, uri: &str) -> Response<Body> {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// The confirmation address the handler issues (signed with this site's key).
    pub fn confirmation_url(
        &self,
        form: &str,
        reference: Option<&str>,
        lang: &str,
        status: &str,
        acknowledged: bool,
    ) -> String {
        let reference = reference.map(|r| handler::Reference::parse(r).unwrap());
        handler::routes::confirmation_url(
            &self.state.config().confirmation_key,
            form,
            reference.as_ref(),
            model::Lang::from_code(lang).unwrap(),
            handler::store::Status::parse(status).unwrap(),
            acknowledged,
        )
    }

    /// The outbox's messages, as text.
    pub fn outbox(&self) -> Vec<String> {
        let dir = self.options.data_dir.join("outbox");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut messages: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect();
        messages.sort();
        messages
    }

    /// A file mailer on this site's outbox (for tests building their own).
    pub fn file_mailer(&self) -> FileMailer {
        FileMailer::new(&self.options.data_dir.join("outbox")).unwrap()
    }
}

/// A form post with the headers a browser sends from the site's own page.
pub fn form_request(form: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    Request::post(format!("/api/forms/{form}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(serde_urlencoded::to_string(pairs).unwrap()))
        .unwrap()
}

/// The body as text.
pub async fn text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The body as JSON.
pub async fn json(response: Response<Body>) -> serde_json::Value {
    serde_json::from_str(&text(response).await).unwrap()
}

/// The Location header.
pub fn location(response: &Response<Body>) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

/// The `ref` of a confirmation URL.
pub fn reference_in(url: &str) -> String {
    url.split("ref=").nth(1).unwrap()[..8].to_string()
}

/// Copies the folder `from` (at any depth) to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}

/// The fingerprinted address of the enhancement script in the test site's frames.
pub const FORM_JS: &str = "/assets/form.0123abcd.js";
/// The workspace's stylesheet as the built pages name it.
pub const WORKSPACE_CSS: &str = "/assets/workspace.4567cdef.css";

/// What the build would write for the [`PAGES`]: each page's frame, with "Before the form." as
/// its content and the language toggle leading to the other language's home page.
pub fn form_pages(root: &Path) -> render::FormPages {
    let site = model::SiteConfig::load(&root.join("site.toml")).unwrap();
    let path = root.join("content/strings.toml");
    let strings: std::collections::BTreeMap<String, model::Localized> =
        model::front_matter::parse(&path, &std::fs::read_to_string(&path).unwrap(), 1).unwrap();
    let assets = std::collections::BTreeMap::from([
        ("form.js".to_string(), FORM_JS.to_string()),
        ("workspace.css".to_string(), WORKSPACE_CSS.to_string()),
    ]);
    let mut pages = render::FormPages::default();
    for (form, lang, url, title) in PAGES {
        let lang = model::Lang::from_code(lang).unwrap();
        let other = lang.other();
        let frame = render::PageFrame {
            template: "page.html".into(),
            lang,
            other_lang: other,
            site: render::SiteContext::new(&site, lang, &assets),
            t: render::strings_in(&strings, lang),
            nav: Vec::new(),
            page: render::PageContext {
                title: title.into(),
                description: String::new(),
                content: "<p>Before the form.</p>".into(),
                url: url.into(),
                date_modified: String::new(),
                is_section: false,
                children: Vec::new(),
                recent: Vec::new(),
                breadcrumbs: Vec::new(),
            },
            translation: Some(render::TranslationContext {
                url: format!("/{other}/"),
                title: other.endonym().into(),
                lang: other,
                lang_name: other.endonym().into(),
            }),
            alternates: None,
            offering: None,
        };
        let url = url.to_string();
        pages.insert(form, lang, render::FormPage { url, frame });
    }
    pages
}

/// Writes the site: settings, forms, offerings, templates, and the built form pages' frames.
pub fn build_site(root: &Path, now: &str) -> LocalOptions {
    let copy_dir = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
            }
        }
    };
    std::fs::copy(repo().join("site.toml"), root.join("site.toml")).unwrap();
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::copy(
        repo().join("content/strings.toml"),
        root.join("content/strings.toml"),
    )
    .unwrap();
    copy_dir(&repo().join("content/forms"), &root.join("content/forms"));
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/offerings"),
        &root.join("content/offerings"),
    );
    copy_tree(&repo().join("templates"), &root.join("templates"));
    let dist = root.join("dist");
    std::fs::create_dir_all(dist.join("_passerelle")).unwrap();
    std::fs::write(dist.join(render::FORM_PAGES), form_pages(root).to_json()).unwrap();
    let mut options = LocalOptions::new(root);
    options.now = Some(at(now));
    options
}

/// A complete intake, as a person fills it in, asking to be contacted by email (and giving a
/// phone number too).
pub fn intake(lang: &str) -> Vec<(&'static str, &'static str)> {
    let lang: &'static str = if lang == "fr" { "fr" } else { "en" };
    vec![
        ("lang", lang),
        ("name", "Sam Tester"),
        ("language", lang),
        ("contact_method", "email-only"),
        ("email", "sam@example.ca"),
        ("phone", "613-555-0100"),
        ("group_type", "informal-group"),
        ("composition", "A group of peers my age, please."),
        ("member_status", "veteran"),
        ("member_status", "dnd-employee"),
        ("adult", "yes"),
        ("affected", "yes"),
        ("device", "yes"),
        ("intake_meeting", "yes"),
        ("consent_contact", "yes"),
        ("website", ""),
    ]
}

/// A complete intake by someone who asked to be called, without a voicemail, and gave no
/// email address.
pub fn intake_by_phone(lang: &str) -> Vec<(&'static str, &'static str)> {
    intake(lang)
        .into_iter()
        .filter(|(name, _)| *name != "email")
        .map(|(name, value)| match name {
            "contact_method" => (name, "phone"),
            _ => (name, value),
        })
        .collect()
}

/// A complete registration for `session`, by a person numbered `n`.
pub fn registration(session: &str, email: &str) -> Vec<(String, String)> {
    [
        ("lang", "en"),
        ("session", session),
        ("name", "Robin Tester"),
        ("contact_method", "email-only"),
        ("email", email),
        ("language", "en"),
        ("member_status", "current-caf"),
        ("adult", "yes"),
        ("affected", "yes"),
        ("device", "yes"),
        ("code_of_conduct", "yes"),
        ("confidentiality", "yes"),
        ("consent_contact", "yes"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

/// Answers as the enhancement script posts them: a JSON object, a name sent more than once
/// (ticked boxes) becoming a list.
pub fn as_json(pairs: &[(&str, &str)]) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for (name, value) in pairs {
        let repeated = pairs.iter().filter(|(n, _)| n == name).count() > 1;
        match object.get_mut(*name) {
            Some(serde_json::Value::Array(list)) => list.push((*value).into()),
            _ if repeated => {
                object.insert(name.to_string(), serde_json::json!([value]));
            }
            _ => {
                object.insert(name.to_string(), (*value).into());
            }
        }
    }
    serde_json::Value::Object(object)
}

/// Borrowed pairs from owned ones.
pub fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The notifier Lambda's scheduled event (EventBridge), which runs the sweep.
pub const SCHEDULED_EVENT: &str = r#"{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2025-06-01T16:05:00Z","region":"ca-central-1","resources":["arn:aws:events:ca-central-1:123456789012:rule/sweep"],"detail":{}}"#;

/// Each registration's status, by the person's email address.
pub async fn statuses_by_email(
    state: &AppState,
) -> std::collections::BTreeMap<String, handler::store::Status> {
    state
        .store()
        .list("registration")
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.submission.email().unwrap_or_default().to_string(),
                s.status,
            )
        })
        .collect()
}

/// One scheduled sweep of the notifier Lambda; returns how many notifications it sent.
pub async fn scheduled_sweep(state: &AppState) -> u64 {
    let event: serde_json::Value = serde_json::from_str(SCHEDULED_EVENT).unwrap();
    let answer = handler::lambda::notify(state.delivery(), &event, jiff::Timestamp::now())
        .await
        .unwrap();
    answer["sent"].as_u64().unwrap()
}

/// The notifier's scheduled sweep gives a cohort's free places to the people waiting, in
/// order, each told once, on any store (review M4): places an editor added by raising the
/// group size (in `root`'s offering file), and a place a withdrawal freed without promoting
/// anyone (DynamoDB: it found nobody waiting while a simultaneous registrant joined the list).
pub async fn the_sweep_fills_free_places(state: &AppState, root: &Path) {
    use handler::store::Status::{Registered, Waitlisted, Withdrawn};
    let router = handler::router(state.clone());
    for i in 0..12 {
        let mut answers = registration("workshop:english", &format!("person{i}@example.ca"));
        answers.push(("waitlist".into(), "yes".into()));
        let request = form_request("registration", &pairs(&answers));
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), axum::http::StatusCode::SEE_OTHER);
    }
    handler::delivery::notifier::run_once(state.delivery())
        .await
        .unwrap();
    let before = statuses_by_email(state).await;
    assert_eq!(before["person10@example.ca"], Waitlisted);
    assert_eq!(
        scheduled_sweep(state).await,
        0,
        "nothing to fill, nothing to send"
    );
    assert_eq!(statuses_by_email(state).await, before);

    // The editor raises the group size from 10 to 11: the sweep gives the new place to the
    // first person waiting, and sends them their news.
    let file = root.join("content/offerings/workshop.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("group_size = 10", "group_size = 11")).unwrap();
    assert_eq!(scheduled_sweep(state).await, 1, "the promotion email");
    let after = statuses_by_email(state).await;
    assert_eq!(after["person10@example.ca"], Registered);
    assert_eq!(after["person11@example.ca"], Waitlisted);
    assert_eq!(scheduled_sweep(state).await, 0, "told once");
    assert_eq!(statuses_by_email(state).await, after);

    // A withdrawal frees a place without promoting anyone (what DynamoDB's race leaves): the
    // next sweep gives it to the person waiting.
    let content = state.content();
    let first = state
        .store()
        .list("registration")
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.submission.email() == Some("person0@example.ca"))
        .unwrap();
    let mut change = handler::waiting_list::change_for(
        &content,
        state.config(),
        &first,
        handler::store::places::PlaceAction::Withdraw,
        jiff::Timestamp::now(),
    );
    change.promote = false;
    state.store().change_place(change).await.unwrap();
    assert_eq!(
        statuses_by_email(state).await["person11@example.ca"],
        Waitlisted
    );
    scheduled_sweep(state).await;
    let healed = statuses_by_email(state).await;
    assert_eq!(healed["person0@example.ca"], Withdrawn);
    assert_eq!(healed["person11@example.ca"], Registered);
    let registered = healed.values().filter(|s| **s == Registered).count();
    assert_eq!(registered, 11, "never more than the group size");
}
