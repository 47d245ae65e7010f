//! Invitations: a single-use link, valid [`INVITATION_HOURS`] hours, emailed to an address on
//! `PASSERELLE_COORDINATORS`, that lets its holder enrol a passkey. The store keeps the
//! token's hash only. The first comes from the operator (`handler invite EMAIL`); a signed-in
//! coordinator sends the next ones from the coordinators page. A lost device: a new one.

use crate::state::AppState;
use crate::store::auth::{Activity, ActivityEntry, NewToken, TokenKind};
use anyhow::{Context as _, anyhow, bail};
use jiff::{SignedDuration, Timestamp};
use lettre::Message;
use model::Lang;

/// How long an invitation link works.
pub const INVITATION_HOURS: i64 = 24;

/// What the store keeps under an invitation token's hash.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    email: String,
    ends: Timestamp,
    /// When it was sent: a removal after that revokes it (an invitation kept from before
    /// this field reads as sent at the epoch, so any removal revokes it).
    #[serde(default)]
    sent: Timestamp,
}

/// An invitation taken: whom it invites, when it ends and when it was sent.
#[derive(Debug, Clone)]
pub struct Taken {
    pub email: String,
    pub ends: Timestamp,
    pub sent: Timestamp,
}

/// An invitation sent.
#[derive(Debug, Clone)]
pub struct Invited {
    /// The address it went to.
    pub to: String,
    /// The English link (the email has the French one too). Shown only to a local operator.
    pub link: String,
}

/// The enrolment link of `token` in `lang`, at `origin` (`https://site`, `http://localhost:1111`).
pub fn link(origin: &str, lang: Lang, token: &str) -> String {
    format!(
        "{}{}?token={token}",
        origin.trim_end_matches('/'),
        super::url(lang, "enrol")
    )
}

/// Creates an invitation for `email` (which must be on `PASSERELLE_COORDINATORS`), emails its
/// link (at `origin`) and logs it as done by `actor`.
pub async fn invite(
    state: &AppState,
    email: &str,
    origin: &str,
    actor: &str,
) -> anyhow::Result<Invited> {
    let email = super::normalize_email(email);
    if !super::is_listed(state, &email) {
        bail!("{email} is not on PASSERELLE_COORDINATORS: add it there first");
    }
    let token = super::new_secret();
    let now = state.received_now();
    let ends = now + SignedDuration::from_hours(INVITATION_HOURS);
    let value = serde_json::to_string(&Stored {
        email: email.clone(),
        ends,
        sent: now,
    })?;
    state
        .store()
        .put_token(NewToken {
            kind: TokenKind::Invitation,
            hash: super::hash(&token),
            value,
            expires_at: ends,
        })
        .await?;
    let message = message(state, &email, origin, &token)?;
    state
        .delivery()
        .mailer()
        .send(message)
        .await
        .map_err(|err| anyhow!("sending the invitation failed: {err}"))?;
    state
        .store()
        .log_activity(ActivityEntry {
            at: now,
            actor: actor.to_string(),
            date_only: false,
            action: Activity::Invited {
                email: email.clone(),
            },
        })
        .await?;
    Ok(Invited {
        link: link(origin, Lang::En, &token),
        to: email,
    })
}

/// The invitation email (crate::delivery::invitation): English then French, each with its
/// link.
fn message(state: &AppState, email: &str, origin: &str, token: &str) -> anyhow::Result<Message> {
    let content = state.content();
    let built =
        crate::delivery::invitation::invitation_email(&content, |lang| link(origin, lang, token))?;
    crate::delivery::invitation::invitation_message(&built, state.config(), email)
        .with_context(|| format!("`{email}` is not an email address"))
}

/// Takes the invitation `token` (once), or `None` when it is unknown, used, expired, or sent
/// before its address was removed.
pub async fn take(
    state: &AppState,
    token: &str,
) -> Result<Option<Taken>, crate::store::StoreError> {
    let value = state
        .store()
        .take_token(
            TokenKind::Invitation,
            &super::hash(token),
            state.received_now(),
        )
        .await?;
    let Some(stored) = value.and_then(|value| serde_json::from_str::<Stored>(&value).ok()) else {
        return Ok(None);
    };
    let revoked = state.store().access_revoked(&stored.email).await?;
    if revoked.is_some_and(|revoked| revoked >= stored.sent) {
        return Ok(None);
    }
    Ok(Some(Taken {
        email: stored.email,
        ends: stored.ends,
        sent: stored.sent,
    }))
}
