//! Watermark detection as an attack: the owner of a watermarker looks, downstream, for the mark.
//!
//! The attack examines a list of *subjects*, each a link whose arrivals it reads (say the
//! egress link of a stepping stone, which carries only the flow that crosses it, or a mix's
//! output link, which carries every flow the mix merges). It gets the timestamps a tap on that
//! link recorded and nothing else: no flow label, no packet identity. For each subject it runs
//! the scheme's detector and returns a detection (marked or not, the scheme's score, and for
//! interval schemes the detected intervals out of n). Whether the subject really carries a
//! marked flow is ground truth, which only the experiment holds.
//!
//! Where the detector's time grid starts (the anchor):
//! - `Known`: the detector is synchronised with the watermarker: the grid starts when the
//!   flow's first packet reached the watermarker (the first arrival on a *sync* link, the link
//!   into the watermarker's node, a tap the attacker owns) plus the path's known mean delay
//!   from there. This is the setting of SWIRL's analysis.
//! - `FirstReceived`: blind: the grid starts at the first packet received, whose own path delay
//!   shifts the whole grid.
//! - `Search`: blind and robust: grids at the first received packet shifted by multiples of
//!   `step` over +-`sigmas` times the path's delay spread; the subject's score is the best of
//!   them (which costs false positives: at most the number of grids times one grid's).
//!
//! Non-blind schemes (RAINBOW) also read a *reference* link: the flow's packet times as they
//! entered the watermarker.

use super::{Attack, Detection, Hits, Needs, Observation, Point, Verdict, Watch};
use crate::engine::SimTime;
use crate::watermark::{detect_best, Detector};

/// Where the detector's grid starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    /// The first arrival on the subject's sync link plus the subject's `delay`.
    Known,
    /// The first received packet.
    FirstReceived,
    /// The best of the grids at the first received packet shifted by k `step`, |k| `step` at
    /// most `sigmas` times the subject's `spread`.
    Search { sigmas: f64, step: SimTime },
}

/// One link the attack examines.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// The link whose arrivals the detector reads.
    pub link: usize,
    /// The link into the watermarker: its first arrival starts a known anchor.
    pub sync: usize,
    /// Mean delay from the sync link's arrival to this link's arrival.
    pub delay: SimTime,
    /// Spread (standard deviation) of that delay, for the anchor search.
    pub spread: SimTime,
    /// Non-blind schemes: the link whose arrivals are the flow entering the watermarker.
    pub reference: Option<usize>,
}

/// The watermark detection attack.
pub struct WatermarkDetection {
    /// The scheme's name ("swirl", ...), used as the attack's name.
    pub scheme: String,
    pub detector: Box<dyn Detector>,
    pub anchor: Anchor,
    pub subjects: Vec<Subject>,
}

fn arrive(link: usize) -> Watch {
    Watch {
        link,
        point: Point::Arrive,
    }
}

/// Candidate anchors around `first`: shifts 0, then -1, +1, -2, +2, ... steps (ties go to the
/// smaller shift), out to `sigmas * spread`.
pub fn search_anchors(first: SimTime, spread: SimTime, sigmas: f64, step: SimTime) -> Vec<SimTime> {
    let step = step.max(1);
    let k = ((sigmas * spread as f64) / step as f64).floor().max(0.0) as u64;
    let mut v = vec![first];
    for i in 1..=k {
        v.push(first.saturating_sub(i * step));
        v.push(first + i * step);
    }
    v
}

impl WatermarkDetection {
    fn detect(&self, obs: &Observation<'_>, s: &Subject) -> crate::watermark::Detection {
        let received: Vec<SimTime> = obs.trace(arrive(s.link)).iter().map(|p| p.time).collect();
        if let Some(r) = s.reference {
            let reference: Vec<SimTime> = obs.trace(arrive(r)).iter().map(|p| p.time).collect();
            return self.detector.detect_with_reference(&received, &reference);
        }
        let Some(&first) = received.first() else {
            return self.detector.detect(&received);
        };
        match self.anchor {
            Anchor::FirstReceived => self.detector.detect(&received),
            Anchor::Known => match obs.trace(arrive(s.sync)).first() {
                Some(p) => self.detector.detect_anchored(&received, p.time + s.delay),
                None => self.detector.detect(&[]),
            },
            Anchor::Search { sigmas, step } => {
                let anchors = search_anchors(first, s.spread, sigmas, step);
                detect_best(self.detector.as_ref(), &received, &anchors)
            }
        }
    }
}

impl Attack for WatermarkDetection {
    fn name(&self) -> String {
        self.scheme.clone()
    }

    fn needs(&self) -> Needs {
        let mut traces = Vec::new();
        for s in &self.subjects {
            traces.push(arrive(s.link));
            if self.anchor == Anchor::Known {
                traces.push(arrive(s.sync));
            }
            traces.extend(s.reference.map(arrive));
        }
        traces.sort();
        traces.dedup();
        Needs {
            traces,
            ..Needs::default()
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        Verdict::Detection(
            self.subjects
                .iter()
                .map(|s| {
                    let d = self.detect(obs, s);
                    Detection {
                        marked: d.watermarked,
                        score: d.score,
                        detail: (d.of > 0).then_some(Hits {
                            hits: d.detected,
                            out_of: d.of,
                        }),
                    }
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_anchors_alternate_around_the_first_packet() {
        // +-3 x 6 = 18 ns in steps of 5: three steps each way.
        let v = search_anchors(100, 6, 3.0, 5);
        assert_eq!(v, vec![100, 95, 105, 90, 110, 85, 115]);
        assert_eq!(search_anchors(100, 0, 3.0, 5), vec![100]);
        // The stepping stone's search: +-3 sigma at 9 ms in 5 ms steps is 11 grids.
        assert_eq!(
            search_anchors(1_000_000_000, 9_000_000, 3.0, 5_000_000).len(),
            11
        );
    }
}
