//! Random identifiers: tokens, MongoDB-like ids, numeric ids. All come from the OS
//! generator (through UUID v4 bytes), so none can be guessed or repeats across replicas.

/// `n` random characters of `alphabet`, without modulo bias.
pub fn random_string(n: usize, alphabet: &[u8]) -> String {
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in uuid::Uuid::new_v4().into_bytes() {
            if (b as usize) < limit && out.len() < n {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// Letters and digits, both cases (LoopBack's token alphabet).
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Lower-case letters and digits.
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A MongoDB-like ObjectId: 4 bytes of seconds, then 8 random bytes, in hex (24 digits).
pub fn object_id() -> String {
    let secs = (crate::clock::now_ms() / 1000) as u32;
    format!(
        "{secs:08x}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

/// A random number in `1..2^53`: exact as a JavaScript number, so clients parse it intact.
pub fn random_u53() -> u64 {
    let b = uuid::Uuid::new_v4().into_bytes();
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[8..16]);
    (u64::from_be_bytes(x) >> 11).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_ids_have_the_documented_shapes() {
        let t = random_string(64, ALNUM);
        assert_eq!(t.len(), 64);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()));
        let id = object_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        let n = random_u53();
        assert!(n > 0 && n < 1 << 53);
    }
}
