//! Reference numbers: what a person quotes when they contact the program about a submission.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Characters that cannot be mistaken for one another when read aloud, written down or typed:
/// no 0/O/Q-like pairs, no 1/I/L, no 2/Z, no 5/S, no 8/B.
pub const ALPHABET: &[u8] = b"ACDEFGHJKMNPRTUVWXY34679";

/// How many characters a reference has.
pub const LENGTH: usize = 8;

/// An 8-character reference such as `K7MW4XTA`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reference(String);

impl Reference {
    /// A new random reference (24^8, about 110 billion, so collisions are rare; the store
    /// refuses a duplicate and the handler draws again).
    pub fn generate() -> Reference {
        let mut rng = rand::rng();
        let text = (0..LENGTH)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Reference(text)
    }

    /// Parses a reference as a person might type it: case and surrounding spaces ignored.
    pub fn parse(text: &str) -> Option<Reference> {
        let text = text.trim().to_ascii_uppercase();
        (text.len() == LENGTH && text.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Reference(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Reference {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Reference::parse(&value).ok_or_else(|| format!("`{value}` is not a reference number"))
    }
}

impl From<Reference> for String {
    fn from(value: Reference) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_avoid_look_alike_characters() {
        for forbidden in "0O1IL2Z5S8BQ".chars() {
            assert!(!ALPHABET.contains(&(forbidden as u8)), "{forbidden}");
        }
        for _ in 0..1000 {
            let reference = Reference::generate();
            assert_eq!(reference.as_str().len(), LENGTH);
            assert_eq!(Reference::parse(reference.as_str()), Some(reference));
        }
    }

    #[test]
    fn parsing_forgives_case_and_spaces_but_not_look_alikes() {
        assert_eq!(Reference::parse(" k7mw4xta ").unwrap().as_str(), "K7MW4XTA");
        assert_eq!(Reference::parse("K7MW4XT0"), None);
        assert_eq!(Reference::parse("K7MW4XT"), None);
        assert_eq!(Reference::parse("<script>"), None);
    }
}
