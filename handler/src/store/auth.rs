//! What the coordinators' workspace keeps (crate::auth): sessions, passkeys, single-use tokens
//! (invitations and the passkey ceremonies' state), attempt counters (rate limits) and the
//! activity log. A trait of its own, [`AuthStore`], which every [`super::Store`] also is; each
//! backend implements it in its own file (`sqlite/auth.rs`, `dynamodb/auth.rs`), and the
//! conformance suite covers every operation (`conformance/auth.rs`).
//!
//! Secrets never reach the store as they are: a session id, an invitation token or a ceremony
//! id is kept only as its SHA-256 hash ([`crate::auth::hash`]), so a copy of the store lets no
//! one sign in.

use super::{BoxFuture, StoreError};
use crate::reference::Reference;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A session to start: its id's hash, whose it is, and when it must end whatever happens
/// (the absolute timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the session id (hex); the id itself is only in the coordinator's cookie.
    pub id_hash: String,
    /// The coordinator's email address, lowercase.
    pub coordinator: String,
    pub created_at: Timestamp,
    /// The absolute end (`PASSERELLE_SESSION_MAX_HOURS` after `created_at`).
    pub expires_at: Timestamp,
    /// When the proof that starts it began (the sign-in ceremony's start, the invitation's
    /// sending): the session is not started if the coordinator was removed since
    /// ([`AuthStore::revoke_access`]).
    pub granted_at: Timestamp,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub coordinator: String,
    pub created_at: Timestamp,
    /// Its last use: the idle timeout counts from here.
    pub last_seen: Timestamp,
    pub expires_at: Timestamp,
}

/// What a single-use token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An invitation link: its value is the invited address.
    Invitation,
    /// A passkey ceremony under way (enrolment or sign-in): its value is the server's state.
    Ceremony,
}

impl TokenKind {
    /// `invitation` or `ceremony`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Invitation => "invitation",
            TokenKind::Ceremony => "ceremony",
        }
    }
}

/// A single-use token: taken once ([`AuthStore::take_token`]), then gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub kind: TokenKind,
    /// SHA-256 of the token (hex).
    pub hash: String,
    /// What it stands for (an address, a ceremony's state as JSON).
    pub value: String,
    pub expires_at: Timestamp,
}

/// A coordinator's passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// The coordinator's email address, lowercase.
    pub coordinator: String,
    /// The credential's id (base64url), unique per passkey.
    pub id: String,
    /// The name shown in the coordinators' list.
    pub name: String,
    pub created_at: Timestamp,
    /// The credential as webauthn-rs serializes it (public key, counter); no secret.
    pub data: String,
}

/// One attempt counted against a limit within a window (sign-in attempts per address, per
/// client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// What is counted: a hash naming the address or the client, never the address itself.
    pub key: String,
    /// How many attempts the window allows.
    pub limit: u32,
    pub now: Timestamp,
    /// When a window that starts now ends (the counter then starts again from zero).
    pub window_ends: Timestamp,
}

/// One line of the activity log: who did what, and when. Never an answer: an entry names a
/// submission by its reference at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// When. For an entry that names an anonymous form's submission, the start of its day
    /// (crate::anonymous), as for the submission itself.
    pub at: Timestamp,
    /// The coordinator's email address (or `operator` for the `handler` command).
    pub actor: String,
    /// Shown with its date only: it names an anonymous form's submission, and `at` is the
    /// start of its day. Stored with the entry, never guessed from `at` (an entry made at
    /// midnight keeps its time).
    pub date_only: bool,
    pub action: Activity,
}

/// What a coordinator did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Activity {
    SignedIn,
    SignedOut,
    /// Registered a passkey from an invitation.
    Enrolled,
    Viewed {
        reference: Reference,
    },
    Exported {
        form: String,
        offering: Option<String>,
        rows: usize,
    },
    StatusChanged {
        reference: Reference,
        to: String,
    },
    Deleted {
        reference: Reference,
    },
    Invited {
        email: String,
    },
    /// Removed a coordinator's passkeys and sessions.
    Removed {
        email: String,
    },
    /// Withdrew a registration or a place on a waiting list (issue 13); `promoted`: who got
    /// the place it freed, first on the waiting list.
    Withdrew {
        reference: Reference,
        promoted: Option<Reference>,
    },
    /// Marked a registered person as not attending, freeing their place.
    MarkedNotAttending {
        reference: Reference,
        promoted: Option<Reference>,
    },
    /// Gave a person waiting a place by hand.
    GavePlace {
        reference: Reference,
    },
}

/// The store's operations for the workspace. Every operation that reads takes `now`: what is
/// past its end is never returned, whether or not the backend has deleted it yet (DynamoDB's
/// TTL takes a day or two).
pub trait AuthStore: Send + Sync {
    /// Starts a session, unless its coordinator's access was revoked at or after its
    /// `granted_at` (checked in the same write): `false` then.
    fn create_session(&self, session: NewSession) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// The session whose id hashes to `id_hash`, unless ended, past its absolute end, or
    /// started at or before its coordinator's access was revoked (read consistently, so a
    /// session [`Self::end_sessions_of`] missed still fails).
    fn session<'a>(
        &'a self,
        id_hash: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<StoredSession>, StoreError>>;

    /// Records a use of the session at `at` (the idle timeout starts again).
    fn touch_session<'a>(
        &'a self,
        id_hash: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Ends one session (sign out, or found expired).
    fn end_session<'a>(&'a self, id_hash: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Ends every session of `coordinator` (removed); returns how many there were.
    fn end_sessions_of<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<usize, StoreError>>;

    /// Keeps a single-use token until `expires_at`.
    fn put_token(&self, token: NewToken) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Takes the token: its value, once; `None` if unknown, already taken or expired. Taking
    /// is atomic: of two requests with the same token, one gets it.
    fn take_token<'a>(
        &'a self,
        kind: TokenKind,
        hash: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Adds a passkey (or replaces the one with the same coordinator and id), unless the
    /// coordinator's access was revoked at or after `granted_at` (when the invitation was
    /// sent), checked in the same write: `false` then, and nothing saved.
    fn add_passkey(
        &self,
        passkey: StoredPasskey,
        granted_at: Timestamp,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Replaces a passkey's data (its counter moved) if it still exists and its data is still
    /// `old_data`: `false` otherwise (removed, or changed by another sign-in meanwhile).
    fn update_passkey<'a>(
        &'a self,
        coordinator: &'a str,
        id: &'a str,
        old_data: &'a str,
        new_data: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Revokes, as of `at`, everything `coordinator` was given before: sessions, pending
    /// invitations and ceremonies, and the right to add a passkey from them (removal). Only a
    /// later invitation gives access again. A later `at` moves the mark; an earlier one is
    /// ignored.
    fn revoke_access<'a>(
        &'a self,
        coordinator: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// When `coordinator`'s access was last revoked, if ever (read consistently).
    fn access_revoked<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<Option<Timestamp>, StoreError>>;

    /// The passkeys of `coordinator`, oldest first.
    fn passkeys<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredPasskey>, StoreError>>;

    /// Deletes every passkey of `coordinator`; returns how many there were.
    fn remove_passkeys<'a>(
        &'a self,
        coordinator: &'a str,
    ) -> BoxFuture<'a, Result<usize, StoreError>>;

    /// Counts an attempt: `true` if it is within the limit of its window, `false` (and not
    /// counted) once the window's limit is reached.
    fn count_attempt(&self, attempt: Attempt) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Appends to the activity log. The backend keeps entries for its activity retention
    /// (`PASSERELLE_ACTIVITY_RETENTION_DAYS`) after their `at`.
    fn log_activity(&self, entry: ActivityEntry) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The newest `limit` entries of the activity log, newest first.
    fn activity(&self, limit: usize) -> BoxFuture<'_, Result<Vec<ActivityEntry>, StoreError>>;
}
