//! Only the site's own pages may post: a check of `Sec-Fetch-Site` and `Origin`, which
//! browsers send and pages cannot forge. Requests without either (scripts, tests, very old
//! browsers) carry no ambient credentials to abuse and are allowed.

use crate::config::Config;
use axum::http::{HeaderMap, header};

/// Whether a post with these headers may proceed.
pub fn allowed(headers: &HeaderMap, config: &Config) -> bool {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase())
    };
    // The browser's own verdict, when it gives one.
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site.as_str(), "same-origin" | "none");
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let origin = origin.trim_end_matches('/');
    if config
        .site_origins
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    config.allow_host_origin
        && text(header::HOST.as_str()).is_some_and(|host| {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MailConfig, StoreConfig};
    use axum::http::HeaderValue;

    fn config(allow_host_origin: bool) -> Config {
        Config {
            store: StoreConfig::Sqlite("x".into()),
            mail: MailConfig::File("x".into()),
            mail_from: "a@example.ca".parse().unwrap(),
            reply_to: "program@example.ca".parse().unwrap(),
            coordinators: vec!["c@example.ca".into()],
            site_origins: vec!["https://peer-support.example.ca".into()],
            allow_host_origin,
            retention_days: 90,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_sites_own_pages_may_post() {
        let c = config(false);
        assert!(allowed(&headers(&[("sec-fetch-site", "same-origin")]), &c));
        assert!(allowed(
            &headers(&[("origin", "https://peer-support.example.ca")]),
            &c
        ));
        assert!(allowed(&headers(&[]), &c));
    }

    #[test]
    fn other_sites_may_not() {
        let c = config(false);
        for h in [
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("origin", "https://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://peer-support.example.ca"),
            ]),
        ] {
            assert!(!allowed(&h, &c), "{h:?}");
        }
    }

    #[test]
    fn the_local_server_allows_its_own_host() {
        let h = headers(&[
            ("origin", "http://127.0.0.1:8123"),
            ("host", "127.0.0.1:8123"),
        ]);
        assert!(allowed(&h, &config(true)));
        assert!(!allowed(&h, &config(false)));
        let other = headers(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:8123"),
        ]);
        assert!(!allowed(&other, &config(true)));
    }
}
