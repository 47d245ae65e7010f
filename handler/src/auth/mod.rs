//! Who may use the coordinators' workspace (`/coordination/`): sessions, the same-origin and
//! CSRF check of every change, and (in their own files) invitations, passkeys and rate limits.
//!
//! A session is a random id in the cookie [`SESSION_COOKIE`] (`__Host-`, Secure, HttpOnly,
//! SameSite=Strict, Path=/) and, in the store, only that id's SHA-256 ([`hash`]): a copy of
//! the store signs no one in. It ends after `PASSERELLE_SESSION_IDLE_MINUTES` unused, or
//! `PASSERELLE_SESSION_MAX_HOURS` after sign-in, or at sign-out, or when its coordinator is
//! removed (or no longer on `PASSERELLE_COORDINATORS`). Every sign-in makes a new id.
//!
//! The CSRF token is derived from the session id (a SHA-256 with its own prefix): bound to
//! the session, never stored, and not computable from what the store holds.
//!
//! A route that needs a coordinator takes [`SignedIn`] as an argument; a route that changes
//! anything also calls [`SignedIn::check_change`] before it does.

pub mod invitation;
pub mod passkey;
pub mod rate_limit;
pub mod testing;

use crate::state::AppState;
use crate::store::auth::NewSession;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use model::Lang;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The session cookie's name. `__Host-`: the browser keeps it only if it is Secure, has
/// `Path=/` and no `Domain`, so no other host (a sibling subdomain) can set or read it.
pub const SESSION_COOKIE: &str = "__Host-passerelle-session";

/// The workspace's path prefix (both languages).
pub const PREFIX: &str = "/coordination";

/// The name of the hidden field that carries the CSRF token in every workspace form.
pub const CSRF_FIELD: &str = "csrf";

/// SHA-256 of a secret (a session id, an invitation token, a ceremony id), in hex: what the
/// store keeps instead of the secret.
pub fn hash(secret: &str) -> String {
    crate::secret::sha256_hex(secret)
}

/// A new secret: 32 random bytes, in hex (256 bits; guessing one is hopeless).
pub fn new_secret() -> String {
    crate::secret::random_hex::<32>()
}

/// A keyed hash (HMAC-SHA-256) of `text` for `purpose`, under a key derived from the
/// deployment's confirmation-link key: stable, and meaningless without the key.
pub fn keyed_hash(config: &crate::config::Config, purpose: &str, text: &str) -> [u8; 32] {
    use hmac::{Hmac, KeyInit, Mac};
    let key = config.confirmation_key.derive(purpose);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("any key length");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().into()
}

/// [`keyed_hash`] in hex.
pub fn keyed_hash_hex(config: &crate::config::Config, purpose: &str, text: &str) -> String {
    crate::secret::hex(&keyed_hash(config, purpose, text))
}

/// The CSRF token of the session `id`.
fn csrf_of(id: &str) -> String {
    hash(&format!("passerelle-csrf\0{id}"))
}

/// The address of a workspace page: `/coordination/{lang}/{path}`.
pub fn url(lang: Lang, path: &str) -> String {
    format!("{PREFIX}/{}/{path}", lang.code())
}

/// The language a workspace path names (`/coordination/fr/...`), English otherwise.
pub fn lang_of_path(path: &str) -> Lang {
    path.strip_prefix(PREFIX)
        .and_then(|rest| rest.trim_start_matches('/').split('/').next())
        .and_then(Lang::from_code)
        .unwrap_or(Lang::En)
}

/// The hash of the session id the request's cookies carry, if any (valid or not).
pub fn session_hash_in(headers: &HeaderMap) -> Option<String> {
    session_cookie(headers).map(|id| hash(&id))
}

/// The session id the request's cookies carry, if any.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value that gives the browser session `id`.
pub fn session_cookie_header(id: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; Path=/; Secure; HttpOnly; SameSite=Strict"
    ))
    .expect("a hex id is header text")
}

/// The `Set-Cookie` value that makes the browser forget its session cookie.
pub fn clear_session_cookie_header() -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
    .expect("header text")
}

/// A coordinator signed in: the extractor of every workspace route but sign-in and enrolment.
///
/// Without a valid session, a GET for an HTML page is answered with a 303 to
/// `/coordination/{lang}/sign-in`, anything else with a 401; never with data. Each use
/// refreshes the idle timeout.
#[derive(Clone)]
pub struct SignedIn {
    /// The coordinator's email address, lowercase.
    pub coordinator: String,
    /// The language of the request's address (`/coordination/{lang}/`).
    pub lang: Lang,
    id_hash: String,
    csrf: String,
    state: AppState,
}

impl std::fmt::Debug for SignedIn {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("coordinator", &self.coordinator)
            .finish_non_exhaustive()
    }
}

impl SignedIn {
    /// The session's CSRF token, for the hidden field [`CSRF_FIELD`] of every form.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// The hash of the session's id (what the store knows it by).
    pub fn session_hash(&self) -> &str {
        &self.id_hash
    }

    /// Whether a state-changing request may proceed: it comes from the site's own pages
    /// ([`crate::origin`]) and carries this session's CSRF token (compared in constant
    /// time). A refusal answers with a 403 page in the request path's language:
    /// `if let Err(refused) = who.check_change(&headers, &form.csrf) { return
    /// refused.into_response(); }`.
    pub fn check_change(&self, headers: &HeaderMap, form_token: &str) -> Result<(), Refused> {
        let same_origin = crate::origin::allowed(headers, self.state.config());
        let token_matches: bool = self.csrf.as_bytes().ct_eq(form_token.as_bytes()).into();
        if same_origin && token_matches {
            Ok(())
        } else {
            tracing::warn!(
                same_origin,
                token_matches,
                "workspace change refused (origin or CSRF token)"
            );
            Err(Refused {
                state: self.state.clone(),
                lang: self.lang,
            })
        }
    }

    /// Ends this session (sign out).
    pub async fn end(&self) -> Result<(), crate::store::StoreError> {
        self.state.store().end_session(&self.id_hash).await
    }
}

/// A change refused by [`SignedIn::check_change`]: a 403 page once turned into a response
/// (its `IntoResponse` is the router's, in routes/workspace/session.rs: auth never imports
/// the routes).
pub struct Refused {
    pub(crate) state: AppState,
    /// The language of the request's path.
    pub lang: Lang,
}

/// Why there is no coordinator.
enum NoSession {
    /// No cookie, an unknown, ended or expired session, or a coordinator no longer listed.
    SignedOut,
    /// The store did not answer.
    Unavailable,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match signed_in(&parts.headers, state).await {
            Ok(signed_in) => Ok(SignedIn {
                lang: lang_of_path(parts.uri.path()),
                ..signed_in
            }),
            Err(NoSession::SignedOut) => Err(signed_out(parts, state)),
            Err(NoSession::Unavailable) => Err(plain(
                state,
                parts,
                StatusCode::SERVICE_UNAVAILABLE,
                "workspace_unavailable_text",
            )),
        }
    }
}

/// The session the cookie names, if valid now; refreshed.
async fn signed_in(headers: &HeaderMap, state: &AppState) -> Result<SignedIn, NoSession> {
    let id = session_cookie(headers).ok_or(NoSession::SignedOut)?;
    let id_hash = hash(&id);
    let now = state.received_now();
    let store = state.store();
    let unavailable = |err: crate::store::StoreError| {
        tracing::error!("reading a workspace session failed: {err}");
        NoSession::Unavailable
    };
    let session = store
        .session(&id_hash, now)
        .await
        .map_err(unavailable)?
        .ok_or(NoSession::SignedOut)?;
    let settings = state.config().auth;
    let idle = session.last_seen + settings.session_idle <= now;
    let too_old = session.created_at + settings.session_max <= now;
    let listed = is_listed(state, &session.coordinator);
    if idle || too_old || !listed {
        store.end_session(&id_hash).await.map_err(unavailable)?;
        return Err(NoSession::SignedOut);
    }
    store
        .touch_session(&id_hash, now)
        .await
        .map_err(unavailable)?;
    Ok(SignedIn {
        coordinator: session.coordinator,
        lang: Lang::En,
        csrf: csrf_of(&id),
        id_hash,
        state: state.clone(),
    })
}

/// Whether `email` (lowercase) is on `PASSERELLE_COORDINATORS`.
pub fn is_listed(state: &AppState, email: &str) -> bool {
    state
        .config()
        .coordinators
        .iter()
        .any(|listed| listed.eq_ignore_ascii_case(email))
}

/// An address as the workspace keys it: trimmed and lowercase.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A 303 to the sign-in page for a GET of an HTML page; a 401 otherwise.
fn signed_out(parts: &Parts, state: &AppState) -> Response {
    let wants_page = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if matches!(parts.method, Method::GET | Method::HEAD) && wants_page {
        let lang = lang_of_path(parts.uri.path());
        let location = url(lang, "sign-in");
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, location)],
            String::new(),
        )
            .into_response();
    }
    plain(
        state,
        parts,
        StatusCode::UNAUTHORIZED,
        "workspace_sign_in_first",
    )
}

/// A short plain-text answer in the language of the request's path, in the words of
/// content/strings.toml (`key`): for what is not a page (the pages are the routes').
fn plain(state: &AppState, parts: &Parts, status: StatusCode, key: &str) -> Response {
    let lang = lang_of_path(parts.uri.path());
    let words = state.content().words().get(key, lang);
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{words}\n"),
    )
        .into_response()
}

/// Starts a session for `coordinator` (a new id each time): the store keeps its hash, the
/// returned id goes into the cookie ([`session_cookie_header`]). `None` when the coordinator
/// was removed at or after `granted_at` (when the proof that signs them in began).
pub async fn start_session(
    state: &AppState,
    coordinator: &str,
    granted_at: Timestamp,
) -> Result<Option<String>, crate::store::StoreError> {
    let id = new_secret();
    let now: Timestamp = state.received_now();
    let started = state
        .store()
        .create_session(NewSession {
            id_hash: hash(&id),
            coordinator: normalize_email(coordinator),
            created_at: now,
            expires_at: now + state.config().auth.session_max,
            granted_at,
        })
        .await?;
    Ok(started.then_some(id))
}

/// The CSRF token of a session id (for [`testing`]).
pub(crate) fn csrf_for_id(id: &str) -> String {
    csrf_of(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_in_hex_and_secrets_are_fresh() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn the_csrf_token_is_bound_to_the_session_and_is_not_its_hash() {
        let id = new_secret();
        assert_eq!(csrf_of(&id), csrf_of(&id));
        assert_ne!(csrf_of(&id), hash(&id));
        assert_ne!(csrf_of(&id), csrf_of(&new_secret()));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-passerelle-session=abc ; b=2"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("passerelle-session=abc"),
        );
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn auth_does_not_depend_on_the_routes() {
        // The dependency points routes -> auth (review d1).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/auth");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let found = text.lines().any(|line| {
                !line.trim_start().starts_with("//") && line.contains(concat!("crate::", "routes"))
            });
            assert!(!found, "{} uses the routes", path.display());
        }
    }

    #[test]
    fn the_language_comes_from_the_path() {
        assert_eq!(lang_of_path("/coordination/fr/coordinators"), Lang::Fr);
        assert_eq!(lang_of_path("/coordination/en/"), Lang::En);
        assert_eq!(lang_of_path("/coordination/xx/"), Lang::En);
    }
}
