//! A cap on acknowledgements per address and day (`PASSERELLE_ACK_PER_ADDRESS_PER_DAY`, 3 by
//! default). The registration and intake forms send an acknowledgement to the address typed
//! in them: without a cap anyone could make the program email a stranger, as often as they
//! like. Past the cap the submission is stored and the coordinators are told as always; only
//! the acknowledgement is left out, and the confirmation page does not promise one.
//!
//! The store counts per key, never per address: the key is an HMAC of the address (trimmed,
//! lowercased) and the day, under a key derived from the deployment's confirmation-link key, so
//! the counts cannot be matched against a list of addresses without that secret. A count
//! expires two days after its day begins.

use crate::config::Config;
use crate::confirmation::ConfirmationKey;
use crate::store::{AckQuota, NewNotification, NotificationKind};
use hmac::{Hmac, KeyInit, Mac};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use sha2::Sha256;

/// The setting that caps acknowledgements.
pub const SETTING: &str = "PASSERELLE_ACK_PER_ADDRESS_PER_DAY";

/// The cap when the setting is not given.
pub const DEFAULT_PER_DAY: u32 = 3;

/// What the derived key is for (see [`ConfirmationKey::derive`]).
const PURPOSE: &str = "passerelle-ack-limit-v1";

/// Parses the setting's value: a whole number, 0 (no acknowledgement at all) or more.
pub fn parse_setting(value: Option<&str>) -> anyhow::Result<u32> {
    match value.map(str::trim) {
        None | Some("") => Ok(DEFAULT_PER_DAY),
        Some(text) => text.parse::<u32>().map_err(|_| {
            anyhow::anyhow!(
                "{SETTING} must be a whole number of acknowledgements per address and day \
                 (0 for none), found `{text}`"
            )
        }),
    }
}

/// The quota of the acknowledgement among `notifications`, if there is one.
pub fn for_notifications(
    config: &Config,
    notifications: &[NewNotification],
    now: Timestamp,
    tz: &TimeZone,
) -> Option<AckQuota> {
    let ack = notifications
        .iter()
        .find(|n| n.kind == NotificationKind::Acknowledgement)?;
    Some(quota(
        &config.confirmation_key,
        &ack.recipient,
        now,
        tz,
        config.ack_per_address_per_day,
    ))
}

/// The quota of an acknowledgement to `address`, sent at `now` (its day in `tz`).
pub fn quota(
    secret: &ConfirmationKey,
    address: &str,
    now: Timestamp,
    tz: &TimeZone,
    limit: u32,
) -> AckQuota {
    let day = now.to_zoned(tz.clone()).date();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret.derive(PURPOSE))
        .expect("HMAC takes keys of any length");
    mac.update(address.trim().to_lowercase().as_bytes());
    mac.update(&[0]);
    mac.update(day.to_string().as_bytes());
    let key = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expires_at = day
        .checked_add(2.days())
        .and_then(|d| d.to_zoned(tz.clone()))
        .map(|z| z.timestamp())
        .unwrap_or(now);
    AckQuota {
        key,
        limit,
        expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> ConfirmationKey {
        ConfirmationKey::new("a test key of at least thirty-two characters").unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_setting_is_a_whole_number_or_the_start_stops() {
        assert_eq!(parse_setting(None).unwrap(), 3);
        assert_eq!(parse_setting(Some(" 5 ")).unwrap(), 5);
        assert_eq!(parse_setting(Some("0")).unwrap(), 0);
        for bad in ["three", "-1", "2.5", "1e3"] {
            let err = parse_setting(Some(bad)).unwrap_err().to_string();
            assert!(err.contains(SETTING) && err.contains(bad), "{err}");
        }
    }

    #[test]
    fn one_address_and_day_share_a_key_that_does_not_show_the_address() {
        let tz = TimeZone::get("America/Toronto").unwrap();
        let morning = quota(
            &secret(),
            "Sam@Example.ca",
            at("2025-06-02T13:00:00Z"),
            &tz,
            3,
        );
        let evening = quota(
            &secret(),
            " sam@example.ca",
            at("2025-06-03T02:00:00Z"),
            &tz,
            3,
        );
        assert_eq!(morning.key, evening.key, "the same day in Toronto");
        assert!(!morning.key.contains("sam") && morning.key.len() == 64);
        let next_day = quota(
            &secret(),
            "sam@example.ca",
            at("2025-06-03T13:00:00Z"),
            &tz,
            3,
        );
        assert_ne!(morning.key, next_day.key);
        let other = ConfirmationKey::new("another deployment's key, also long enough").unwrap();
        let elsewhere = quota(&other, "sam@example.ca", at("2025-06-02T13:00:00Z"), &tz, 3);
        assert_ne!(morning.key, elsewhere.key, "keyed per deployment");
        assert_eq!(morning.expires_at, at("2025-06-04T04:00:00Z"));
    }
}
