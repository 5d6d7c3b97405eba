//! Identifiers in the reference's shapes: `<prefix>_<uuid v4>` from an injected RNG.

use rand_core::CryptoRngCore;

/// A random (version 4) UUID in lowercase hyphenated form, like JavaScript's
/// `crypto.randomUUID()`.
pub fn uuid_v4(rng: &mut impl CryptoRngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    push_uuid(&mut out, &b);
    out
}

/// The 8-4-4-4-12 lowercase hex form of 16 bytes.
fn push_uuid(out: &mut String, b: &[u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(x >> 4)]));
        out.push(char::from(HEX[usize::from(x & 0xf)]));
    }
}

/// `<prefix>_<uuid v4>`, e.g. `rcpt_1b4e28ba-2fa1-41d2-883f-0016d3cca427`.
pub fn new_id(prefix: &str, rng: &mut impl CryptoRngCore) -> String {
    let mut out = String::with_capacity(prefix.len() + 37);
    out.push_str(prefix);
    out.push('_');
    out.push_str(&uuid_v4(rng));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(u8);
    impl rand_core::RngCore for Counter {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, d: &mut [u8]) {
            for x in d {
                *x = self.0;
                self.0 = self.0.wrapping_add(1);
            }
        }
        fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(d);
            Ok(())
        }
    }
    impl rand_core::CryptoRng for Counter {}

    #[test]
    fn shape() {
        let id = new_id("rcpt", &mut Counter(0));
        assert_eq!(id, "rcpt_00010203-0405-4607-8809-0a0b0c0d0e0f");
    }
}
