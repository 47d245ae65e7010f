//! Withdrawal links: the personal link in a registration's acknowledgement (and in the email
//! that tells a person waiting that a place is theirs) that cancels the registration or the
//! place on the waiting list, without signing in.
//!
//! The link carries a random token (256 bits). The store keeps only its SHA-256 hash, with the
//! registration it names and the moment it stops working (the cohort's first session), so a
//! copy of the table or a backup cannot be turned into working links. A token is issued by
//! the notifier when it sends the email ([`crate::store::places::PlaceStore::add_withdrawal_link`]):
//! the plain token exists only in that email. It works once: using it withdraws the
//! registration, after which every link of that registration says it was used.

use model::Lang;

/// The path of the withdrawal page (GET shows what will be cancelled, POST does it).
pub const PATH: &str = "/api/withdraw";

/// A withdrawal token: 64 lowercase hexadecimal characters (32 random bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct WithdrawalToken(String);

impl WithdrawalToken {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> WithdrawalToken {
        WithdrawalToken(crate::secret::random_hex::<32>())
    }

    /// A token as a link carries it; `None` for anything that could not have been issued
    /// (so a forged or truncated link is told apart without a store lookup).
    pub fn parse(text: &str) -> Option<WithdrawalToken> {
        let well_formed = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| WithdrawalToken(text.to_string()))
    }

    /// What the store keeps: the SHA-256 of the token, in hexadecimal.
    pub fn hash(&self) -> String {
        crate::secret::sha256_hex(&self.0)
    }

    /// The token itself, for the link (never logged, never stored).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WithdrawalToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WithdrawalToken(..)")
    }
}

/// The personal link: `{origin}/api/withdraw?lang=fr&token=...`. The language lets even a
/// page about an expired or unknown link speak the person's language.
pub fn link(origin: &str, lang: Lang, token: &WithdrawalToken) -> String {
    format!(
        "{}{PATH}?lang={}&token={}",
        origin.trim_end_matches('/'),
        lang.code(),
        token.expose()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_random_well_formed_and_stored_only_as_its_hash() {
        let token = WithdrawalToken::generate();
        assert_ne!(token, WithdrawalToken::generate());
        assert_eq!(WithdrawalToken::parse(token.expose()), Some(token.clone()));
        let hash = token.hash();
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, token.expose());
        assert!(WithdrawalToken::parse(&hash).is_some_and(|h| h.hash() != hash));
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn a_forged_or_damaged_token_is_refused_before_any_lookup() {
        let token = WithdrawalToken::generate();
        for bad in [
            "",
            &token.expose()[..63],
            &format!("{}0", token.expose()),
            &token.expose().to_uppercase(),
            &format!("{}g", &token.expose()[..63]),
            "../../etc/passwd",
        ] {
            assert_eq!(WithdrawalToken::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_link_names_the_language_and_the_token() {
        let token = WithdrawalToken::parse(&"ab".repeat(32)).unwrap();
        assert_eq!(
            link("https://example.ca/", Lang::Fr, &token),
            format!(
                "https://example.ca/api/withdraw?lang=fr&token={}",
                "ab".repeat(32)
            )
        );
    }
}
