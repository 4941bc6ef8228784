//! The on-disk state of a sweep: the manifest that says which sweep a directory belongs to, and
//! one record per finished work unit. Every file is written atomically (temporary file, fsync,
//! rename), so a sweep killed at any moment leaves only whole files behind, plus perhaps a
//! stray temporary file that the next run removes.
//!
//! ```text
//! OUT/sweep.json                 manifest: format, fingerprint, shard (null = whole sweep), spec
//! OUT/chunks/pPPPP-cCCCC.json    the integer tally of trials of point P, chunk C
//! OUT/points/pPPPP/summary.json  per-point summary (whole sweeps and merges only)
//! OUT/points/pPPPP/points.csv
//! OUT/sweep.csv, OUT/sweep.md, OUT/plots/*.svg   the sweep report
//! ```
//!
//! Records hold only what the seed determines, so a unit computed twice (before and after an
//! interruption, or by two shards) has the same bytes, and so has everything built from them.

use super::shard::{Shard, Unit};
use super::sweep::SweepSpec;
use crate::experiment::runner::Tally;
use crate::experiment::score::AttackTally;
use crate::files::write_atomic;
use crate::net::{Latency, LinkStats, PacketCounters};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest's format tag.
pub const FORMAT: &str = "mixsim-sweep/1";
pub const MANIFEST: &str = "sweep.json";
pub const CHUNKS: &str = "chunks";

/// A sweep failure: bad input or a refusal (exit 2), or an I/O error (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{0}")]
    Input(String),
    /// A chunk record whose tally cannot be rebuilt.
    #[error("{}: {source}", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: BucketError,
    },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// Stopped through [`SweepOptions::stop`](super::execute::SweepOptions::stop): the units
    /// finished so far are recorded, the one under way is not.
    #[error("{}: interrupted; the chunks finished so far are kept there: run the same sweep again to resume", .0.display())]
    Interrupted(PathBuf),
}

impl SweepError {
    pub fn io(path: &Path, e: impl std::fmt::Display) -> Self {
        SweepError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// `OUT/sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub fingerprint: String,
    /// The share of the work this directory holds; None for a whole sweep (or a merge).
    pub shard: Option<Shard>,
    pub spec: SweepSpec,
}

impl Manifest {
    pub fn new(spec: &SweepSpec, shard: Shard) -> Self {
        Manifest {
            format: FORMAT.into(),
            fingerprint: spec.fingerprint(),
            shard: (!shard.is_whole()).then_some(shard),
            spec: spec.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serialises");
        s.push('\n');
        s
    }

    pub fn shard(&self) -> Shard {
        self.shard.unwrap_or(Shard::WHOLE)
    }
}

/// Read `DIR/sweep.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, SweepError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            SweepError::Input(format!(
                "{}: not a sweep output directory (no {MANIFEST})",
                dir.display()
            ))
        } else {
            SweepError::io(&path, e)
        }
    })?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        SweepError::Input(format!(
            "{}: not a mixsim sweep manifest: {e}",
            path.display()
        ))
    })?;
    if m.format != FORMAT {
        return Err(SweepError::Input(format!(
            "{}: format {:?}, this mixsim reads {FORMAT:?}",
            path.display(),
            m.format
        )));
    }
    Ok(m)
}

/// How two specs differ, in words ("seed 1 there, 2 here; trials ..."), or None if equal.
pub fn spec_difference(there: &SweepSpec, here: &SweepSpec) -> Option<String> {
    let mut d = Vec::new();
    if there.name != here.name {
        d.push(format!("name {:?} there, {:?} here", there.name, here.name));
    }
    if there.mixsim_version != here.mixsim_version {
        d.push(format!(
            "written by mixsim {} there, this is {}",
            if there.mixsim_version.is_empty() {
                "before 0.1.0"
            } else {
                &there.mixsim_version
            },
            here.mixsim_version
        ));
    }
    if there.traces != here.traces {
        d.push("the replayed trace files differ".into());
    }
    if there.seed != here.seed {
        d.push(format!("seed {} there, {} here", there.seed, here.seed));
    }
    if there.trials != here.trials {
        d.push(format!(
            "trials {} there, {} here",
            there.trials, here.trials
        ));
    }
    if there.chunk != here.chunk {
        d.push(format!("chunk {} there, {} here", there.chunk, here.chunk));
    }
    if there.base_scenario != here.base_scenario {
        d.push(format!(
            "the base scenario's text differs ({} there, {} here)",
            there.base_file, here.base_file
        ));
    }
    if there.extra_attacks != here.extra_attacks {
        d.push(format!(
            "attacks beyond the sweep file's {:?} there, {:?} here",
            there.extra_attacks, here.extra_attacks
        ));
    }
    if there.set != here.set {
        d.push(format!("set {:?} there, {:?} here", there.set, here.set));
    }
    if there.mode != here.mode || there.axes != here.axes {
        let axes = |s: &SweepSpec| {
            s.axes
                .iter()
                .map(|a| format!("{} ({} values)", a.path, a.values.len()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        d.push(format!(
            "the grid differs ({} points over {} there, {} points over {} here)",
            there.points.len(),
            axes(there),
            here.points.len(),
            axes(here)
        ));
    }
    if d.is_empty() && there.description != here.description {
        d.push("the description differs".into());
    }
    if d.is_empty() && there != here {
        d.push("the points' overrides differ".into());
    }
    (!d.is_empty()).then(|| d.join("; "))
}

/// An exclusive lock on an output directory, held while a sweep or merge writes there: a second
/// run into the same directory is refused instead of deleting the first one's temporary files.
/// Released when dropped (or when the process dies).
#[derive(Debug)]
pub struct OutLock {
    dir: Option<std::fs::File>,
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Unlock before closing: a flock belongs to the open file, and closing our descriptor
        // does not release it while another copy lives. A process forked by another thread
        // (a test spawning a command, a host program) holds a copy of every descriptor until
        // its exec closes them, so the lock outlived the drop and the next sweep into the
        // directory was refused.
        if let Some(dir) = &self.dir {
            let _ = dir.unlock();
        }
    }
}

/// Lock the directory `out` itself (flock on the directory, so no lock file is left behind).
#[cfg(unix)]
fn lock(out: &Path) -> Result<OutLock, SweepError> {
    let dir = std::fs::File::open(out).map_err(|e| SweepError::io(out, e))?;
    match dir.try_lock() {
        Ok(()) => Ok(OutLock { dir: Some(dir) }),
        Err(std::fs::TryLockError::WouldBlock) => Err(SweepError::Input(format!(
            "{}: another mixsim sweep or merge is writing to this directory: wait for it to finish, or choose another --out",
            out.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(SweepError::io(out, e)),
    }
}

#[cfg(not(unix))]
fn lock(_out: &Path) -> Result<OutLock, SweepError> {
    Ok(OutLock { dir: None })
}

/// Make `out` ready for `manifest`: create and lock it, check that it is empty or already
/// belongs to the same sweep and shard; remove temporary files an interrupted run left; write
/// the manifest. The lock is held until the returned guard is dropped.
pub fn prepare(out: &Path, manifest: &Manifest) -> Result<OutLock, SweepError> {
    std::fs::create_dir_all(out).map_err(|e| SweepError::io(out, e))?;
    let guard = lock(out)?;
    if out.join(MANIFEST).exists() {
        let there = read_manifest(out)?;
        if let Some(d) = spec_difference(&there.spec, &manifest.spec) {
            return Err(SweepError::Input(format!(
                "{} holds the output of a different sweep ({d}): resume with the same sweep file, --trials and --seed, or choose another --out",
                out.display()
            )));
        }
        if there.shard != manifest.shard {
            let name = |s: Option<Shard>| match s {
                None => "the whole sweep".to_string(),
                Some(s) => format!("shard {s}"),
            };
            return Err(SweepError::Input(format!(
                "{} holds {} of this sweep, but this run is {}: choose another --out",
                out.display(),
                name(there.shard),
                name(manifest.shard)
            )));
        }
    } else if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| SweepError::io(out, e))?;
        if entries.next().is_some() {
            return Err(SweepError::Input(format!(
                "{} is not empty and is not a sweep output directory (no {MANIFEST}): choose another --out",
                out.display()
            )));
        }
    }
    std::fs::create_dir_all(out.join(CHUNKS)).map_err(|e| SweepError::io(out, e))?;
    remove_temporaries(out)?;
    write_atomic(&out.join(MANIFEST), manifest.to_json().as_bytes())
        .map_err(|e| SweepError::io(&out.join(MANIFEST), e))?;
    Ok(guard)
}

/// Remove the temporary files of interrupted atomic writes (`.NAME.tmp.PID`) from the
/// directories a sweep writes.
pub fn remove_temporaries(out: &Path) -> Result<(), SweepError> {
    let mut dirs = vec![out.to_path_buf(), out.join(CHUNKS), out.join("plots")];
    if let Ok(points) = std::fs::read_dir(out.join("points")) {
        dirs.push(out.join("points"));
        dirs.extend(points.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(".tmp.") {
                std::fs::remove_file(e.path()).map_err(|err| SweepError::io(&e.path(), err))?;
            }
        }
    }
    Ok(())
}

/// Where the record of `unit` lives.
pub fn record_path(out: &Path, unit: &Unit) -> PathBuf {
    out.join(CHUNKS)
        .join(format!("p{:04}-c{:04}.json", unit.point, unit.chunk))
}

/// A latency histogram as (value, count) pairs of its non-empty buckets.
type Buckets = Vec<(u64, u64)>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyRecord {
    pub end_to_end: Buckets,
    pub mix_hold: Buckets,
    pub queueing: Buckets,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_hold: Buckets,
}

/// A [`Tally`] in a form that serialises exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TallyRecord {
    pub trials: u64,
    /// Per attack, its counts (identification outcomes per N, or detection counts).
    pub attacks: Vec<AttackTally>,
    pub counters: PacketCounters,
    pub links: Vec<LinkStats>,
    pub latency: LatencyRecord,
    /// End-to-end latency of each reported flow ([`crate::experiment::runner::latency_flows`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_latency: Vec<Buckets>,
    /// End-to-end latency of each cover kind's dummies ([`crate::experiment::runner::cover_kinds`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cover_latency: Vec<Buckets>,
    pub events: u64,
    /// Per TCP connection (empty without TCP flows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<crate::traffic::tcp::TcpStats>,
}

fn buckets(h: &Histogram<u64>) -> Buckets {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect()
}

/// A recorded latency bucket that the histogram cannot hold (a damaged or foreign record).
#[derive(Debug, thiserror::Error)]
#[error("latency value {value} ns is out of the histogram's range")]
pub struct BucketError {
    pub value: u64,
    #[source]
    pub source: hdrhistogram::RecordError,
}

fn histogram(b: &Buckets, into: &mut Histogram<u64>) -> Result<(), BucketError> {
    for &(value, c) in b {
        into.record_n(value, c)
            .map_err(|source| BucketError { value, source })?;
    }
    Ok(())
}

impl TallyRecord {
    pub fn of(t: &Tally) -> Self {
        TallyRecord {
            trials: t.trials,
            attacks: t.attacks.clone(),
            counters: t.counters,
            links: t.links.clone(),
            latency: LatencyRecord {
                end_to_end: buckets(&t.latency.end_to_end),
                mix_hold: buckets(&t.latency.mix_hold),
                queueing: buckets(&t.latency.queueing),
                stage_hold: buckets(&t.latency.stage_hold),
            },
            flow_latency: t.flow_latency.iter().map(buckets).collect(),
            cover_latency: t.cover_latency.iter().map(buckets).collect(),
            events: t.events,
            tcp: t.tcp.clone(),
        }
    }

    pub fn to_tally(&self) -> Result<Tally, BucketError> {
        let mut latency = Latency::default();
        histogram(&self.latency.end_to_end, &mut latency.end_to_end)?;
        histogram(&self.latency.mix_hold, &mut latency.mix_hold)?;
        histogram(&self.latency.queueing, &mut latency.queueing)?;
        histogram(&self.latency.stage_hold, &mut latency.stage_hold)?;
        let histograms = |v: &[Buckets]| {
            v.iter()
                .map(|b| {
                    let mut h = Latency::default().end_to_end;
                    histogram(b, &mut h).map(|()| h)
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let flow_latency = histograms(&self.flow_latency)?;
        let cover_latency = histograms(&self.cover_latency)?;
        Ok(Tally {
            trials: self.trials,
            attacks: self.attacks.clone(),
            counters: self.counters,
            links: self.links.clone(),
            latency,
            flow_latency,
            cover_latency,
            events: self.events,
            tcp: self.tcp.clone(),
        })
    }
}

/// `OUT/chunks/pPPPP-cCCCC.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkRecord {
    /// The fingerprint of the sweep spec.
    pub sweep: String,
    pub point: usize,
    pub chunk: usize,
    pub first_trial: u64,
    pub trials: u64,
    #[serde(with = "crate::engine::seed")]
    pub seed: u64,
    pub tally: TallyRecord,
}

impl ChunkRecord {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).expect("record serialises");
        s.push('\n');
        s
    }

    /// Does this record hold exactly `unit` of the sweep with this fingerprint and seed?
    pub fn matches(&self, fingerprint: &str, unit: &Unit, seed: u64) -> bool {
        self.sweep == fingerprint
            && self.point == unit.point
            && self.chunk == unit.chunk
            && self.first_trial == unit.trials.start
            && self.trials == unit.len()
            && self.tally.trials == unit.len()
            && self.seed == seed
    }
}

/// Write a unit's record atomically.
pub fn write_record(out: &Path, unit: &Unit, rec: &ChunkRecord) -> Result<(), SweepError> {
    let path = record_path(out, unit);
    write_atomic(&path, rec.to_json().as_bytes()).map_err(|e| SweepError::io(&path, e))
}

/// Read the record of `unit`, if it is there and belongs to this sweep.
pub fn read_record(path: &Path) -> Result<Option<ChunkRecord>, SweepError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            SweepError::Input(format!(
                "{}: not a sweep chunk record ({e}); delete it to have it recomputed",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SweepError::io(path, e)),
    }
}

/// Read the record of `unit` and check that it belongs to this sweep.
pub fn read_unit(
    out: &Path,
    spec: &SweepSpec,
    unit: &Unit,
) -> Result<Option<ChunkRecord>, SweepError> {
    let path = record_path(out, unit);
    match read_record(&path)? {
        None => Ok(None),
        Some(r) if r.matches(&spec.fingerprint(), unit, spec.points[unit.point].seed) => {
            super::record_check::verify(&r).map_err(|e| {
                SweepError::Input(format!(
                    "{}: {e}: this record was damaged or tampered with; delete it to run its chunk again",
                    path.display()
                ))
            })?;
            Ok(Some(r))
        }
        Some(_) => Err(SweepError::Input(format!(
            "{}: a record of another sweep or another chunk; this directory was tampered with",
            path.display()
        ))),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    /// A copy of the lock's descriptor (as a forked child holds until it execs) does not keep
    /// the directory locked once the lock is dropped.
    #[test]
    fn a_dropped_lock_is_released_while_a_copy_of_its_descriptor_lives() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path()).unwrap();
        assert!(lock(dir.path()).is_err(), "locked twice");
        let fd = first.dir.as_ref().unwrap().as_raw_fd();
        // SAFETY: dup of a descriptor we own; the copy is closed below.
        let copy = unsafe { libc::dup(fd) };
        assert!(copy >= 0);
        drop(first);
        let again = lock(dir.path());
        // SAFETY: the copy made above, closed once.
        unsafe { libc::close(copy) };
        assert!(again.is_ok(), "{:?}", again.err());
    }
}
