//! The two emails a submission causes, built from the stored record (never from the request),
//! rendered from `templates/email/` through the site's one template environment (the `render`
//! crate: its escaper, `french_spacing` and partials, as the pages have):
//!
//! - the acknowledgement of receipt, to the person, in their chosen official language: the
//!   reference number and what happens next, and never a copy of their answers;
//! - the coordinators' notice, in English then French: by default no personal data (the form,
//!   reference, offering and cohort, status, received date and the link to the submission in
//!   the workspace), so a notice forwarded by mistake tells nothing about the person; with
//!   `PASSERELLE_NOTICE_ANSWERS=include`, the answers with their labels too (for an anonymous
//!   form only the choices, service and rating: its written comments stay in the store).

use crate::config::{Config, NoticeAnswers};
use crate::content::Content;
use crate::delivery::mail::{AutoSubmitted, KindHeader, MailError, ReferenceHeader};
use crate::reveal::reveal;
use crate::store::{NotificationKind, Status, StoredSubmission};
use crate::words::{Words, confirmation_for, status_key, support_line};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use model::datetime;
use model::forms::{FieldKind, FormDef, FormWords};
use model::typography::in_lang;
use model::{Lang, SiteConfig};
use serde::Serialize;
use tera::Context;

/// An email's subject, its two bodies, and the sender name it shows instead of the configured
/// one (a discreet acknowledgement's neutral name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sender_name: Option<String>,
}

/// "Your reference number: K7MW4XTA" / "Votre numéro de référence : K7MW4XTA".
pub fn reference_line(words: &FormWords, reference: &str, lang: Lang) -> String {
    let colon = match lang {
        Lang::En => ":",
        Lang::Fr => "\u{a0}:",
    };
    format!("{}{colon} {reference}", words.reference_label.get(lang))
}

/// What a person's email about a registration adds to the acknowledgement (issue 13).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationNews {
    /// Their personal withdrawal link (crate::withdrawal), for a registration or a place on
    /// a waiting list that can still be withdrawn.
    pub withdraw_url: Option<String>,
    /// The email tells a person who was waiting that a place is now theirs: its own title and
    /// first paragraph instead of the acknowledgement's.
    pub promotion: bool,
    /// The email confirms to the person that their place (or place on the waiting list) is
    /// cancelled: its own subject, title and paragraph, and no next steps.
    pub withdrawn: bool,
}

#[derive(Serialize)]
struct WithdrawLine {
    line: String,
    url: String,
}

/// The acknowledgement of receipt, in the person's language (French with its spacing). When
/// `[discretion] acknowledgements` is on, its subject, sender name and first line are the
/// neutral words of content/strings.toml: an inbox's list, a lock screen or a preview shows
/// nothing that names the program.
pub fn acknowledgement(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
) -> Result<Email, tera::Error> {
    person_email(content, form, stored, &RegistrationNews::default())
}

/// The acknowledgement with a registration's `news`: the withdrawal link and, for a promotion,
/// the news that a place is theirs.
pub fn person_email(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    news: &RegistrationNews,
) -> Result<Email, tera::Error> {
    let site = &content.site;
    let lang = stored.submission.reply_lang();
    let typeset = |s: &str| in_lang(s, lang);
    let confirmation = confirmation_for(form, stored.status);
    let discreet = site
        .discretion
        .acknowledgements
        .then_some(&content.discreet);
    let subject = match discreet {
        Some(words) => typeset(
            &words
                .subject
                .get(lang)
                .replace("{reference}", stored.reference.as_str()),
        ),
        None => format!(
            "{} ({})",
            typeset(&news_subject(content, form, news, lang)),
            stored.reference
        ),
    };
    let mut context = Context::new();
    context.insert("lang", &lang);
    context.insert("subject", &subject);
    context.insert(
        "first_line",
        &discreet.map(|words| typeset(words.first_line.get(lang))),
    );
    context.insert("title", &typeset(confirmation.title.get(lang)));
    context.insert(
        "reference_label",
        &typeset(form.words.reference_label.get(lang)),
    );
    context.insert("reference", stored.reference.as_str());
    context.insert(
        "reference_line",
        &reference_line(&form.words, stored.reference.as_str(), lang),
    );
    context.insert(
        "next_title",
        &typeset(form.words.what_happens_next.get(lang)),
    );
    context.insert(
        "next_steps",
        &confirmation
            .next_steps
            .iter()
            .map(|s| typeset(s.get(lang)))
            .collect::<Vec<_>>(),
    );
    let words = content.words();
    context.insert("support", &support_line(words, lang));
    context.insert("reply", &words.get("acknowledgement_reply", lang));
    context.insert("not_you", &words.get("acknowledgement_not_you", lang));
    context.insert("program_name", &typeset(site.program.name.get(lang)));
    context.insert("org_name", &typeset(site.program.org_name.get(lang)));
    insert_news(&mut context, words, stored, news, lang);
    Ok(Email {
        subject,
        text: part(content, "acknowledgement.txt", &context)?,
        html: part(content, "acknowledgement.html", &context)?,
        sender_name: discreet.map(|words| typeset(words.sender.get(lang))),
    })
}

/// The subject of a person's email without discretion: the form's acknowledgement subject,
/// or the promotion's or the withdrawal's own (neutral: no program, no offering named).
fn news_subject(content: &Content, form: &FormDef, news: &RegistrationNews, lang: Lang) -> String {
    let words = content.words();
    match (news.promotion, news.withdrawn) {
        (true, _) => words.get("promotion_email_subject", lang),
        (_, true) => words.get("withdrawal_email_subject", lang),
        _ => form
            .acknowledgement
            .as_ref()
            .map_or(&form.title, |a| &a.subject)
            .get(lang)
            .to_string(),
    }
}

/// A registration's news in the person's email: a promotion's title and first paragraph, and
/// the withdrawal link with the words for the person's status.
fn insert_news(
    context: &mut Context,
    words: Words<'_>,
    stored: &StoredSubmission,
    news: &RegistrationNews,
    lang: Lang,
) {
    let intro = match (news.promotion, news.withdrawn) {
        (true, _) => {
            context.insert("title", &words.get("promotion_email_title", lang));
            Some(words.get("promotion_email_text", lang))
        }
        (_, true) => {
            context.insert("title", &words.get("withdrawal_email_title", lang));
            context.insert("next_steps", &Vec::<String>::new());
            Some(words.get("withdrawal_email_text", lang))
        }
        _ => None,
    };
    context.insert("intro", &intro);
    let line = match stored.status {
        Status::Registered => Some("withdraw_email_line"),
        Status::Waitlisted => Some("withdraw_email_waiting_line"),
        _ => None,
    };
    let withdraw = line
        .zip(news.withdraw_url.as_ref())
        .map(|(key, url)| WithdrawLine {
            line: words.get(key, lang),
            url: url.clone(),
        });
    context.insert("withdraw", &withdraw);
}

#[derive(Serialize)]
struct NoticeSection {
    lang: Lang,
    heading: String,
    /// What the coordinators are asked to do, first (a promotion: call the person).
    action: Option<String>,
    reference_line: String,
    received_line: String,
    status_line: String,
    /// The offering and cohort chosen, when the answers are left out (they name it otherwise).
    cohort_line: Option<String>,
    /// The line leading to the submission in the workspace, split around its address so the
    /// HTML part can make it a link.
    link_before: String,
    link: String,
    link_after: String,
    answers: Vec<NoticeAnswer>,
    note: String,
}

#[derive(Serialize)]
struct NoticeAnswer {
    label: String,
    value: String,
}

/// When a submission arrived, as people read it: "Sunday, June 1, 2025, 12 pm ET"; for an
/// anonymous form, the date only (crate::anonymous).
pub fn when(stored: &StoredSubmission, site: &SiteConfig, lang: Lang, anonymous: bool) -> String {
    let at = stored.received_at.to_zoned(site.tz());
    let date = datetime::format_date_with_weekday(at.date(), lang);
    if anonymous {
        return date;
    }
    let time = datetime::format_time(at.time(), lang);
    let zone = datetime::zone_label(&at, lang, site.zone_label);
    match lang {
        Lang::En => format!("{date}, {time} {zone}"),
        Lang::Fr => format!("{date}, {time} ({zone})"),
    }
}

/// An email's part: `templates/email/<name>` rendered through the site's template
/// environment, trimmed, with one final line break.
fn part(content: &Content, name: &str, context: &Context) -> Result<String, tera::Error> {
    let text = content
        .templates
        .render(&format!("email/{name}"), context)?;
    Ok(format!("{}\n", text.trim()))
}

/// What the coordinators' notice carries and where it links: the settings' choice
/// (`PASSERELLE_NOTICE_ANSWERS`) and the workspace's origin ([`Config::public_origin`]).
#[derive(Debug, Clone, Copy)]
pub struct NoticeSettings<'a> {
    pub answers: NoticeAnswers,
    pub origin: &'a str,
}

impl<'a> NoticeSettings<'a> {
    /// The notice settings of `config`.
    pub fn of(config: &'a Config) -> NoticeSettings<'a> {
        NoticeSettings {
            answers: config.notice_answers,
            origin: &config.public_origin,
        }
    }
}

/// Where the submission opens in the workspace, in `lang`.
pub fn submission_link(origin: &str, lang: Lang, reference: &str) -> String {
    format!(
        "{}/coordination/{lang}/submissions/{reference}",
        origin.trim_end_matches('/')
    )
}

/// The coordinators' notice, in English then French. By default it carries no personal data:
/// the form, reference, offering and cohort, status, when it was received (the date only for
/// an anonymous form) and the link to the submission in the workspace; with
/// [`NoticeAnswers::Include`], the answers too.
pub fn coordinator_notice(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    settings: NoticeSettings<'_>,
) -> Result<Email, tera::Error> {
    notice(content, form, stored, settings, NoticeFor::New)
}

/// The coordinators' notice that a registration or a place on a waiting list was withdrawn
/// (by the person's link or by a coordinator): the same notice, headed by what happened.
pub fn withdrawal_notice(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    settings: NoticeSettings<'_>,
) -> Result<Email, tera::Error> {
    notice(content, form, stored, settings, NoticeFor::Withdrawal)
}

/// What a coordinators' notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoticeFor {
    /// A new submission.
    New,
    /// A person waiting got a place: call them.
    Call,
    /// A registration was withdrawn.
    Withdrawal,
}

impl NoticeFor {
    /// The key of its heading and of its action line, when it has its own.
    fn keys(self) -> Option<(&'static str, &'static str)> {
        match self {
            NoticeFor::New => None,
            NoticeFor::Call => Some(("promotion_call_heading", "promotion_call_text")),
            NoticeFor::Withdrawal => Some(("withdrawal_notice_heading", "withdrawal_notice_text")),
        }
    }
}

/// The coordinators' notice that a person who was waiting, and chose not to be emailed, now
/// has a place: the same notice, headed by what to do (call them; the number is in the
/// workspace unless the answers are included).
pub fn promotion_call_notice(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    settings: NoticeSettings<'_>,
) -> Result<Email, tera::Error> {
    notice(content, form, stored, settings, NoticeFor::Call)
}

fn notice(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    settings: NoticeSettings<'_>,
    about: NoticeFor,
) -> Result<Email, tera::Error> {
    let words = content.words();
    let sections: Vec<NoticeSection> = Lang::ALL
        .into_iter()
        .map(|lang| notice_section(content, form, stored, settings, about, lang))
        .collect();
    let subject = match about.keys() {
        Some((heading, _)) => format!(
            "{} / {} ({})",
            words.get(heading, Lang::En),
            words.get(heading, Lang::Fr),
            stored.reference
        ),
        None => format!(
            "{} / {} ({})",
            form.title.en, form.title.fr, stored.reference
        ),
    };
    let mut context = Context::new();
    context.insert("subject", &subject);
    context.insert("sections", &sections);
    Ok(Email {
        subject,
        text: part(content, "coordinator.txt", &context)?,
        html: part(content, "coordinator.html", &context)?,
        sender_name: None,
    })
}

/// The notice's part in `lang`.
fn notice_section(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    settings: NoticeSettings<'_>,
    about: NoticeFor,
    lang: Lang,
) -> NoticeSection {
    let words = content.words();
    let include = settings.answers == NoticeAnswers::Include;
    let note = match (form.anonymous, include) {
        (true, true) => words
            .get("notice_anonymous", lang)
            .replace("{form}", &form.id),
        (false, true) => words.get("notice_personal", lang),
        (true, false) => words.get("notice_anonymous_no_answers", lang),
        (false, false) => words.get("notice_no_answers", lang),
    };
    let cohort_line = (!include)
        .then(|| stored.submission.cohort(form))
        .flatten()
        .and_then(|choice| choice.describe(&content.offerings, lang, &form.words))
        .map(|cohort| {
            words
                .get("notice_cohort", lang)
                .replace("{cohort}", &in_lang(&cohort, lang))
        });
    let link = submission_link(settings.origin, lang, stored.reference.as_str());
    let line = words.get("notice_link", lang);
    let (link_before, link_after) = line.split_once("{link}").unwrap_or((&line, ""));
    let status = words.get(status_key(stored.status), lang);
    NoticeSection {
        lang,
        heading: match about.keys() {
            Some((heading, _)) => words.get(heading, lang),
            None => words
                .get("notice_heading", lang)
                .replace("{form}", form.title.get(lang)),
        },
        action: about.keys().map(|(_, action)| words.get(action, lang)),
        reference_line: words
            .get("notice_reference", lang)
            .replace("{reference}", stored.reference.as_str()),
        received_line: words
            .get("notice_received", lang)
            .replace("{when}", &when(stored, words.site, lang, form.anonymous)),
        status_line: words
            .get("notice_status", lang)
            .replace("{status}", &status),
        cohort_line,
        link_before: link_before.to_string(),
        link_after: link_after.to_string(),
        link,
        answers: if include {
            notice_answers(content, form, stored, lang)
        } else {
            Vec::new()
        },
        note,
    }
}

/// The answers with their labels in `lang`, as a notice shows them (an anonymous form's
/// written comments never: [`notice_shows`]).
fn notice_answers(
    content: &Content,
    form: &FormDef,
    stored: &StoredSubmission,
    lang: Lang,
) -> Vec<NoticeAnswer> {
    form.describe(&stored.submission, lang, &content.offerings)
        .into_iter()
        .zip(
            form.fields
                .iter()
                .filter(|f| stored.submission.answers.contains_key(&f.name)),
        )
        .filter(|(_, field)| notice_shows(form, field.kind))
        .map(|((label, value), _)| NoticeAnswer {
            label,
            // A name could pass for another one: show what hides (crate::reveal).
            value: reveal(&value).into_owned(),
        })
        .collect()
}

/// The message to hand to a [`crate::delivery::mail::Mailer`], from `from` (shown under the email's own
/// sender name when it has one).
pub fn message(
    email: &Email,
    from: &Mailbox,
    to: &str,
    reply_to: Option<&Mailbox>,
    stored: &StoredSubmission,
    kind: NotificationKind,
) -> Result<Message, MailError> {
    let to: Mailbox = to
        .parse()
        .map_err(|_| MailError::Permanent("the recipient's address is refused".into()))?;
    let from = match &email.sender_name {
        Some(name) => Mailbox::new(Some(name.clone()), from.email.clone()),
        None => from.clone(),
    };
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .header(ReferenceHeader(stored.reference.to_string()))
        .header(KindHeader(kind.as_str().to_string()))
        .header(AutoSubmitted("auto-generated".to_string()));
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|err| MailError::Permanent(err.to_string()))
}

/// Whether a field's answers may appear in a coordinators' notice.
pub fn notice_shows(form: &FormDef, kind: FieldKind) -> bool {
    !(form.anonymous && kind.is_text())
}
