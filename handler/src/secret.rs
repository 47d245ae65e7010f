//! Random secrets and SHA-256 digests, in lowercase hexadecimal: the one home for what the
//! workspace's sessions, invitations and ceremonies (crate::auth), withdrawal links
//! (crate::withdrawal) and the stores' random ids share.

use sha2::{Digest, Sha256};

/// `bytes` in lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, b| {
            let _ = write!(text, "{b:02x}");
            text
        })
}

/// The SHA-256 of `text`, in hexadecimal (64 characters): what a store keeps instead of a
/// secret.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// `N` bytes from the operating system's random source, in hexadecimal (`2 * N` characters).
pub fn random_hex<const N: usize>() -> String {
    let bytes: [u8; N] = rand::random();
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_random_secrets_are_lowercase_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        let (a, b) = (random_hex::<32>(), random_hex::<32>());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(random_hex::<8>().len(), 16);
    }
}
