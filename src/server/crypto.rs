//! Secrets at rest: AES-256-GCM with the key from `DATA_ENCRYPTION_KEY`. A sealed value is
//! `nonce (12 bytes) || ciphertext+tag`; a fresh random nonce per seal.
use aes_gcm::{Aes256Gcm, Key, KeyInit, Nonce, aead::Aead};
use secrecy::{ExposeSecret, SecretBox};

pub fn seal(key: &SecretBox<[u8; 32]>, plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.expose_secret()));
    let nonce: [u8; 12] = rand::random();
    let mut out = nonce.to_vec();
    out.extend(cipher.encrypt(Nonce::from_slice(&nonce), plaintext).expect("AES-GCM encryption of a small buffer"));
    out
}

/// Fails when the value was sealed with another key or altered.
pub fn open(key: &SecretBox<[u8; 32]>, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(sealed.len() > 12, "sealed value too short");
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.expose_secret()));
    cipher
        .decrypt(Nonce::from_slice(&sealed[..12]), &sealed[12..])
        .map_err(|_| anyhow::anyhow!("cannot decrypt a sealed secret (wrong DATA_ENCRYPTION_KEY?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_their_key_only_and_never_repeat() {
        let key = SecretBox::new(Box::new([7u8; 32]));
        let other = SecretBox::new(Box::new([8u8; 32]));
        let a = seal(&key, b"JBSWY3DPEHPK3PXP");
        let b = seal(&key, b"JBSWY3DPEHPK3PXP");
        assert_ne!(a, b);
        assert!(!a.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert_eq!(open(&key, &a).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(open(&other, &a).is_err());
        let mut tampered = a.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&key, &tampered).is_err());
    }
}
