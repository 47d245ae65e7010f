//! Every workspace page, drawn the one way: a [`render::PageFrame`] (the site's facts with the
//! built assets, the interface strings, the language toggle to the same page in the other
//! language) around a template of `templates/workspace/`, which extends the site's layout, and
//! the page's own typed context.

use crate::auth::{CSRF_FIELD, SignedIn};
use crate::routes::frame::{Frame, page_frame};
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use model::Lang;
use render::{PageFrame, error_chain};
use serde::Serialize;

/// Who is signed in, as templates see it (`signed_in`): the address, and the sign-out form's
/// address and CSRF token (`templates/workspace/partials/account.html`).
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub email: String,
    pub csrf: String,
    /// The CSRF field's name.
    pub csrf_field: &'static str,
    pub sign_out_url: String,
}

/// What a workspace page is: its template, its title's key in content/strings.toml, and its
/// address after `/coordination/{lang}/` (the language toggle leads to the same address in
/// the other language; a query string is kept).
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// Under `templates/`, such as `workspace/sign-in.html`.
    pub template: &'a str,
    /// The key of the page's title (`workspace_sign_in_title`).
    pub title_key: &'a str,
    /// `sign-in`, `coordinators`, `` (the inbox), `submissions/K7MW4XTA`, with its query.
    pub path: &'a str,
}

/// The frame of a workspace page in `lang` (the workspace's own navigation is
/// `templates/workspace/nav.html`, not the site's).
fn frame(state: &AppState, lang: Lang, page: Page<'_>) -> PageFrame {
    let frame = Frame {
        template: page.template,
        title_key: page.title_key,
        url: crate::auth::url(lang, page.path),
        other_url: crate::auth::url(lang.other(), page.path),
    };
    page_frame(state, lang, frame)
}

/// The page, rendered with `context` (its fields are top-level names in the template), with
/// `status`; `who` (when signed in) adds `signed_in` ([`Account`]: the sign-out button).
/// Workspace pages are never cached (`Cache-Control: no-store`) and load the workspace's
/// stylesheet (`workspace_css`) after the site's.
pub fn render_page<C: Serialize>(
    state: &AppState,
    lang: Lang,
    page: Page<'_>,
    who: Option<&SignedIn>,
    status: StatusCode,
    context: &C,
) -> Response {
    let frame = frame(state, lang, page);
    let mut full = frame.context();
    // The workspace's own rules (static/workspace.css), which public pages never load.
    if let Some(css) = state.pages().assets().get("workspace.css") {
        full.insert("workspace_css", css);
    }
    if let Some(who) = who {
        full.insert(
            "signed_in",
            &Account {
                email: who.coordinator.clone(),
                csrf: who.csrf().to_string(),
                csrf_field: CSRF_FIELD,
                sign_out_url: crate::auth::url(lang, "sign-out"),
            },
        );
    }
    match tera::Context::from_serialize(context) {
        Ok(own) => full.extend(own),
        Err(err) => return unrenderable(page.template, &err),
    }
    match state.content().templates.render(page.template, &full) {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => unrenderable(page.template, &err),
    }
}

/// A template that does not render (a mistake `site check` reports): logged, a plain 500.
fn unrenderable(template: &str, err: &tera::Error) -> Response {
    tracing::error!(
        template,
        "rendering a workspace page failed: {}",
        error_chain(err)
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The page could not be shown. / La page n’a pas pu être affichée.\n",
    )
        .into_response()
}

/// The short message page (`workspace/message.html`): a title and a text, both keys of
/// content/strings.toml, and a link back.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// The key of the message's text.
    pub text_key: &'static str,
    /// Where the link under it leads, and the key of its words.
    pub link: Option<(String, &'static str)>,
}

/// A message page with `status`.
pub fn message(
    state: &AppState,
    lang: Lang,
    path: &str,
    who: Option<&SignedIn>,
    status: StatusCode,
    title_key: &str,
    message: Message,
) -> Response {
    #[derive(Serialize)]
    struct Context {
        text: String,
        link: Option<Link>,
    }
    #[derive(Serialize)]
    struct Link {
        url: String,
        text: String,
    }
    let words = state.content();
    let words = words.words();
    let context = Context {
        text: words.get(message.text_key, lang),
        link: message.link.map(|(url, key)| Link {
            url,
            text: words.get(key, lang),
        }),
    };
    let page = Page {
        template: "workspace/message.html",
        title_key,
        path,
    };
    render_page(state, lang, page, who, status, &context)
}
