//! Better Auth's `symmetricEncodeJWT`/`symmetricDecodeJWT` (`better-auth/src/crypto/jwt.ts`):
//! a compact JWE with `alg: "dir"` and `enc: "A256CBC-HS512"` (RFC 7516, RFC 7518 §5.2.5), under a
//! 64-byte key derived from the secret by HKDF-SHA256; `kid` is the key's RFC 7638 thumbprint.

use aes::Aes256;
use aes::cipher::{
    BlockModeDecrypt as _, BlockModeEncrypt as _, KeyIvInit as _, block_padding::Pkcs7,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq as _;

/// HKDF `info` of every Better Auth JWE key.
const INFO: &[u8] = b"BetterAuth.js Generated Encryption Key";

/// A derived content-encryption key and its thumbprint.
pub struct JweKey {
    key: [u8; 64],
    /// `kid`: base64url SHA-256 of `{"k":"<b64u key>","kty":"oct"}`.
    pub kid: String,
}

#[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl JweKey {
    /// `deriveEncryptionSecret(secret, salt)`: HKDF-SHA256 to 64 bytes (RFC 5869).
    pub fn derive(secret: &SecretString, salt: &str) -> Self {
        let prk = hmac_sha256(salt.as_bytes(), &[secret.expose_secret().as_bytes()]);
        let t1 = hmac_sha256(&prk, &[INFO, &[1]]);
        let t2 = hmac_sha256(&prk, &[&t1, INFO, &[2]]);
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&t1);
        key[32..].copy_from_slice(&t2);
        let jwk = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()));
        Self { key, kid }
    }

    #[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
    fn tag(&self, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha512>::new_from_slice(&self.key[..32]).expect("HMAC takes keys of any length");
        mac.update(aad);
        mac.update(iv);
        mac.update(ciphertext);
        mac.update(&((aad.len() as u64) * 8).to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; 32];
        tag.copy_from_slice(&full[..32]);
        tag
    }

    /// Encrypts `payload` (JSON text) with this IV into a compact JWE.
    #[expect(
        clippy::expect_used,
        reason = "the key is 32 bytes and the IV 16, by construction"
    )]
    pub fn encrypt_with_iv(&self, payload: &str, iv: [u8; 16]) -> String {
        let header = format!(
            r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{}"}}"#,
            self.kid
        );
        let protected = URL_SAFE_NO_PAD.encode(header);
        let ciphertext = cbc::Encryptor::<Aes256>::new_from_slices(&self.key[32..], &iv)
            .expect("a 32-byte key and a 16-byte IV")
            .encrypt_padded_vec::<Pkcs7>(payload.as_bytes());
        let tag = self.tag(protected.as_bytes(), &iv, &ciphertext);
        format!(
            "{protected}..{}.{}.{}",
            URL_SAFE_NO_PAD.encode(iv),
            URL_SAFE_NO_PAD.encode(ciphertext),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// Encrypts `payload` with a random IV.
    pub fn encrypt(&self, payload: &str) -> String {
        let mut iv = [0u8; 16];
        rand::fill(&mut iv);
        self.encrypt_with_iv(payload, iv)
    }

    /// Decrypts a compact JWE whose segments are already split; `None` on any failure.
    fn decrypt_parts(&self, protected: &str, iv: &[u8], ct: &[u8], tag: &[u8]) -> Option<Vec<u8>> {
        let expected = self.tag(protected.as_bytes(), iv, ct);
        if !bool::from(expected.as_slice().ct_eq(tag)) {
            return None;
        }
        cbc::Decryptor::<Aes256>::new_from_slices(&self.key[32..], iv)
            .ok()?
            .decrypt_padded_vec::<Pkcs7>(ct)
            .ok()
    }
}

/// The protected header's `kid`, or `None` when the token is not a 5-part `dir` +
/// A256CBC-HS512 JWE (`Err(())`). Node also accepts `enc: "A256GCM"`, which it never issues.
fn header_kid(protected: &str) -> Result<Option<String>, ()> {
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(protected).map_err(|_| ())?)
            .map_err(|_| ())?;
    if header.get("alg").and_then(|v| v.as_str()) != Some("dir")
        || header.get("enc").and_then(|v| v.as_str()) != Some("A256CBC-HS512")
        || header.get("zip").is_some()
    {
        return Err(());
    }
    Ok(header.get("kid").and_then(|v| v.as_str()).map(String::from))
}

/// `symmetricDecodeJWT`: the plaintext of `token`, trying the key whose thumbprint is the
/// header's `kid` among `secrets` (current first), or every secret when there is no `kid`.
pub fn decrypt(token: &str, secrets: &[&SecretString], salt: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = token.split('.').collect();
    let [protected, encrypted_key, iv, ct, tag] = parts.as_slice() else {
        return None;
    };
    if !encrypted_key.is_empty() {
        return None;
    }
    let kid = header_kid(protected).ok()?;
    let (iv, ct, tag) = (
        URL_SAFE_NO_PAD.decode(iv).ok()?,
        URL_SAFE_NO_PAD.decode(ct).ok()?,
        URL_SAFE_NO_PAD.decode(tag).ok()?,
    );
    secrets
        .iter()
        .map(|secret| JweKey::derive(secret, salt))
        .filter(|key| kid.as_deref().is_none_or(|kid| kid == key.kid))
        .find_map(|key| key.decrypt_parts(protected, &iv, &ct, &tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "conformance-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
    // cookie-cache-and-secondary-storage.md §1.6, made by Better Auth 1.7.25.
    const SAMPLE: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoibm1OVXAtYWF4QWtKVmlmUjY3TU1CQTR1bl8welNjVDY1R3A2WUtBQy1TayJ9..Flc65pX2_ct3GHslXxqf2w.RfLk1J0RMihMvk-ZYdC7Bbxk8xC7vN3DxDOaPTuiu1AfUVKrtS4ENKTcIsKU15tBU6COhQvUO4BPr7TtHg2kqdcV7Yzmk0wWOjinKcV8R3fjE5rnv62sBXV-uRixuEe_mHpOCRfN-J34tU5wX4JXt8-ZxkwMcT_nzY3Gw62ZsLb7DcOdmkNuGjDoP6Goye6uDbCgFy_YGk5ZsPQZOlUehjwPGz4Kv0gP4_tIPhQm4IGPaAj69A3CpaXSD6yiPaRshneU_9BG5N2SEZv5TYFFCr7zXibt3c4j3U_mU94M4xg.q4UQYv2fMv3kvdhWiEwYwjk2a_8IOIzWZTnkBwev0bI";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_key_and_kid_are_derived_as_better_auth_derives_them() {
        let key = JweKey::derive(&S.into(), "better-auth-session");
        assert_eq!(
            hex(&key.key),
            "8ef8fc4c0b3e25f98705f8c4d3d5be9269ed15dc2b70814b46a2cc383ea4c038c10f4dd08d36c7c3abf82dfaf5d4e195287f249d43fb4cef8e23ffe2f8ba0734"
        );
        assert_eq!(key.kid, "nmNUp-aaxAkJVifR67MMBA4un_0zScT65Gp6YKAC-Sk");
    }

    #[test]
    fn a_token_better_auth_encrypted_decrypts_and_only_with_the_right_salt() {
        let secret: SecretString = S.into();
        let plain = decrypt(SAMPLE, &[&secret], "better-auth-session").unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            r#"{"session":{"id":"SESS0123456789abcdefghijklmnopqr"},"user":{"id":"USER0123456789abcdefghijklmnopqr"},"updatedAt":1767225600000,"version":"1","iat":1796063207,"exp":1796063507,"jti":"ee9bfe28-91fd-4496-b7b4-b79548af21bf"}"#
        );
        assert!(decrypt(SAMPLE, &[&secret], "better-auth-account").is_none());
        let other: SecretString = "another-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into();
        assert!(decrypt(SAMPLE, &[&other], "better-auth-session").is_none());
        assert!(decrypt(SAMPLE, &[&other, &secret], "better-auth-session").is_some());
    }

    #[test]
    fn what_we_encrypt_decrypts_and_tampering_is_rejected() {
        let secret: SecretString = S.into();
        let token = JweKey::derive(&secret, "better-auth-session").encrypt(r#"{"a":1}"#);
        assert_eq!(
            decrypt(&token, &[&secret], "better-auth-session").as_deref(),
            Some(br#"{"a":1}"#.as_slice())
        );
        let mut tampered = token.clone().into_bytes();
        let at = tampered.len() - 50;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(decrypt(&tampered, &[&secret], "better-auth-session").is_none());
    }
}
