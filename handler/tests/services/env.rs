//! The servers the tests talk to, and a site wired to them.

use crate::support::build_site;
use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use handler::AppState;
use handler::config::{Config, SmtpConfig, SmtpCredentials};
use handler::content::{ContentSource, SitePages};
use handler::delivery::mail::Mailer;
use handler::delivery::smtp::SmtpMailer;
use handler::store::Store;
use handler::store::dynamodb::DynamoStore;
use serde::Deserialize;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tower::ServiceExt;

/// A variable the service tests need; a clear failure when it is missing.
pub fn required(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value,
        _ => panic!(
            "{name} is not set. The service tests need local servers: run scripts/test.sh, which \
             starts moto and aiosmtpd on 127.0.0.1 and sets PASSERELLE_TEST_DYNAMODB_ENDPOINT, \
             AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, PASSERELLE_TEST_SMTP, \
             PASSERELLE_TEST_MAILDIR and PASSERELLE_TEST_PYTHON (see handler/tests/services/main.rs)"
        ),
    }
}

/// A DynamoDB client for `endpoint` with `timeouts`, the SDK's usual configuration otherwise.
pub async fn client_for(endpoint: &str, timeouts: TimeoutConfig) -> Client {
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        required(name);
    }
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .timeout_config(timeouts)
        .load()
        .await;
    Client::new(&config)
}

/// The test server's timeouts: production's (handler::aws::timeouts, 3 s an attempt, 8 s in
/// all) are sized for DynamoDB, which answers in milliseconds. moto is one Python process
/// (one core, under the GIL) that deep-copies a table for each item of a transaction; on a
/// loaded machine, with the other tests' requests in its queue, one `TransactWriteItems` of
/// a 50-person race ran out of all three attempts (8 s). An attempt cut at 3 s is still carried
/// out by moto while the SDK sends it again, so each timeout adds to moto's queue, and the race
/// test failed with a 503 (or a timeout) that says nothing about the store. These tests prove what the store does, not how fast moto is; the outage tests keep
/// production's timeouts (unreachable_store).
fn test_server_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(120))
        .build()
}

/// A client for the test DynamoDB server.
pub async fn dynamodb() -> Client {
    client_for(
        &required("PASSERELLE_TEST_DYNAMODB_ENDPOINT"),
        test_server_timeouts(),
    )
    .await
}

/// Runs the 50-person races one at a time: they share one moto (and the store's per-process
/// write lock), so four at once only lengthen each other's queues. Hold the guard for the
/// test's length.
pub async fn one_race_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static RACES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    RACES.lock().await
}

/// A name no other test (or run) uses.
pub fn unique(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let short: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    format!(
        "t-{short}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new table on the test server, with the production key design, and a store on it.
pub async fn table(name: &str, retention_days: u32) -> DynamoStore {
    let store = DynamoStore::new(dynamodb().await, &unique(name), retention_days);
    assert!(store.create_table().await.expect("create the table"));
    store
}

/// A port nothing listens on (for "the server is down").
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A store whose DynamoDB refuses every connection (the server is stopped).
pub async fn unreachable_store() -> DynamoStore {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let client = client_for(&endpoint, handler::aws::timeouts()).await;
    DynamoStore::new(client, "unreachable", 90)
}

/// An SMTP mailer for `url` (no credentials: local servers).
pub fn smtp_mailer(url: &str) -> Arc<dyn Mailer> {
    Arc::new(SmtpMailer::new(SmtpConfig {
        url: handler::config::smtp_url(url).expect("an SMTP URL"),
        credentials: SmtpCredentials::None,
        ca: None,
    }))
}

/// A built site whose handler uses `store` and `mailer`, with its own coordinator address.
pub struct Site {
    /// The site's folder, kept for the test's length.
    pub _dir: TempDir,
    pub state: AppState,
    pub router: Router,
    pub coordinator: String,
}

impl Site {
    pub fn new(now: &str, store: Arc<dyn Store>, mailer: Arc<dyn Mailer>) -> Site {
        Site::with_settings(now, store, mailer, &[])
    }

    /// [`Site::new`] with these settings besides its coordinator's address.
    pub fn with_settings(
        now: &str,
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        vars: &[(&str, &str)],
    ) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let options = build_site(dir.path(), now);
        let content = ContentSource::load(&options.root).unwrap();
        let coordinator = format!("{}@coordinators.example.ca", unique("c"));
        let mut config = Config::from_lookup(&options.data_dir, &content.get().site, |name| {
            if name == "PASSERELLE_COORDINATORS" {
                return Some(coordinator.clone());
            }
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        config.allow_host_origin = true;
        let state = handler::local::assemble(
            content,
            SitePages::new(&options.site_dir),
            store,
            mailer,
            config,
            options.now.clone(),
        )
        .unwrap();
        Site {
            router: handler::router(state.clone()),
            _dir: dir,
            state,
            coordinator,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(request).await.unwrap()
    }

    pub async fn post_form(&self, form: &str, pairs: &[(&str, &str)]) -> Response<Body> {
        self.send(crate::support::form_request(form, pairs)).await
    }
}

/// One message as the SMTP server stored it.
#[derive(Debug, Deserialize)]
pub struct Mail {
    /// The envelope recipients (aiosmtpd's X-RcptTo).
    pub rcpt: String,
    pub to: String,
    pub subject: String,
    pub reference: Option<String>,
    pub kind: Option<String>,
    pub content_type: String,
    pub parts: Vec<String>,
    pub text: String,
    pub html: String,
    /// Every header name and value, to check no answer leaked into one.
    pub headers: String,
}

const READ_MAILDIR: &str = r#"
import email, json, mailbox, sys
from email import policy
out = []
for key, message in mailbox.Maildir(sys.argv[1], factory=None, create=False).items():
    m = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    text = html = ""
    for part in m.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    out.append({
        "rcpt": str(m.get("X-RcptTo", "")),
        "to": str(m.get("To", "")),
        "subject": str(m.get("Subject", "")),
        "reference": m.get("X-Passerelle-Reference"),
        "kind": m.get("X-Passerelle-Kind"),
        "content_type": m.get_content_type(),
        "parts": [p.get_content_type() for p in m.walk()],
        "text": text,
        "html": html,
        "headers": "\n".join(f"{k}: {v}" for k, v in m.items()),
    })
print(json.dumps(out))
"#;

/// Every message in a Maildir (read with Python's `mailbox` and `email`, which decode MIME
/// headers and bodies as a mail client would).
pub fn read_maildir(dir: &Path) -> Vec<Mail> {
    if !dir.join("new").exists() {
        return Vec::new();
    }
    let output = Command::new(required("PASSERELLE_TEST_PYTHON"))
        .arg("-c")
        .arg(READ_MAILDIR)
        .arg(dir)
        .output()
        .expect("run PASSERELLE_TEST_PYTHON");
    assert!(
        output.status.success(),
        "reading the Maildir failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The messages about `reference` in the shared test server's Maildir.
pub fn mail_about(reference: &str) -> Vec<Mail> {
    read_maildir(Path::new(&required("PASSERELLE_TEST_MAILDIR")))
        .into_iter()
        .filter(|m| m.reference.as_deref() == Some(reference))
        .collect()
}

/// How to start an SMTP server on a port with a Maildir (run with `PASSERELLE_TEST_PYTHON`).
type Launch = Box<dyn Fn(u16, &Path) -> Command + Send + Sync>;

/// A private aiosmtpd on its own port and Maildir, to stop and start.
pub struct SmtpServer {
    pub port: u16,
    pub maildir: TempDir,
    launch: Launch,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts a plain aiosmtpd (aiosmtpd's own `Mailbox` handler) and waits for its greeting.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(|port, maildir| {
            let mut command = Command::new(required("PASSERELLE_TEST_PYTHON"));
            command
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir);
            command
        })
    }

    /// Starts the server `launch` makes for a free port and a Maildir (binding 127.0.0.1 and
    /// storing messages there), and waits for its greeting.
    pub fn start_with(
        launch: impl Fn(u16, &Path) -> Command + Send + Sync + 'static,
    ) -> SmtpServer {
        let mut server = SmtpServer {
            port: free_port(),
            maildir: tempfile::tempdir().unwrap(),
            launch: Box::new(launch),
            child: None,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> PathBuf {
        self.maildir.path().join("Maildir")
    }

    /// Starts it again on the same port and Maildir.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = (self.launch)(self.port, &self.dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start an SMTP server with PASSERELLE_TEST_PYTHON");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::Read;
                let mut greeting = [0u8; 3];
                stream
                    .set_read_timeout(Some(Duration::from_secs(2)))
                    .unwrap();
                if stream.read_exact(&mut greeting).is_ok() && &greeting == b"220" {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("the SMTP server on port {} exited: {status}", self.port);
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the SMTP server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it (the port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn messages(&self) -> Vec<Mail> {
        read_maildir(&self.dir())
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One notification as the table keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// `coordinator` or `acknowledgement`.
    pub kind: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent: bool,
    /// Still in the index's PENDING partition (to be tried again).
    pub pending: bool,
}

/// The notifications of `reference`, read straight from the table.
pub async fn stored_notices(store: &DynamoStore, reference: &str) -> Vec<StoredNotice> {
    let output = store
        .client()
        .await
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :note)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("SUB#{reference}")))
        .expression_attribute_values(":note", AttributeValue::S("NOTE#".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| match item
        .get(name)
    {
        Some(AttributeValue::S(text)) => Some(text.clone()),
        _ => None,
    };
    output
        .items()
        .iter()
        .map(|item| StoredNotice {
            kind: text(item, "notification").expect("a kind"),
            attempts: match item.get("attempts") {
                Some(AttributeValue::N(n)) => n.parse().unwrap(),
                other => panic!("attempts: {other:?}"),
            },
            last_error: text(item, "last_error"),
            sent: item.contains_key("sent_at"),
            pending: text(item, "gsi1pk").as_deref() == Some("PENDING"),
        })
        .collect()
}
