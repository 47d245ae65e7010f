//! SMTP delivery to a real server (aiosmtpd), and nothing lost while it is down.

use crate::env::{Site, SmtpServer, mail_about, required, smtp_mailer, table};
use crate::support::{OPEN, intake, location, reference_in};
use axum::http::StatusCode;
use handler::delivery::notifier;
use jiff::{SignedDuration, Timestamp};
use model::Lang;
use model::typography::in_lang;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Each email reaches its recipient, the acknowledgement in the person's language, both with
/// the reference, as text and HTML alternatives, and no answer in any header.
#[tokio::test]
async fn each_email_reaches_its_recipient_in_their_language() {
    let store = table("smtp", 90).await;
    let site = Site::new(
        OPEN,
        Arc::new(store),
        smtp_mailer(&required("PASSERELLE_TEST_SMTP")),
    );
    for lang in [Lang::En, Lang::Fr] {
        let response = site.post_form("intake", &intake(lang.code())).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let reference = reference_in(&location(&response));
        let sent = notifier::drain(site.state.delivery()).await.unwrap();
        assert_eq!(sent, 2, "{lang}");

        let content = site.state.content();
        let form = content.form("intake").unwrap();
        let mail = mail_about(&reference);
        assert_eq!(mail.len(), 2, "{mail:#?}");
        let ack = mail
            .iter()
            .find(|m| m.kind.as_deref() == Some("acknowledgement"))
            .expect("an acknowledgement");
        assert_eq!(ack.rcpt, "sam@example.ca");
        assert_eq!(ack.to, "sam@example.ca");
        // Discreet by default (site.toml [discretion]): the neutral subject, never the program.
        assert!(content.site.discretion.acknowledgements);
        let subject = in_lang(
            &content
                .discreet
                .subject
                .get(lang)
                .replace("{reference}", &reference),
            lang,
        );
        assert_eq!(ack.subject, subject);
        let notice = mail
            .iter()
            .find(|m| m.kind.as_deref() == Some("coordinator"))
            .expect("a coordinator's notice");
        assert_eq!(notice.rcpt, site.coordinator);
        assert_eq!(
            notice.subject,
            format!("{} / {} ({reference})", form.title.en, form.title.fr)
        );
        for message in &mail {
            assert_eq!(message.content_type, "multipart/alternative");
            assert!(message.parts.contains(&"text/plain".to_string()));
            assert!(message.parts.contains(&"text/html".to_string()));
            assert!(message.text.contains(&reference) && message.html.contains(&reference));
            assert!(
                !message.headers.contains("Sam Tester") && !message.headers.contains("613-555"),
                "no answer in a header: {}",
                message.headers
            );
        }
        // The person's copy carries no answers at all.
        assert!(!ack.text.contains("Sam Tester") && !ack.text.contains("613-555-0100"));
    }
}

/// With the SMTP server stopped, submissions are still accepted and stored; once it is back,
/// every pending email is delivered exactly once per recipient, and a second run sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_while_the_mail_server_is_down() {
    let mut server = SmtpServer::start();
    let store = table("smtp-outage", 90).await;
    let site = Site::new(OPEN, Arc::new(store), smtp_mailer(&server.url()));
    server.stop();

    let mut references = Vec::new();
    for n in 0..3 {
        let name = format!("Person {n}");
        let email = format!("person{n}@example.ca");
        let answers: Vec<(&str, &str)> = intake("en")
            .into_iter()
            .map(|(field, value)| match field {
                "name" => (field, name.as_str()),
                "email" => (field, email.as_str()),
                _ => (field, value),
            })
            .collect();
        let response = site.post_form("intake", &answers).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "accepted while mail is down"
        );
        let reference = reference_in(&location(&response));
        let stored = site
            .state
            .store()
            .get(&handler::Reference::parse(&reference).unwrap())
            .await
            .unwrap();
        assert!(stored.is_some(), "stored while mail is down");
        references.push(reference);
    }
    let now = Timestamp::now();
    assert_eq!(
        notifier::drain_at(site.state.delivery(), now)
            .await
            .unwrap(),
        0
    );
    assert!(server.messages().is_empty());

    server.restart();
    // Before the retry time nothing is due; after it, everything is sent once.
    assert_eq!(
        notifier::drain_at(site.state.delivery(), now)
            .await
            .unwrap(),
        0
    );
    let later = now + SignedDuration::from_mins(5);
    assert_eq!(
        notifier::drain_at(site.state.delivery(), later)
            .await
            .unwrap(),
        6
    );
    let mail = server.messages();
    assert_eq!(mail.len(), 6, "{mail:#?}");
    let pairs: BTreeSet<(String, String)> = mail
        .iter()
        .map(|m| (m.rcpt.clone(), m.reference.clone().unwrap()))
        .collect();
    assert_eq!(pairs.len(), 6, "one message per recipient and reference");
    for (n, reference) in references.iter().enumerate() {
        assert!(pairs.contains(&(format!("person{n}@example.ca"), reference.clone())));
        assert!(pairs.contains(&(site.coordinator.clone(), reference.clone())));
    }

    // A second run (and a much later one) sends nothing more.
    assert_eq!(
        notifier::drain_at(site.state.delivery(), later)
            .await
            .unwrap(),
        0
    );
    let much_later = now + SignedDuration::from_hours(3);
    assert_eq!(
        notifier::drain_at(site.state.delivery(), much_later)
            .await
            .unwrap(),
        0
    );
    assert_eq!(server.messages().len(), 6);
}

/// SMTP credentials from Secrets Manager (moto serves that API too): refused while the
/// stack's placeholder is there, with a message that names neither value; read once filled.
#[tokio::test]
async fn smtp_credentials_come_from_the_secret_once_it_is_filled() {
    use handler::delivery::mail::MailError;
    use handler::delivery::smtp::read_secret;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(required("PASSERELLE_TEST_DYNAMODB_ENDPOINT"))
        .load()
        .await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let name = crate::env::unique("smtp-secret");
    // What infra/template.yaml generates: the placeholder user name and a random password.
    client
        .create_secret()
        .name(&name)
        .secret_string(r#"{"username":"REPLACE-WITH-SES-SMTP-USERNAME","password":"Zq8random"}"#)
        .send()
        .await
        .unwrap();
    match read_secret(&client, &name).await {
        Err(MailError::Transient(message)) => {
            assert!(message.contains("placeholder"), "{message}");
            assert!(!message.contains("Zq8random"), "{message}");
        }
        other => panic!("expected a transient error, got {other:?}"),
    }
    client
        .put_secret_value()
        .secret_id(&name)
        .secret_string(r#"{"username":"AKIAEXAMPLE","password":"s3cret"}"#)
        .send()
        .await
        .unwrap();
    let secret = read_secret(&client, &name).await.unwrap();
    assert_eq!(
        (secret.username.as_str(), secret.password.as_str()),
        ("AKIAEXAMPLE", "s3cret")
    );
    assert!(!format!("{secret:?}").contains("s3cret"));
}
