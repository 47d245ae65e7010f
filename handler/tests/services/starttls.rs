//! SMTP as production sends it to SES: STARTTLS required, then a login. The relay here is
//! aiosmtpd (starttls_smtp.py) with a certificate for `localhost` from a throwaway authority
//! made at test time. Trusted through `PASSERELLE_SMTP_CA_FILE`, mail goes over TLS with the
//! login; not trusted, the certificate is refused before any login or message, and the
//! notifications wait in the store for a relay that can be trusted.

use crate::env::{Mail, Site, SmtpServer, required, table};
use crate::support::{OPEN, intake, location, reference_in};
use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::StatusCode;
use handler::delivery::mail::Mailer;
use handler::delivery::notifier;
use handler::store::dynamodb::DynamoStore;
use jiff::{SignedDuration, Timestamp};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tempfile::TempDir;

const USER: &str = "ses-smtp-user";
const PASSWORD: &str = "relay-password-0123";

/// The answers of [`intake`] that identify the person: none may appear in an error.
const PERSONAL: [&str; 3] = ["Sam Tester", "sam@example.ca", "613-555-0100"];

/// A STARTTLS-only relay on 127.0.0.1 and the authority that signed its certificate.
struct TlsRelay {
    server: SmtpServer,
    /// ca.pem, server.pem, server.key and events.jsonl; removed with the test.
    dir: TempDir,
}

impl TlsRelay {
    fn start() -> TlsRelay {
        let dir = tempfile::tempdir().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Passerelle test relay authority");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), leaf_cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), leaf_key.serialize_pem()).unwrap();

        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/services/starttls_smtp.py");
        let files = dir.path().to_path_buf();
        let server = SmtpServer::start_with(move |port, maildir| {
            let mut command = Command::new(required("PASSERELLE_TEST_PYTHON"));
            command
                .arg(&script)
                .arg(port.to_string())
                .arg(maildir)
                .arg(files.join("server.pem"))
                .arg(files.join("server.key"))
                .arg(files.join("events.jsonl"))
                .env("SMTP_TEST_USER", USER)
                .env("SMTP_TEST_PASSWORD", PASSWORD);
            command
        });
        TlsRelay { server, dir }
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `smtp://localhost:PORT` plus `suffix`: the name the certificate is for.
    fn url(&self, suffix: &str) -> String {
        format!("smtp://localhost:{}{suffix}", self.server.port)
    }

    /// What the relay saw: one JSON object per login attempt and per message.
    fn events(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.dir.path().join("events.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(err) => panic!("reading the relay's events: {err}"),
        }
    }

    fn messages(&self) -> Vec<Mail> {
        self.server.messages()
    }
}

/// A mailer made the way the handler makes it: from the variables, through the config.
fn mailer(vars: &[(&str, &str)]) -> Arc<dyn Mailer> {
    let vars: HashMap<&str, &str> = vars.iter().copied().collect();
    let mail = handler::config::mail_config_from_lookup(Path::new("/nowhere"), &|name| {
        vars.get(name).map(|v| v.to_string())
    })
    .expect("valid mail settings");
    handler::local::open_mailer(&mail).unwrap()
}

/// The value of a header line (`X-Test-TLS: TLSv1.3`) in a message's headers.
fn header<'a>(mail: &'a Mail, name: &str) -> Option<&'a str> {
    mail.headers
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

/// Posts the English intake form and returns the reference.
async fn submit(site: &Site) -> String {
    let response = site.post_form("intake", &intake("en")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    reference_in(&location(&response))
}

/// The notifications of `reference` as stored: (attempts, last error), sent or not.
async fn notifications(store: &DynamoStore, reference: &str) -> Vec<(u32, Option<String>, bool)> {
    let output = store
        .client()
        .await
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :note)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("SUB#{reference}")))
        .expression_attribute_values(":note", AttributeValue::S("NOTE#".into()))
        .send()
        .await
        .unwrap();
    output
        .items()
        .iter()
        .map(|item| {
            let attempts = match item.get("attempts") {
                Some(AttributeValue::N(n)) => n.parse().unwrap(),
                other => panic!("attempts: {other:?}"),
            };
            let error = match item.get("last_error") {
                Some(AttributeValue::S(text)) => Some(text.clone()),
                _ => None,
            };
            (attempts, error, item.contains_key("sent_at"))
        })
        .collect()
}

/// Trusting the relay's authority: both emails arrive, and the relay recorded a TLS session
/// and the login for each; no login was ever tried outside TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_over_starttls_with_the_login_when_the_relay_is_trusted() {
    let relay = TlsRelay::start();
    let ca_file = relay.ca_file();
    let url = relay.url("");
    let site = Site::new(
        OPEN,
        Arc::new(table("starttls", 90).await),
        mailer(&[
            ("PASSERELLE_MAIL", &url),
            ("PASSERELLE_SMTP_USERNAME", USER),
            ("PASSERELLE_SMTP_PASSWORD", PASSWORD),
            ("PASSERELLE_SMTP_CA_FILE", ca_file.to_str().unwrap()),
        ]),
    );
    let reference = submit(&site).await;
    assert_eq!(notifier::drain(site.state.delivery()).await.unwrap(), 2);

    let mail = relay.messages();
    assert_eq!(mail.len(), 2, "{mail:#?}");
    let recipients: Vec<&str> = mail.iter().map(|m| m.rcpt.as_str()).collect();
    assert!(recipients.contains(&"sam@example.ca"), "{recipients:?}");
    assert!(
        recipients.contains(&site.coordinator.as_str()),
        "{recipients:?}"
    );
    for message in &mail {
        assert_eq!(message.reference.as_deref(), Some(reference.as_str()));
        assert!(message.text.contains(&reference) && message.html.contains(&reference));
        let tls = header(message, "X-Test-TLS").expect("the relay's X-Test-TLS header");
        assert!(
            tls == "TLSv1.3" || tls == "TLSv1.2",
            "delivered in a TLS session, not `{tls}`"
        );
        assert_eq!(header(message, "X-Test-Auth"), Some(USER));
    }
    let events = relay.events();
    let logins: Vec<_> = events.iter().filter(|e| e["event"] == "auth").collect();
    assert!(!logins.is_empty(), "the client logged in: {events:?}");
    for event in &events {
        assert!(
            event["tls"]
                .as_str()
                .is_some_and(|v| v.starts_with("TLSv1.")),
            "everything inside TLS: {event}"
        );
        if event["event"] == "auth" {
            assert_eq!(event["ok"], true, "{event}");
        }
    }
}

/// Not trusting the relay's authority (as with a relay that is not who it claims to be): the
/// certificate is refused before a login or a message is sent. A local `smtp://` URL without a
/// CA file (plain SMTP allowed) sends no login either, as the relay offers none before TLS.
/// Both are transient failures: the notifications stay queued with an error that names no one,
/// and are delivered once the relay's authority is trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_relay_gets_nothing_and_the_notifications_wait() {
    let relay = TlsRelay::start();
    let store = table("starttls-untrusted", 90).await;
    let site_with = |vars: &[(&str, &str)]| Site::new(OPEN, Arc::new(store.clone()), mailer(vars));
    let login = [
        ("PASSERELLE_SMTP_USERNAME", USER),
        ("PASSERELLE_SMTP_PASSWORD", PASSWORD),
    ];

    let untrusted = relay.url("?tls=required");
    let plain = relay.url("");
    let mut submitted: Option<String> = None;
    let mut now = Timestamp::now();
    for (attempt, (url, expected)) in [
        (untrusted.as_str(), "certificate"),
        (plain.as_str(), "authentication"),
    ]
    .into_iter()
    .enumerate()
    {
        let site = site_with(&[login[0], login[1], ("PASSERELLE_MAIL", url)]);
        if submitted.is_none() {
            submitted = Some(submit(&site).await);
            now = Timestamp::now();
        }
        let reference = submitted.as_deref().unwrap();
        // Each retry waits its backoff (1, then 2 minutes): 5 minutes apart is past both.
        let at = now + SignedDuration::from_mins(5 * attempt as i64);
        assert_eq!(
            notifier::drain_at(site.state.delivery(), at).await.unwrap(),
            0,
            "{url}"
        );

        assert!(relay.events().is_empty(), "{url}: {:?}", relay.events());
        assert!(relay.messages().is_empty(), "{url}");
        let notes = notifications(&store, reference).await;
        assert_eq!(notes.len(), 2, "{notes:?}");
        for (attempts, error, sent) in &notes {
            assert_eq!(*attempts, attempt as u32 + 1, "{url}: {notes:?}");
            assert!(!sent, "{url}: {notes:?}");
            let error = error.as_deref().expect("the reason is stored");
            assert!(error.contains(expected), "{url}: {error}");
            for personal in PERSONAL.iter().chain([&site.coordinator.as_str()]) {
                assert!(!error.contains(personal), "{url}: {error}");
            }
            assert!(!error.contains(PASSWORD), "{url}: {error}");
        }
    }

    // Nothing was lost: trusting the authority delivers both, once, over TLS.
    let reference = submitted.unwrap();
    let ca_file = relay.ca_file();
    let site = site_with(&[
        login[0],
        login[1],
        ("PASSERELLE_MAIL", &untrusted),
        ("PASSERELLE_SMTP_CA_FILE", ca_file.to_str().unwrap()),
    ]);
    let later = now + SignedDuration::from_mins(15);
    assert_eq!(
        notifier::drain_at(site.state.delivery(), later)
            .await
            .unwrap(),
        2
    );
    let mail = relay.messages();
    assert_eq!(mail.len(), 2, "{mail:#?}");
    for message in &mail {
        assert_eq!(message.reference.as_deref(), Some(reference.as_str()));
        assert!(header(message, "X-Test-TLS").is_some_and(|v| v.starts_with("TLSv1.")));
    }
    assert!(
        notifications(&store, &reference)
            .await
            .iter()
            .all(|(_, _, sent)| *sent)
    );
    assert_eq!(
        notifier::drain_at(site.state.delivery(), later)
            .await
            .unwrap(),
        0
    );
}

/// A refused login (535: wrong credentials, another region's, or the placeholder) is retried,
/// reading the credentials again each time, up to the attempt cap; then each notification is
/// given up on (kept, with the reason) and never tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_is_retried_up_to_the_cap_then_given_up() {
    let relay = TlsRelay::start();
    let store = table("starttls-login", 90).await;
    let ca_file = relay.ca_file();
    let url = relay.url("");
    let site = Site::with_settings(
        OPEN,
        Arc::new(store.clone()),
        mailer(&[
            ("PASSERELLE_MAIL", &url),
            ("PASSERELLE_SMTP_USERNAME", USER),
            ("PASSERELLE_SMTP_PASSWORD", "not-the-password"),
            ("PASSERELLE_SMTP_CA_FILE", ca_file.to_str().unwrap()),
        ]),
        &[("PASSERELLE_NOTIFY_MAX_ATTEMPTS", "2")],
    );
    let reference = submit(&site).await;
    let now = Timestamp::now();
    let logins = || {
        relay
            .events()
            .iter()
            .filter(|e| e["event"] == "auth")
            .inspect(|e| assert_eq!(e["ok"], false, "{e}"))
            .count()
    };
    let first = notifier::drain_within(site.state.delivery(), now, notifier::Budget::unlimited())
        .await
        .unwrap();
    assert_eq!((first.sent, first.retrying, first.gave_up), (0, 2, 0));
    assert_eq!(
        logins(),
        2,
        "one login per message: the transport is dropped"
    );
    let later = now + SignedDuration::from_mins(5);
    let second =
        notifier::drain_within(site.state.delivery(), later, notifier::Budget::unlimited())
            .await
            .unwrap();
    assert_eq!((second.sent, second.retrying, second.gave_up), (0, 0, 2));
    assert_eq!(logins(), 4);
    for (attempts, error, sent) in notifications(&store, &reference).await {
        assert_eq!((attempts, sent), (2, false));
        let error = error.expect("the reason is kept");
        assert!(
            error.contains("gave up after 2 attempts") && error.contains("535"),
            "{error}"
        );
        assert!(!error.contains("not-the-password"), "{error}");
    }
    let much_later = now + SignedDuration::from_hours(24);
    assert_eq!(
        notifier::drain_at(site.state.delivery(), much_later)
            .await
            .unwrap(),
        0
    );
    assert_eq!(logins(), 4, "never tried again");
    assert!(relay.messages().is_empty());
}
