//! The invitation to the coordinators' workspace (crate::auth::invitation decides and stores
//! it): English then French, each with its enrolment link, rendered from
//! `templates/email/invitation.{txt,html}` through the site's one template environment, as
//! the other emails are.
//!
//! Unlike the other emails it is still sent from the request that asks for it, not queued
//! store-first for the notifier: if the mail server fails, the coordinator sees "unavailable"
//! and sends the invitation again (review m12, left to do).

use super::emails::Email;
use super::mail::{AutoSubmitted, KindHeader, MailError, SesConfigurationSet};
use crate::config::Config;
use crate::content::Content;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use model::Lang;
use serde::Serialize;
use tera::Context;

/// One paragraph of a language's part: its words, or (`link`) the enrolment link alone.
#[derive(Debug, Serialize)]
struct Paragraph {
    text: String,
    link: bool,
}

#[derive(Debug, Serialize)]
struct Section {
    lang: &'static str,
    paragraphs: Vec<Paragraph>,
}

/// The invitation whose enrolment link in each language is `link(lang)`.
pub fn invitation_email(
    content: &Content,
    link: impl Fn(Lang) -> String,
) -> Result<Email, tera::Error> {
    let words = content.words();
    let sections: Vec<Section> = Lang::ALL
        .into_iter()
        .map(|lang| Section {
            lang: lang.code(),
            paragraphs: words
                .get("workspace_invitation_text", lang)
                .split("\n\n")
                .map(|text| match text.trim() {
                    "{link}" => Paragraph {
                        text: link(lang),
                        link: true,
                    },
                    text => Paragraph {
                        text: text.to_string(),
                        link: false,
                    },
                })
                .collect(),
        })
        .collect();
    let subject = words.get("workspace_invitation_subject_both", Lang::En);
    let mut context = Context::new();
    context.insert("subject", &subject);
    context.insert("sections", &sections);
    let render = |name: &str| -> Result<String, tera::Error> {
        let text = content
            .templates
            .render(&format!("email/{name}"), &context)?;
        Ok(format!("{}\n", text.trim()))
    };
    Ok(Email {
        subject: subject.clone(),
        text: render("invitation.txt")?,
        html: render("invitation.html")?,
        sender_name: None,
    })
}

/// The message for `to`, from the configured sender (and SES configuration set).
pub fn invitation_message(email: &Email, config: &Config, to: &str) -> Result<Message, MailError> {
    let to: Mailbox = to
        .parse()
        .map_err(|_| MailError::Permanent("the recipient's address is refused".into()))?;
    let mut builder = Message::builder()
        .from(config.mail_from.clone())
        .to(to)
        .subject(email.subject.clone())
        .header(KindHeader("invitation".to_string()))
        .header(AutoSubmitted("auto-generated".to_string()));
    if let Some(set) = &config.ses_configuration_set {
        builder = builder.header(SesConfigurationSet(set.clone()));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|err| MailError::Permanent(err.to_string()))
}
