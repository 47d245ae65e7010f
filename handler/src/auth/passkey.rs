//! Passkeys (WebAuthn), verified by `webauthn-rs`: the relying party, and the two ceremonies,
//! each in two requests (start: the options for the browser; finish: its answer checked).
//! Between the two, the ceremony's state waits in the store as a single-use token
//! ([`TokenKind::Ceremony`]) under the hash of a random id the page carries.
//!
//! WebAuthn needs a host name, not an address: the local server's relying party is
//! `localhost` (any port, plain HTTP, which browsers allow for localhost only), so the
//! workspace is used at `http://localhost:PORT/`; in AWS it is the host of the first
//! `PASSERELLE_SITE_ORIGIN` (or site.toml's `base_url`), over HTTPS.
//!
//! Sign-in answers the same whether or not the address is listed or has a passkey: an
//! address without one gets options shaped like a real one's, naming one credential whose id
//! is a keyed hash of the address (stable, as a real one is), and the ceremony then fails as
//! a wrong passkey does.

use crate::config::Config;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::auth::{NewToken, StoredPasskey, TokenKind};
use anyhow::{Context as _, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use webauthn_rs::fake::{FakePasskeyDistribution, WebauthnFakeCredentialGenerator};
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// How long a ceremony may take, from the page that starts it to the browser's answer.
pub const CEREMONY_MINUTES: i64 = 10;

/// The relying party: `localhost` on any port for the local server, else the site's origin.
/// A site origin that is not an HTTPS address with a host name stops the start, naming
/// `PASSERELLE_SITE_ORIGIN` (see [`check_relying_party`]).
pub fn relying_party(config: &Config) -> anyhow::Result<Webauthn> {
    if config.allow_host_origin {
        let origin = Url::parse("http://localhost").expect("a valid URL");
        return Ok(WebauthnBuilder::new("localhost", &origin)?
            .allow_any_port(true)
            .build()?);
    }
    let text = config
        .site_origins
        .first()
        .ok_or_else(|| anyhow!("PASSERELLE_SITE_ORIGIN names no origin"))?;
    let origin = Url::parse(text)
        .with_context(|| format!("PASSERELLE_SITE_ORIGIN: `{text}` is not an address"))?;
    let host = origin.domain().filter(|_| origin.scheme() == "https");
    let host = host.ok_or_else(|| {
        anyhow!(
            "PASSERELLE_SITE_ORIGIN: `{text}` must be https:// and a host name (passkeys are \
             bound to a name, never to an IP address)"
        )
    })?;
    Ok(WebauthnBuilder::new(host, &origin)?.build()?)
}

/// Stops the start when the relying party cannot be made (a production setting that is wrong).
pub fn check_relying_party(config: &Config) -> anyhow::Result<()> {
    relying_party(config).map(|_| ())
}

/// The WebAuthn user handle of a coordinator: stable per address (so a device enrolled again
/// replaces its passkey), not the address.
fn user_handle(config: &Config, email: &str) -> Uuid {
    let bytes = super::keyed_hash(config, "passerelle-webauthn-user", email);
    Uuid::from_bytes(bytes[..16].try_into().expect("16 bytes"))
}

/// A ceremony under way, kept in the store between its two requests.
#[derive(Serialize, Deserialize)]
enum Ceremony {
    /// Enrolment from an invitation (already taken): the invited address.
    Enrol {
        email: String,
        invitation_ends: Timestamp,
        /// When the invitation was sent (a removal since revokes it).
        #[serde(default)]
        invitation_sent: Timestamp,
        state: PasskeyRegistration,
    },
    /// Sign-in: the address and state only for a listed address with a passkey; for any
    /// other address nothing (not even the address typed), and the ceremony always fails.
    SignIn {
        started: Timestamp,
        real: Option<(String, PasskeyAuthentication)>,
    },
}

/// Why a ceremony failed (logged as the reason; never shown differently to the person).
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    #[error("the ceremony is unknown, used or expired")]
    Unknown,
    #[error("the invitation expired during enrolment")]
    InvitationExpired,
    #[error("the address has no passkey or is not listed")]
    NoPasskey,
    #[error("the browser's answer is malformed")]
    Malformed,
    #[error("the passkey was refused: {0}")]
    Refused(String),
    #[error("the coordinator is no longer listed")]
    NotListed,
    #[error("the coordinator was removed since the invitation or ceremony started")]
    Revoked,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the relying party is misconfigured: {0}")]
    Config(String),
}

impl CeremonyError {
    /// A short name for the log line `workspace_sign_in_refused reason=...`.
    pub fn reason(&self) -> &'static str {
        match self {
            CeremonyError::Unknown => "unknown-ceremony",
            CeremonyError::InvitationExpired => "invitation-expired",
            CeremonyError::NoPasskey => "no-passkey",
            CeremonyError::Malformed => "malformed",
            CeremonyError::Refused(_) => "passkey-refused",
            CeremonyError::NotListed => "not-listed",
            CeremonyError::Revoked => "revoked",
            CeremonyError::Store(_) => "store",
            CeremonyError::Config(_) => "config",
        }
    }
}

fn webauthn(state: &AppState) -> Result<Webauthn, CeremonyError> {
    relying_party(state.config()).map_err(|err| CeremonyError::Config(err.to_string()))
}

/// Keeps `ceremony` for [`CEREMONY_MINUTES`] (at most until `until`); returns its id.
async fn keep(
    state: &AppState,
    ceremony: &Ceremony,
    until: Option<Timestamp>,
) -> Result<String, CeremonyError> {
    let id = super::new_secret();
    let now = state.received_now();
    let mut expires_at = now + SignedDuration::from_mins(CEREMONY_MINUTES);
    if let Some(until) = until {
        expires_at = expires_at.min(until);
    }
    let value = serde_json::to_string(ceremony).map_err(|_| CeremonyError::Malformed)?;
    state
        .store()
        .put_token(NewToken {
            kind: TokenKind::Ceremony,
            hash: super::hash(&id),
            value,
            expires_at,
        })
        .await?;
    Ok(id)
}

/// Takes the ceremony `id` (once).
async fn take(state: &AppState, id: &str) -> Result<Ceremony, CeremonyError> {
    let value = state
        .store()
        .take_token(TokenKind::Ceremony, &super::hash(id), state.received_now())
        .await?
        .ok_or(CeremonyError::Unknown)?;
    serde_json::from_str(&value).map_err(|_| CeremonyError::Malformed)
}

fn parse_passkeys(stored: &[StoredPasskey]) -> Vec<Passkey> {
    stored
        .iter()
        .filter_map(|p| serde_json::from_str(&p.data).ok())
        .collect()
}

/// A started ceremony: the options for the browser (JSON) and the id the page sends back.
#[derive(Debug, Clone)]
pub struct Started {
    pub options: String,
    pub ceremony: String,
}

/// Starts enrolling a passkey for the enrolment's address (its invitation taken).
pub async fn start_enrolment(
    state: &AppState,
    enrolment: &Enrolment,
) -> Result<Started, CeremonyError> {
    let email = enrolment.email.as_str();
    let webauthn = webauthn(state)?;
    let existing = parse_passkeys(&state.store().passkeys(email).await?);
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
    let handle = user_handle(state.config(), email);
    let (options, registration): (CreationChallengeResponse, PasskeyRegistration) = webauthn
        .start_passkey_registration(handle, email, email, Some(exclude))
        .map_err(|err| CeremonyError::Refused(err.to_string()))?;
    let ceremony = Ceremony::Enrol {
        email: email.to_string(),
        invitation_ends: enrolment.invitation_ends,
        invitation_sent: enrolment.invitation_sent,
        state: registration,
    };
    Ok(Started {
        options: serde_json::to_string(&options).map_err(|_| CeremonyError::Malformed)?,
        ceremony: keep(state, &ceremony, Some(enrolment.invitation_ends)).await?,
    })
}

/// An enrolment whose ceremony was taken: the address, and when its invitation ends (to
/// start again after a failed attempt).
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub email: String,
    pub invitation_ends: Timestamp,
    /// When the invitation was sent: what the passkey and the session are granted from.
    pub invitation_sent: Timestamp,
}

/// Takes an enrolment ceremony, to finish it ([`finish_enrolment`]) or start it again.
pub async fn take_enrolment(
    state: &AppState,
    id: &str,
) -> Result<(Enrolment, PasskeyRegistration), CeremonyError> {
    match take(state, id).await? {
        Ceremony::Enrol {
            email,
            invitation_ends,
            invitation_sent,
            state: registration,
        } => {
            if invitation_ends <= state.received_now() {
                return Err(CeremonyError::InvitationExpired);
            }
            let revoked = state.store().access_revoked(&email).await?;
            if revoked.is_some_and(|revoked| revoked >= invitation_sent) {
                return Err(CeremonyError::Revoked);
            }
            let enrolment = Enrolment {
                email,
                invitation_ends,
                invitation_sent,
            };
            Ok((enrolment, registration))
        }
        Ceremony::SignIn { .. } => Err(CeremonyError::Unknown),
    }
}

/// Checks the browser's new credential and saves it as a passkey of the enrolment's address,
/// named `name`.
pub async fn finish_enrolment(
    state: &AppState,
    enrolment: &Enrolment,
    registration: &PasskeyRegistration,
    credential: &str,
    name: &str,
) -> Result<(), CeremonyError> {
    let credential: RegisterPublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| CeremonyError::Malformed)?;
    let passkey = webauthn(state)?
        .finish_passkey_registration(&credential, registration)
        .map_err(|err| CeremonyError::Refused(err.to_string()))?;
    if !super::is_listed(state, &enrolment.email) {
        return Err(CeremonyError::NotListed);
    }
    // Saved only if the address was not removed since the invitation was sent (the store
    // checks it in the same write: a removal during the ceremony wins).
    let stored = StoredPasskey {
        coordinator: enrolment.email.clone(),
        id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        name: name.to_string(),
        created_at: state.received_now(),
        data: serde_json::to_string(&passkey).map_err(|_| CeremonyError::Malformed)?,
    };
    let store = state.store();
    if !store.add_passkey(stored, enrolment.invitation_sent).await? {
        return Err(CeremonyError::Revoked);
    }
    Ok(())
}

/// Starts a sign-in for `email`: real options when it is listed and has passkeys, options of
/// the same shape otherwise (see the module documentation).
pub async fn start_sign_in(state: &AppState, email: &str) -> Result<Started, CeremonyError> {
    let webauthn = webauthn(state)?;
    // Read whether or not the address is listed, so both paths do the same work.
    let passkeys = parse_passkeys(&state.store().passkeys(email).await?);
    let real = super::is_listed(state, email) && !passkeys.is_empty();
    let (options, authentication) = if real {
        let (options, authentication) = webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|err| CeremonyError::Refused(err.to_string()))?;
        let options = serde_json::to_value(&options).map_err(|_| CeremonyError::Malformed)?;
        (options, Some((email.to_string(), authentication)))
    } else {
        (decoy_options(&webauthn, state.config(), email)?, None)
    };
    let ceremony = Ceremony::SignIn {
        started: state.received_now(),
        real: authentication,
    };
    Ok(Started {
        options: serde_json::to_string(&options).map_err(|_| CeremonyError::Malformed)?,
        ceremony: keep(state, &ceremony, None).await?,
    })
}

/// Options shaped as [`Webauthn::start_passkey_authentication`]'s (a fresh challenge, the
/// same timeout, relying party and user verification), naming the credential ids
/// webauthn-rs's fake credential generator derives from the address under a keyed hash:
/// the same ids for the same address each time, as a real coordinator's are.
fn decoy_options(
    webauthn: &Webauthn,
    config: &Config,
    email: &str,
) -> Result<serde_json::Value, CeremonyError> {
    let (options, _) = webauthn
        .start_discoverable_authentication()
        .map_err(|err| CeremonyError::Refused(err.to_string()))?;
    let mut options = serde_json::to_value(&options).map_err(|_| CeremonyError::Malformed)?;
    let ids = decoy_ids(config, email)?;
    let allow: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(id) }))
        .collect();
    if let Some(object) = options.as_object_mut() {
        object.remove("mediation");
    }
    if let Some(public_key) = options
        .get_mut("publicKey")
        .and_then(|value| value.as_object_mut())
    {
        public_key.remove("extensions");
        public_key.insert("allowCredentials".into(), allow.into());
    }
    Ok(options)
}

/// The decoy credential ids of `email`: webauthn-rs's generator (believable lengths and
/// counts), skipping its empty draws (about one address in six), since a listed coordinator
/// always has at least one passkey here: the address is drawn again with a suffix, so the
/// ids stay the same for the same address.
fn decoy_ids(config: &Config, email: &str) -> Result<Vec<Vec<u8>>, CeremonyError> {
    let key = config
        .confirmation_key
        .derive("passerelle-decoy-credentials");
    let generator = WebauthnFakeCredentialGenerator::<FakePasskeyDistribution>::new(&key)
        .map_err(|err| CeremonyError::Refused(err.to_string()))?;
    for draw in 0..16 {
        let ids = generator
            .generate(format!("{email}\0{draw}").as_bytes())
            .map_err(|err| CeremonyError::Refused(err.to_string()))?;
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    Ok(vec![
        super::keyed_hash(config, "passerelle-decoy-credential", email)[..20].to_vec(),
    ])
}

/// A sign-in whose passkey was checked: the coordinator, and when the ceremony started (what
/// the session is granted from).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub email: String,
    pub started: Timestamp,
}

/// Checks the browser's assertion for the sign-in ceremony `id`; the coordinator's passkey's
/// counter is saved, only if no other sign-in moved it meanwhile.
pub async fn finish_sign_in(
    state: &AppState,
    id: &str,
    credential: &str,
) -> Result<SignedIn, CeremonyError> {
    let (started, email, authentication) = match take(state, id).await? {
        Ceremony::SignIn { started, real } => {
            let (email, authentication) = real.ok_or(CeremonyError::NoPasskey)?;
            (started, email, authentication)
        }
        Ceremony::Enrol { .. } => return Err(CeremonyError::Unknown),
    };
    let credential: PublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| CeremonyError::Malformed)?;
    let result = webauthn(state)?
        .finish_passkey_authentication(&credential, &authentication)
        .map_err(|err| CeremonyError::Refused(err.to_string()))?;
    if !super::is_listed(state, &email) {
        return Err(CeremonyError::NotListed);
    }
    // The passkey still exists (not removed meanwhile); its counter moves.
    let stored = state.store().passkeys(&email).await?;
    let (record, mut passkey) = stored
        .into_iter()
        .find_map(|p| {
            let passkey: Passkey = serde_json::from_str(&p.data).ok()?;
            (passkey.cred_id() == result.cred_id()).then_some((p, passkey))
        })
        .ok_or(CeremonyError::NoPasskey)?;
    if passkey.update_credential(&result) == Some(true) {
        let data = serde_json::to_string(&passkey).map_err(|_| CeremonyError::Malformed)?;
        let store = state.store();
        if !store
            .update_passkey(&email, &record.id, &record.data, &data)
            .await?
        {
            // Removed, or used by another sign-in since it was read: this one fails.
            return Err(CeremonyError::NoPasskey);
        }
    }
    Ok(SignedIn { email, started })
}
