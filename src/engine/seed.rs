//! Seeds in JSON and TOML: written as strings, read from strings or integers.
//!
//! A seed is any u64, but JSON tools read numbers as f64 and round those above 2^53, so a seed
//! copied from a summary would silently become another seed; TOML integers stop at 2^63. Seeds
//! are therefore written as decimal strings ("18446744073709551615") and accepted either way.
//! Use with `#[serde(with = "crate::engine::seed")]` (or `seed::option` for an `Option<u64>`).

use serde::{de, Deserializer, Serializer};
use std::fmt;

pub fn serialize<S: Serializer>(seed: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&seed.to_string())
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(SeedVisitor)
}

struct SeedVisitor;

impl de::Visitor<'_> for SeedVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a seed: a whole number from 0 to 18446744073709551615, or the same as a string",
        )
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<u64, E> {
        Ok(n)
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<u64, E> {
        u64::try_from(n).map_err(|_| E::custom(format!("expected a seed of 0 or more, got {n}")))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<u64, E> {
        s.trim().parse().map_err(|_| {
            E::custom(format!(
                "expected a seed, a whole number from 0 to 18446744073709551615, got \"{s}\""
            ))
        })
    }
}

/// The same for an optional seed.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seed: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match seed {
            Some(v) => super::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super")] u64);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of bytes (not a security hash).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct S {
        #[serde(with = "super")]
        seed: u64,
    }

    #[test]
    fn seeds_are_strings_out_and_either_in() {
        let s = S { seed: u64::MAX };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"seed":"18446744073709551615"}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), s);
        let n: S = serde_json::from_str(r#"{"seed":9007199254740993}"#).unwrap();
        assert_eq!(n.seed, 9007199254740993);
        assert!(serde_json::from_str::<S>(r#"{"seed":-1}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"seed":"x"}"#).is_err());
        let t: S = toml::from_str("seed = \"18446744073709551615\"").unwrap();
        assert_eq!(t.seed, u64::MAX);
    }
}
