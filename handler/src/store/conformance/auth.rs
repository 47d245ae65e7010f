//! The conformance cases of [`AuthStore`]: sessions, single-use tokens, passkeys, attempt
//! counters and the activity log. `handler/tests/store_auth_sqlite.rs` runs them on SQLite,
//! `handler/tests/services/store_auth.rs` on DynamoDB.

use super::t0;
use crate::reference::Reference;
use crate::store::auth::{
    Activity, ActivityEntry, Attempt, AuthStore, NewSession, NewToken, StoredPasskey, TokenKind,
};
use jiff::{SignedDuration, Timestamp};

/// Every auth case, in the order they are defined.
pub const AUTH_CASES: [&str; 9] = [
    "sessions_are_started_read_touched_and_ended",
    "a_session_past_its_absolute_end_is_gone",
    "removing_a_coordinator_ends_their_sessions_only",
    "a_token_is_taken_once_and_never_after_it_expires",
    "passkeys_are_saved_listed_replaced_and_removed",
    "attempts_are_counted_up_to_the_limit_of_their_window",
    "the_activity_log_lists_the_newest_entries_first",
    "a_removal_revokes_what_was_granted_before_it_only",
    "a_passkeys_counter_update_is_conditional",
];

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn session(id_hash: &str, coordinator: &str) -> NewSession {
    NewSession {
        id_hash: id_hash.into(),
        coordinator: coordinator.into(),
        created_at: t0(),
        expires_at: t0() + SignedDuration::from_hours(12),
        granted_at: t0(),
    }
}

fn key_of(who: &str, id: &str, data: &str) -> StoredPasskey {
    StoredPasskey {
        coordinator: who.into(),
        id: id.into(),
        name: format!("key {id}"),
        created_at: t0(),
        data: data.into(),
    }
}

pub async fn sessions_are_started_read_touched_and_ended(store: &impl AuthStore) {
    store
        .create_session(session("h1", "alex@example.ca"))
        .await
        .unwrap();
    let read = store.session("h1", t0()).await.unwrap().expect("started");
    assert_eq!(read.coordinator, "alex@example.ca");
    assert_eq!(read.created_at, t0());
    assert_eq!(read.last_seen, t0());
    assert_eq!(read.expires_at, t0() + SignedDuration::from_hours(12));
    assert!(store.session("h2", t0()).await.unwrap().is_none());

    store.touch_session("h1", t0() + minutes(10)).await.unwrap();
    let touched = store.session("h1", t0() + minutes(10)).await.unwrap();
    assert_eq!(touched.unwrap().last_seen, t0() + minutes(10));
    // A late request's touch never moves the last use back.
    store.touch_session("h1", t0() + minutes(5)).await.unwrap();
    let kept = store.session("h1", t0() + minutes(10)).await.unwrap();
    assert_eq!(kept.unwrap().last_seen, t0() + minutes(10));
    // Touching an ended session does not bring it back.
    store.end_session("h1").await.unwrap();
    assert!(store.session("h1", t0()).await.unwrap().is_none());
    store.touch_session("h1", t0() + minutes(20)).await.unwrap();
    assert!(store.session("h1", t0()).await.unwrap().is_none());
    store.end_session("h1").await.unwrap();
}

pub async fn a_session_past_its_absolute_end_is_gone(store: &impl AuthStore) {
    store
        .create_session(session("h1", "alex@example.ca"))
        .await
        .unwrap();
    let end = t0() + SignedDuration::from_hours(12);
    let just_before = end - SignedDuration::from_millis(1);
    assert!(store.session("h1", just_before).await.unwrap().is_some());
    assert!(store.session("h1", end).await.unwrap().is_none());
}

pub async fn removing_a_coordinator_ends_their_sessions_only(store: &impl AuthStore) {
    for (hash, who) in [
        ("h1", "alex@example.ca"),
        ("h2", "alex@example.ca"),
        ("h3", "robin@example.ca"),
    ] {
        store.create_session(session(hash, who)).await.unwrap();
    }
    assert_eq!(store.end_sessions_of("alex@example.ca").await.unwrap(), 2);
    assert!(store.session("h1", t0()).await.unwrap().is_none());
    assert!(store.session("h2", t0()).await.unwrap().is_none());
    assert!(store.session("h3", t0()).await.unwrap().is_some());
    assert_eq!(store.end_sessions_of("alex@example.ca").await.unwrap(), 0);
}

pub async fn a_token_is_taken_once_and_never_after_it_expires(store: &impl AuthStore) {
    let token = |hash: &str, kind, expires_at| NewToken {
        kind,
        hash: hash.into(),
        value: format!("value of {hash}"),
        expires_at,
    };
    let day = t0() + SignedDuration::from_hours(24);
    store
        .put_token(token("t1", TokenKind::Invitation, day))
        .await
        .unwrap();
    store
        .put_token(token("t2", TokenKind::Invitation, day))
        .await
        .unwrap();
    store
        .put_token(token("t3", TokenKind::Ceremony, t0() + minutes(5)))
        .await
        .unwrap();
    // Not as another kind.
    assert_eq!(
        store
            .take_token(TokenKind::Ceremony, "t1", t0())
            .await
            .unwrap(),
        None
    );
    let taken = store.take_token(TokenKind::Invitation, "t1", t0()).await;
    assert_eq!(taken.unwrap().as_deref(), Some("value of t1"));
    // Once.
    let again = store.take_token(TokenKind::Invitation, "t1", t0()).await;
    assert_eq!(again.unwrap(), None);
    let ceremony = store
        .take_token(TokenKind::Ceremony, "t3", t0() + minutes(4))
        .await;
    assert_eq!(ceremony.unwrap().as_deref(), Some("value of t3"));
    // Not at or after its end, and not after that either.
    let late = store.take_token(TokenKind::Invitation, "t2", day).await;
    assert_eq!(late.unwrap(), None);
    let later = store.take_token(TokenKind::Invitation, "t2", t0()).await;
    assert_eq!(later.unwrap(), None);
    assert_eq!(
        store
            .take_token(TokenKind::Invitation, "unknown", t0())
            .await
            .unwrap(),
        None
    );
}

pub async fn passkeys_are_saved_listed_replaced_and_removed(store: &impl AuthStore) {
    let passkey = |who: &str, id: &str, at: Timestamp, data: &str| StoredPasskey {
        coordinator: who.into(),
        id: id.into(),
        name: format!("key {id}"),
        created_at: at,
        data: data.into(),
    };
    let alex = "alex@example.ca";
    for (who, id, at, data) in [
        (alex, "b", t0() + minutes(1), "{\"n\":1}"),
        (alex, "a", t0(), "{}"),
        ("robin@example.ca", "c", t0(), "{}"),
    ] {
        let added = store.add_passkey(passkey(who, id, at, data), t0()).await;
        assert!(added.unwrap());
    }
    let listed = store.passkeys(alex).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"], "oldest first");
    assert_eq!(
        listed[1],
        passkey(alex, "b", t0() + minutes(1), "{\"n\":1}")
    );
    // Saved again (its counter moved): replaced, not added; its name and date kept.
    let mut updated = passkey(alex, "b", t0() + minutes(9), "{\"n\":2}");
    updated.name = "another name".into();
    assert!(store.add_passkey(updated, t0()).await.unwrap());
    let listed = store.passkeys(alex).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].data, "{\"n\":2}");
    assert_eq!(listed[1].created_at, t0() + minutes(1));
    assert_eq!(listed[1].name, "key b");

    assert_eq!(store.remove_passkeys(alex).await.unwrap(), 2);
    assert!(store.passkeys(alex).await.unwrap().is_empty());
    assert_eq!(store.passkeys("robin@example.ca").await.unwrap().len(), 1);
}

pub async fn attempts_are_counted_up_to_the_limit_of_their_window(store: &impl AuthStore) {
    let attempt = |key: &str, now: Timestamp| Attempt {
        key: key.into(),
        limit: 3,
        now,
        window_ends: now + minutes(15),
    };
    for i in 0..3 {
        let at = t0() + minutes(i);
        assert!(store.count_attempt(attempt("k1", at)).await.unwrap(), "{i}");
    }
    assert!(
        !store
            .count_attempt(attempt("k1", t0() + minutes(3)))
            .await
            .unwrap()
    );
    assert!(
        !store
            .count_attempt(attempt("k1", t0() + minutes(14)))
            .await
            .unwrap()
    );
    // Another key has its own count.
    assert!(store.count_attempt(attempt("k2", t0())).await.unwrap());
    // The window (from the first attempt) ends: counting starts again.
    assert!(
        store
            .count_attempt(attempt("k1", t0() + minutes(15)))
            .await
            .unwrap()
    );
    assert!(
        store
            .count_attempt(attempt("k1", t0() + minutes(16)))
            .await
            .unwrap()
    );
}

pub async fn the_activity_log_lists_the_newest_entries_first(store: &impl AuthStore) {
    let reference = Reference::parse("K7MW4XTA").unwrap();
    let entries = [
        (0, Activity::SignedIn),
        (
            2,
            Activity::Exported {
                form: "registration".into(),
                offering: Some("workshop".into()),
                rows: 12,
            },
        ),
        (1, Activity::Viewed { reference }),
        (
            3,
            Activity::Invited {
                email: "robin@example.ca".into(),
            },
        ),
    ];
    for (minute, action) in entries.clone() {
        store
            .log_activity(ActivityEntry {
                at: t0() + minutes(minute),
                actor: "alex@example.ca".into(),
                date_only: false,
                action,
            })
            .await
            .unwrap();
    }
    let listed = store.activity(10).await.unwrap();
    let minutes_listed: Vec<i64> = listed
        .iter()
        .map(|e| e.at.duration_since(t0()).as_mins())
        .collect();
    assert_eq!(minutes_listed, [3, 2, 1, 0]);
    assert_eq!(listed[1].action, entries[1].1);
    assert_eq!(listed[0].actor, "alex@example.ca");
    let newest_two = store.activity(2).await.unwrap();
    assert_eq!(newest_two, listed[..2]);
}

pub async fn a_removal_revokes_what_was_granted_before_it_only(store: &impl AuthStore) {
    let (alex, robin) = ("alex@example.ca", "robin@example.ca");
    assert!(store.create_session(session("h1", alex)).await.unwrap());
    assert!(store.create_session(session("h2", robin)).await.unwrap());
    assert_eq!(store.access_revoked(alex).await.unwrap(), None);
    store.revoke_access(alex, t0() + minutes(1)).await.unwrap();
    store.revoke_access(alex, t0()).await.unwrap();
    assert_eq!(
        store.access_revoked(alex).await.unwrap(),
        Some(t0() + minutes(1))
    );
    // Review m2: a session ending_sessions_of missed fails all the same.
    assert!(
        store
            .session("h1", t0() + minutes(2))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session("h2", t0() + minutes(2))
            .await
            .unwrap()
            .is_some()
    );
    // Review M1/m3: a ceremony or invitation from before the removal that finishes after it
    // starts no session and adds no passkey.
    let late = NewSession {
        created_at: t0() + minutes(2),
        ..session("h3", alex)
    };
    assert!(!store.create_session(late).await.unwrap());
    assert!(
        store
            .session("h3", t0() + minutes(2))
            .await
            .unwrap()
            .is_none()
    );
    let added = store.add_passkey(key_of(alex, "a", "{}"), t0()).await;
    assert!(!added.unwrap());
    assert!(store.passkeys(alex).await.unwrap().is_empty());
    // A new invitation, sent after the removal, works.
    let granted = t0() + minutes(3);
    assert!(
        store
            .add_passkey(key_of(alex, "b", "{}"), granted)
            .await
            .unwrap()
    );
    assert_eq!(store.passkeys(alex).await.unwrap().len(), 1);
    let fresh = NewSession {
        created_at: granted,
        granted_at: granted,
        ..session("h4", alex)
    };
    assert!(store.create_session(fresh).await.unwrap());
    assert!(store.session("h4", granted).await.unwrap().is_some());
    // Another coordinator is untouched.
    assert!(
        store
            .add_passkey(key_of(robin, "c", "{}"), t0())
            .await
            .unwrap()
    );
}

pub async fn a_passkeys_counter_update_is_conditional(store: &impl AuthStore) {
    let alex = "alex@example.ca";
    assert!(
        store
            .add_passkey(key_of(alex, "a", "{\"n\":1}"), t0())
            .await
            .unwrap()
    );
    let moved = store.update_passkey(alex, "a", "{\"n\":1}", "{\"n\":2}");
    assert!(moved.await.unwrap());
    // A second sign-in that read the same old counter loses (review m4).
    let stale = store.update_passkey(alex, "a", "{\"n\":1}", "{\"n\":3}");
    assert!(!stale.await.unwrap());
    let listed = store.passkeys(alex).await.unwrap();
    assert_eq!(listed[0].data, "{\"n\":2}");
    assert_eq!(listed[0].name, "key a");
    // A removed passkey is not brought back by a late update.
    store.remove_passkeys(alex).await.unwrap();
    let gone = store.update_passkey(alex, "a", "{\"n\":2}", "{\"n\":3}");
    assert!(!gone.await.unwrap());
    assert!(store.passkeys(alex).await.unwrap().is_empty());
}
