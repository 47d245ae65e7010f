//! The generator and the form handler render through one template environment: a partial
//! edited once shows on the built page and on the handler's page for the same form, and a
//! filter (`french_spacing`) and a partial work the same in the site, the handler's pages and
//! the emails.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::path::Path;
use tower::ServiceExt;

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of Passerelle's own site whose privacy partial (drawn in every form) ends with
/// `line`, built into `<root>/dist`.
fn site_with_privacy_line(line: &str) -> tempfile::TempDir {
    site_with(line, |_| {})
}

/// [`site_with_privacy_line`], with `edit` applied to the copy's root before the build.
fn site_with(line: &str, edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(repo.join("site.toml"), root.path().join("site.toml")).unwrap();
    for dir in ["content", "templates", "static"] {
        copy_tree(&repo.join(dir), &root.path().join(dir));
    }
    let partial = root.path().join("templates/partials/form/privacy.html");
    let mut text = std::fs::read_to_string(&partial).unwrap();
    text.push_str(line);
    std::fs::write(&partial, text).unwrap();
    edit(root.path());
    let options = site::build::Options {
        now: jiff::Zoned::now(),
        live_reload: false,
        base_url: None,
    };
    site::build::build(root.path(), &root.path().join("dist"), &options).unwrap();
    root
}

/// The built page holding the feedback form in `lang`, and the handler's answer to a feedback
/// post in `lang` with nothing filled in (the page again, with its error summary).
async fn built_and_error_pages(root: &Path, lang: &str) -> (String, String) {
    let url = if lang == "en" {
        "en/feedback/index.html"
    } else {
        "fr/retroaction/index.html"
    };
    let built = std::fs::read_to_string(root.join("dist").join(url)).unwrap();
    let mut options = handler::local::LocalOptions::new(root);
    options.data_dir = root.join(".passerelle");
    let state = handler::local::state_with(&options, true, |_| None).unwrap();
    let request = Request::post("/api/forms/feedback")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(format!("lang={lang}")))
        .unwrap();
    let response = handler::router(state).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (built, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn a_partial_changed_once_shows_on_the_built_page_and_the_handlers_error_page() {
    let root = site_with_privacy_line("<p class=\"ps-body\">Edited once, in one partial.</p>\n");
    let (built, error_page) = built_and_error_pages(root.path(), "en").await;
    for page in [&built, &error_page] {
        assert_eq!(
            page.matches("<p class=\"ps-body\">Edited once, in one partial.</p>")
                .count(),
            1,
            "{page}"
        );
    }
    // The error page is the built page's frame around the form: the same navigation, assets
    // and footer, the error summary and "Error:" added.
    assert!(
        error_page.contains("<title>Error: Feedback - "),
        "{error_page}"
    );
    assert!(error_page.contains("data-ps-error-summary"));
    let nav = |page: &str| {
        page.split("<nav")
            .nth(1)
            .map(|n| n.split("</nav>").next().unwrap().to_string())
    };
    assert!(nav(&built).is_some());
    assert_eq!(nav(&built), nav(&error_page));
    let script = |page: &str| {
        page.lines()
            .find(|l| l.contains("/assets/form."))
            .map(str::to_string)
    };
    assert!(script(&built).is_some());
    assert_eq!(script(&built), script(&error_page));
}

#[tokio::test]
async fn french_spacing_renders_the_same_in_the_site_and_the_handler() {
    let root = site_with_privacy_line(
        "<p class=\"ps-test\">{{ \"Des questions ? Écrivez-nous : ici\" | french_spacing(lang=lang) }}</p>\n",
    );
    let (built, error_page) = built_and_error_pages(root.path(), "fr").await;
    let line = |page: &str| {
        page.lines()
            .find(|l| l.starts_with("<p class=\"ps-test\">"))
            .map(str::to_string)
    };
    assert_eq!(
        line(&built).as_deref(),
        Some("<p class=\"ps-test\">Des questions\u{202f}? Écrivez-nous\u{a0}: ici</p>")
    );
    assert_eq!(line(&built), line(&error_page));
}

/// The HTML part of the French acknowledgement of an intake, rendered from the site in `root`.
fn french_acknowledgement_html(root: &Path) -> String {
    let content = handler::content::Content::load(root).unwrap();
    let stored = handler::store::StoredSubmission {
        reference: handler::Reference::parse("K7MW4XTA").unwrap(),
        status: handler::store::Status::Received,
        received_at: "2025-06-02T13:15:00Z".parse().unwrap(),
        submission: model::forms::Submission {
            form: "intake".into(),
            lang: model::Lang::Fr,
            answers: Default::default(),
        },
    };
    let form = content.form("intake").unwrap();
    handler::delivery::emails::acknowledgement(&content, form, &stored)
        .unwrap()
        .html
}

#[tokio::test]
async fn a_partial_with_french_spacing_renders_the_same_in_the_site_the_handler_and_an_email() {
    const PARTIAL: &str = "<p class=\"ps-test\">{{ \"Un partiel ? Le même : partout\" | french_spacing(lang=lang) }}</p>\n";
    let root = site_with("{% include \"partials/spacing-test.html\" %}\n", |root| {
        std::fs::write(root.join("templates/partials/spacing-test.html"), PARTIAL).unwrap();
        let email = root.join("templates/email/acknowledgement.html");
        let text = std::fs::read_to_string(&email).unwrap().replace(
            "<body>",
            "<body>\n{% include \"partials/spacing-test.html\" %}",
        );
        std::fs::write(&email, text).unwrap();
    });
    let (built, error_page) = built_and_error_pages(root.path(), "fr").await;
    let email = french_acknowledgement_html(root.path());
    let line = |page: &str| {
        page.lines()
            .find(|l| l.starts_with("<p class=\"ps-test\">"))
            .map(str::to_string)
    };
    let expected = "<p class=\"ps-test\">Un partiel\u{202f}? Le même\u{a0}: partout</p>";
    for rendered in [&built, &error_page, &email] {
        assert_eq!(line(rendered).as_deref(), Some(expected), "{rendered}");
    }
}

/// The live-reload script of `site serve` is drawn by the layouts (partials/live-reload.html,
/// from a context value), not inserted into the rendered HTML: in Passerelle's own templates
/// every kind of page gets it under `serve`, and none in a published build.
#[test]
fn the_live_reload_script_comes_from_the_layouts_only_while_serving() {
    let root = site_with_privacy_line("");
    let tag = "<script src=\"/_passerelle/livereload.js\" defer></script>";
    let pages = [
        "en/index.html",
        "fr/index.html",
        "index.html",
        "404.html",
        "en/404.html",
    ];
    for page in pages {
        let text = std::fs::read_to_string(root.path().join("dist").join(page)).unwrap();
        assert!(!text.contains("livereload"), "{page}");
    }
    let options = site::build::Options {
        now: jiff::Zoned::now(),
        live_reload: true,
        base_url: None,
    };
    let served = root.path().join("served");
    site::build::build(root.path(), &served, &options).unwrap();
    for page in pages {
        let text = std::fs::read_to_string(served.join(page)).unwrap();
        assert_eq!(text.matches(tag).count(), 1, "{page}");
        let head_end = text.find("</head>").unwrap();
        assert!(text.find(tag).unwrap() < head_end, "{page}");
    }
}
