//! Quantities with units, as written in scenario files: "20ms", "10Mbps", "1000B", "650pps".
//!
//! Each type parses from a string (a bare number is refused for every unit-bearing quantity, so
//! that "20" never silently means 20 ns or 20 s) and prints back in a canonical form.
//! Durations are integer nanoseconds, the engine's unit of simulated time.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a quantity did not parse; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError(pub String);

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UnitError {}

fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|(_, c)| {
            !(c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == 'E' || *c == '-' || *c == '+')
        })
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    // "1e" followed by a unit letter is ambiguous; re-split at the last digit when parsing fails.
    let (num, unit) = s.split_at(end);
    match num.parse::<f64>() {
        Ok(v) => Some((v, unit.trim())),
        Err(_) => {
            let digits_end = s
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
                .map(|(i, _)| i)
                .unwrap_or(s.len());
            let (num, unit) = s.split_at(digits_end);
            num.parse::<f64>().ok().map(|v| (v, unit.trim()))
        }
    }
}

fn parse_with(s: &str, what: &str, units: &[(&str, f64)], example: &str) -> Result<f64, UnitError> {
    let expected = || {
        let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
        UnitError(format!(
            "expected a {what} with a unit ({}), like \"{example}\"; got \"{s}\"",
            names.join(", ")
        ))
    };
    let (value, unit) = split_number(s).ok_or_else(expected)?;
    if !value.is_finite() {
        return Err(expected());
    }
    let factor = match units.iter().find(|(u, _)| *u == unit) {
        Some((_, f)) => *f,
        None => {
            let mut e = expected();
            if let Some((u, _)) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) {
                let num = s.trim().strip_suffix(unit).unwrap_or(s).trim();
                e.0.push_str(&format!(
                    " (did you mean \"{num}{u}\"? units are case-sensitive)"
                ));
            }
            return Err(e);
        }
    };
    Ok(value * factor)
}

macro_rules! serde_via_str {
    ($t:ty, $what:expr, $example:expr) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(QuantityVisitor::<$t>::new($what, $example))
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
    };
}

/// Accepts a quoted quantity; a bare number gets a message saying the unit is missing, so
/// `t_avg = 20` does not read as the unhelpful "expected a string".
struct QuantityVisitor<T> {
    what: &'static str,
    example: &'static str,
    _t: std::marker::PhantomData<T>,
}

impl<T> QuantityVisitor<T> {
    fn new(what: &'static str, example: &'static str) -> Self {
        QuantityVisitor {
            what,
            example,
            _t: std::marker::PhantomData,
        }
    }
    fn bare<E: de::Error>(&self, n: impl fmt::Display) -> E {
        E::custom(format!(
            "expected a {} with a unit, as a quoted string like \"{}\"; got the bare number {n}",
            self.what, self.example
        ))
    }
}

impl<T: std::str::FromStr<Err = UnitError>> de::Visitor<'_> for QuantityVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} with a unit, like \"{}\"", self.what, self.example)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        s.parse().map_err(|e: UnitError| E::custom(e.0))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        Err(self.bare(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        Err(self.bare(n))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<T, E> {
        Err(self.bare(n))
    }
}

/// The largest simulated time a scenario may name or add up to: 2^53 ns (about 104 days). Every
/// time below it is exact both as integer nanoseconds and as an f64, and sums of a few thousand
/// such times stay far below the u64 range, so the simulation's time arithmetic cannot wrap.
pub const MAX_TIME: u64 = 1 << 53;

/// Packet rates the simulation clock can represent: at most one packet per nanosecond on
/// average, and a mean gap of at most about 11.6 days (1e15 ns, below [`MAX_TIME`]).
pub const MAX_RATE_PPS: f64 = 1e9;
pub const MIN_RATE_PPS: f64 = 1e-6;

/// A span of simulated time ("20ms", "1.5s", "250us", "10ns", "2min").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub u64);

impl Duration {
    pub fn nanos(self) -> u64 {
        self.0
    }
    pub fn secs(self) -> f64 {
        self.0 as f64 * 1e-9
    }
}

impl std::str::FromStr for Duration {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, UnitError> {
        let v = parse_with(
            s,
            "duration",
            &[
                ("ns", 1.0),
                ("us", 1e3),
                ("ms", 1e6),
                ("s", 1e9),
                ("min", 60e9),
            ],
            "20ms",
        )?;
        if v < 0.0 {
            return Err(UnitError(format!(
                "expected a duration of zero or more, got \"{s}\""
            )));
        }
        if v.round() > MAX_TIME as f64 {
            return Err(UnitError(format!(
                "expected a duration of at most {} (2^53 ns, about 104 days), got \"{s}\"",
                Duration(MAX_TIME)
            )));
        }
        Ok(Duration(v.round() as u64))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            write!(f, "0s")
        } else if ns.is_multiple_of(1_000_000_000) {
            write!(f, "{}s", ns / 1_000_000_000)
        } else if ns.is_multiple_of(1_000_000) {
            write!(f, "{}ms", ns / 1_000_000)
        } else if ns.is_multiple_of(1_000) {
            write!(f, "{}us", ns / 1_000)
        } else {
            write!(f, "{ns}ns")
        }
    }
}
serde_via_str!(Duration, "duration", "20ms");

/// A link capacity in bits per second ("10Mbps", "1Tbps", "56kbps", "100bps").
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Bandwidth(pub f64);

impl Bandwidth {
    pub fn bits_per_sec(self) -> f64 {
        self.0
    }
}

impl std::str::FromStr for Bandwidth {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, UnitError> {
        let v = parse_with(
            s,
            "bandwidth",
            &[
                ("bps", 1.0),
                ("kbps", 1e3),
                ("Mbps", 1e6),
                ("Gbps", 1e9),
                ("Tbps", 1e12),
            ],
            "10Mbps",
        )?;
        if v <= 0.0 {
            return Err(UnitError(format!(
                "expected a bandwidth above zero, got \"{s}\""
            )));
        }
        Ok(Bandwidth(v))
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        for (unit, factor) in [("Tbps", 1e12), ("Gbps", 1e9), ("Mbps", 1e6), ("kbps", 1e3)] {
            if b >= factor {
                return write!(f, "{}{unit}", b / factor);
            }
        }
        write!(f, "{b}bps")
    }
}
serde_via_str!(Bandwidth, "bandwidth", "10Mbps");

/// A size in bytes ("1000B", "1.5kB", "64KiB", "1MB").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Bytes(pub u64);

impl std::str::FromStr for Bytes {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, UnitError> {
        let v = parse_with(
            s,
            "size",
            &[
                ("B", 1.0),
                ("kB", 1e3),
                ("KB", 1e3),
                ("KiB", 1024.0),
                ("MB", 1e6),
                ("MiB", 1048576.0),
            ],
            "1000B",
        )?;
        if v < 1.0 || v.fract() != 0.0 {
            return Err(UnitError(format!(
                "expected a whole number of bytes, at least 1, got \"{s}\""
            )));
        }
        Ok(Bytes(v as u64))
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}B", self.0)
    }
}
serde_via_str!(Bytes, "size", "1000B");

/// A packet rate in packets per second ("650pps", "4.4pps", "2kpps").
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Rate(pub f64);

impl Rate {
    pub fn per_sec(self) -> f64 {
        self.0
    }
}

impl std::str::FromStr for Rate {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, UnitError> {
        let v = parse_with(
            s,
            "packet rate",
            &[("pps", 1.0), ("kpps", 1e3), ("Mpps", 1e6)],
            "650pps",
        )?;
        if v <= 0.0 {
            return Err(UnitError(format!(
                "expected a packet rate above zero, got \"{s}\""
            )));
        }
        if !(MIN_RATE_PPS..=MAX_RATE_PPS).contains(&v) {
            return Err(UnitError(format!(
                "expected a packet rate from {MIN_RATE_PPS}pps to {MAX_RATE_PPS}pps (one packet per nanosecond, the clock's resolution), got \"{s}\""
            )));
        }
        Ok(Rate(v))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}pps", self.0)
    }
}
serde_via_str!(Rate, "packet rate", "650pps");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_units() {
        assert_eq!("20ms".parse::<Duration>().unwrap(), Duration(20_000_000));
        assert_eq!("1.5s".parse::<Duration>().unwrap(), Duration(1_500_000_000));
        assert_eq!("6.2ms".parse::<Duration>().unwrap().to_string(), "6200us");
        assert_eq!("10Mbps".parse::<Bandwidth>().unwrap(), Bandwidth(1e7));
        assert_eq!("1Tbps".parse::<Bandwidth>().unwrap().to_string(), "1Tbps");
        assert_eq!("1000B".parse::<Bytes>().unwrap(), Bytes(1000));
        assert_eq!("650pps".parse::<Rate>().unwrap(), Rate(650.0));
    }

    #[test]
    fn rejects_bad_units_with_what_was_expected() {
        let e = "20".parse::<Duration>().unwrap_err();
        assert!(e.0.contains("expected a duration with a unit"), "{e}");
        assert!("10Mb/s".parse::<Bandwidth>().is_err());
        assert!("0pps".parse::<Rate>().unwrap_err().0.contains("above zero"));
        assert!("-5pps".parse::<Rate>().is_err());
        assert!("0Mbps".parse::<Bandwidth>().is_err());
        assert!("1.5B".parse::<Bytes>().is_err());
    }

    #[test]
    fn refuses_times_and_rates_the_clock_cannot_hold() {
        for d in ["1e300s", "1e17ns", "200000min"] {
            assert!(d.parse::<Duration>().is_err(), "{d}");
        }
        assert_eq!(
            "9007199254740992ns".parse::<Duration>().unwrap(),
            Duration(MAX_TIME)
        );
        let e = "9007199254740994ns".parse::<Duration>().unwrap_err();
        assert!(e.0.contains("at most"), "{e}");
        for r in ["1e300pps", "2e9pps", "1e-7pps", "1e-300pps"] {
            let e = r.parse::<Rate>().unwrap_err();
            assert!(e.0.contains("expected a packet rate from"), "{r}: {e}");
        }
        assert!("1Mpps".parse::<Rate>().is_ok());
    }
}
