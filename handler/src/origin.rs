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
    // A local server answers only to its loopback names. Any other name is DNS rebinding (a
    // site whose name resolves to 127.0.0.1), which the browser calls same-origin.
    if config.allow_host_origin
        && text(header::HOST.as_str()).is_some_and(|host| !is_loopback_host(&host))
    {
        return false;
    }
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

/// `127.0.0.1`, `localhost` or `[::1]`, with or without a port (`host` is lowercase).
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(host, |(name, _)| name),
        None => host.split_once(':').map_or(host, |(name, _)| name),
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
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
            done_retention_days: 30,
            confirmation_key: crate::confirmation::ConfirmationKey::new(&"k".repeat(32)).unwrap(),
            ack_per_address_per_day: 3,
            notify_max_attempts: crate::config::DEFAULT_NOTIFY_MAX_ATTEMPTS,
            acknowledgements: crate::config::Acknowledgements::Send,
            ses_configuration_set: None,
            auth: Default::default(),
            notice_answers: crate::config::NoticeAnswers::Omit,
            public_origin: "https://peer-support.example.ca".into(),
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

    #[test]
    fn the_local_server_refuses_other_names_for_itself_dns_rebinding() {
        // evil.example now resolves to 127.0.0.1: its page posts "same-origin".
        let rebound = headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://evil.example:8123"),
            ("host", "evil.example:8123"),
        ]);
        assert!(!allowed(&rebound, &config(true)));
        let no_fetch_metadata = headers(&[
            ("origin", "http://evil.example:8123"),
            ("host", "evil.example:8123"),
        ]);
        assert!(!allowed(&no_fetch_metadata, &config(true)));
        for host in ["127.0.0.1:8123", "localhost:8123", "[::1]:8123"] {
            let mut own = HeaderMap::new();
            own.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
            own.insert("host", HeaderValue::from_str(host).unwrap());
            own.insert(
                "origin",
                HeaderValue::from_str(&format!("http://{host}")).unwrap(),
            );
            assert!(allowed(&own, &config(true)), "{host}");
            own.remove("sec-fetch-site");
            assert!(allowed(&own, &config(true)), "{host}");
        }
    }
}
