//! The SWIRL key shared by watermarker and detector. \[design\]
//!
//! The paper's design section is not in our fragment; this is mixsim's reconstruction
//! (mixsim's reconstruction). From a key seed it derives, deterministically:
//! - the offset of interval 0 relative to the flow's first packet (a parameter, default 0);
//! - the layout: which of the 2n intervals is base or mark of which pair (consecutive by
//!   default, or a keyed pairing where every base precedes its mark);
//! - `perm[i][j]`, a permutation of the m slots for each mark interval i and subinterval j:
//!   the selected slot of subinterval j for symbol s is `perm[i][j][s]`. A permutation keeps
//!   different symbols on different slots, which makes the two-candidate union bound of the
//!   paper's eq. 7 tight.

use super::params::{Embedding, Pairing, SwirlParams};
use crate::engine::{stream, SimTime};
use rand::seq::SliceRandom;

/// Role of one of the 2n intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Base interval of pair i.
    Base(u32),
    /// Mark interval of pair i.
    Mark(u32),
}

/// Element id of the key stream (an arbitrary constant: "SWIRLKEY").
const KEY_STREAM: u64 = 0x5357_4952_4c4b_4559;

/// A SWIRL key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwirlKey {
    /// Offset of interval 0 after the flow's first packet, ns.
    pub offset: SimTime,
    /// Role of each of the 2n intervals, in time order.
    pub roles: Vec<Role>,
    r: u32,
    m: u32,
    /// Embedding::Uniform: subinterval 0's permutation serves every subinterval.
    uniform: bool,
    /// Flattened perm[i][j][s] at ((i * r) + j) * m + s.
    perms: Vec<u8>,
}

impl SwirlKey {
    /// The key of `params` (depends on n, r, m, pairing, offset and key_seed only).
    pub fn new(params: &SwirlParams) -> Self {
        let mut rng = stream(params.key_seed, 0, KEY_STREAM);
        let n = params.n as usize;
        let (r, m) = (params.r, params.m);
        let roles = match params.pairing {
            Pairing::Consecutive => (0..n as u32)
                .flat_map(|i| [Role::Base(i), Role::Mark(i)])
                .collect(),
            Pairing::Keyed => {
                // A random ordering of the 2n intervals cut into n consecutive couples; in each
                // couple the earlier interval is the base. Pairs are then numbered by base time.
                let mut order: Vec<usize> = (0..2 * n).collect();
                order.shuffle(&mut rng);
                let mut couples: Vec<(usize, usize)> = order
                    .chunks(2)
                    .map(|c| (c[0].min(c[1]), c[0].max(c[1])))
                    .collect();
                couples.sort_unstable();
                let mut roles = vec![Role::Base(0); 2 * n];
                for (i, (b, k)) in couples.into_iter().enumerate() {
                    roles[b] = Role::Base(i as u32);
                    roles[k] = Role::Mark(i as u32);
                }
                roles
            }
        };
        let mut perms = Vec::with_capacity(n * r as usize * m as usize);
        let mut p: Vec<u8> = (0..m as u8).collect();
        for _ in 0..n * r as usize {
            p.shuffle(&mut rng);
            perms.extend_from_slice(&p);
        }
        SwirlKey {
            offset: params.offset.nanos(),
            roles,
            r,
            m,
            uniform: params.embedding == Embedding::Uniform,
            perms,
        }
    }

    /// Selected slot (0..m) of subinterval `j` of mark interval `i` for symbol `s`.
    #[inline]
    pub fn slot(&self, i: u32, j: u32, s: u32) -> u32 {
        let j = if self.uniform { 0 } else { j };
        self.perms[((i * self.r + j) * self.m + s) as usize] as u32
    }

    /// Index of the interval of the pair-th base and mark.
    pub fn intervals_of(&self, pair: u32) -> (usize, usize) {
        let b = self
            .roles
            .iter()
            .position(|&x| x == Role::Base(pair))
            .unwrap();
        let k = self
            .roles
            .iter()
            .position(|&x| x == Role::Mark(pair))
            .unwrap();
        (b, k)
    }
}

/// Where a time falls in the watermark's interval grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Index of the interval (0..2n).
    pub interval: usize,
    /// Offset inside the interval, ns.
    pub offset: SimTime,
}

/// The interval grid of a flow anchored at `anchor` (its first packet): interval k is
/// [anchor + o + kT, anchor + o + (k+1)T). `None` outside the 2n intervals.
#[inline]
pub fn locate(t: SimTime, anchor: SimTime, key: &SwirlKey, interval: SimTime) -> Option<Position> {
    let start = anchor + key.offset;
    if t < start {
        return None;
    }
    let d = t - start;
    let k = (d / interval) as usize;
    (k < key.roles.len()).then_some(Position {
        interval: k,
        offset: d - k as u64 * interval,
    })
}

/// Quantised symbol of a centroid `c` (ns from the start of the base interval):
/// s = floor(c / Delta) mod m, and the neighbouring candidate s'.
#[inline]
pub fn symbols(c: f64, delta: f64, m: u32) -> (u32, u32) {
    let x = c / delta;
    let f = x.floor();
    let s = (f as i64).rem_euclid(m as i64) as u32;
    let other = if x - f >= 0.5 {
        f as i64 + 1
    } else {
        f as i64 - 1
    };
    (s, other.rem_euclid(m as i64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_deterministic_and_perms_are_permutations() {
        let p = SwirlParams {
            key_seed: 9,
            ..Default::default()
        };
        let a = SwirlKey::new(&p);
        assert_eq!(a, SwirlKey::new(&p));
        assert_ne!(
            a,
            SwirlKey::new(&SwirlParams {
                key_seed: 10,
                ..Default::default()
            })
        );
        for i in 0..p.n {
            for j in 0..p.r {
                let mut seen: Vec<u32> = (0..p.m).map(|s| a.slot(i, j, s)).collect();
                seen.sort_unstable();
                assert_eq!(seen, (0..p.m).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn keyed_pairing_puts_each_base_first() {
        let p = SwirlParams {
            pairing: Pairing::Keyed,
            key_seed: 3,
            ..Default::default()
        };
        let k = SwirlKey::new(&p);
        for i in 0..p.n {
            let (b, m) = k.intervals_of(i);
            assert!(b < m);
        }
    }

    #[test]
    fn symbols_pick_the_nearer_neighbour() {
        assert_eq!(symbols(0.2 * 160.0, 160.0, 5), (0, 4));
        assert_eq!(symbols(0.7 * 160.0, 160.0, 5), (0, 1));
        assert_eq!(symbols(12.3 * 160.0, 160.0, 5), (2, 1));
    }
}
