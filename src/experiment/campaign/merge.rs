//! `mixsim merge`: join the output directories of the shards of one sweep into the output of a
//! whole run, byte for byte.
//!
//! Refused, with a message naming the directories: shards of different sweeps (spec, seed,
//! trials, chunk), of different splits (k/n with different n), the same shard twice, missing
//! shards, and shards that did not finish.

use super::execute::finalize;
use super::record::{self, Manifest, SweepError};
use super::shard::{self, Shard};
use super::sweep::SweepPlan;
use crate::experiment::summary::Summary;
use std::path::{Path, PathBuf};

/// Merge shard directories `dirs` into `out` (the records) and return the sweep's plan and
/// every point's summary, as a whole run would have.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(SweepPlan, Vec<Summary>), SweepError> {
    if dirs.is_empty() {
        return Err(SweepError::Input(
            "give the output directory of every shard".into(),
        ));
    }
    let manifests: Vec<Manifest> = dirs
        .iter()
        .map(|d| record::read_manifest(d))
        .collect::<Result<_, _>>()?;
    let first = &manifests[0];
    for (d, m) in dirs.iter().zip(&manifests).skip(1) {
        if let Some(diff) = record::spec_difference(&first.spec, &m.spec) {
            return Err(SweepError::Input(format!(
                "{} and {} are shards of different sweeps ({diff} -- \"there\" is {}): merge only the shards of one sweep file run with one --seed and --trials",
                dirs[0].display(),
                d.display(),
                dirs[0].display()
            )));
        }
    }
    let (shards, owner) = shard_owners(dirs, &manifests)?;
    let n = shards[0].n;

    let spec = first.spec.clone();
    let plan: SweepPlan = spec
        .plan(Path::new(&first.spec.base_file))
        .map_err(|e| SweepError::Input(e.to_string()))?;
    let units = shard::units(plan.spec.trials, plan.spec.chunk, plan.spec.points.len());
    let costs = shard::unit_costs(&plan, &units);
    let owner_of_unit = shard::assign(&costs, n);

    // Every shard complete, before anything is written.
    let mut records = Vec::with_capacity(units.len());
    for (u, unit) in units.iter().enumerate() {
        let i = owner[owner_of_unit[u]];
        match record::read_unit(&dirs[i], &plan.spec, unit)? {
            Some(r) => records.push(r),
            None => {
                let missing = units
                    .iter()
                    .enumerate()
                    .filter(|&(v, w)| {
                        owner_of_unit[v] == owner_of_unit[u]
                            && !record::record_path(&dirs[i], w).exists()
                    })
                    .count();
                let total = owner_of_unit
                    .iter()
                    .filter(|&&s| s == owner_of_unit[u])
                    .count();
                return Err(SweepError::Input(format!(
                    "shard {} in {} is not finished ({missing} of its {total} chunks missing, first {}): run its `mixsim sweep ... --shard {}` again with the same --out to finish it",
                    shards[i],
                    dirs[i].display(),
                    record::record_path(&dirs[i], unit).display(),
                    shards[i]
                )));
            }
        }
    }

    let _lock = record::prepare(out, &Manifest::new(&plan.spec, Shard::WHOLE))?;
    for (unit, rec) in units.iter().zip(&records) {
        record::write_record(out, unit, rec)?;
    }
    let summaries = finalize(out, &plan)?;
    Ok((plan, summaries))
}

/// The shard of each directory, and per shard k (from 1) the directory holding it: every
/// directory a shard of the same split, each k once, none missing.
fn shard_owners(
    dirs: &[PathBuf],
    manifests: &[Manifest],
) -> Result<(Vec<Shard>, Vec<usize>), SweepError> {
    let shards: Vec<Shard> = manifests.iter().map(Manifest::shard).collect();
    let n = shards[0].n;
    if let Some(i) = shards.iter().position(|s| s.n != n) {
        return Err(SweepError::Input(format!(
            "{} is shard {} but {} is shard {}: shards of different splits cannot be merged",
            dirs[0].display(),
            shards[0],
            dirs[i].display(),
            shards[i]
        )));
    }
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for (i, s) in shards.iter().enumerate() {
        if let Some(j) = owner[s.k - 1] {
            return Err(SweepError::Input(format!(
                "shard {s} is given twice: {} and {}",
                dirs[j].display(),
                dirs[i].display()
            )));
        }
        owner[s.k - 1] = Some(i);
    }
    let missing: Vec<String> = (0..n)
        .filter(|&k| owner[k].is_none())
        .map(|k| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(SweepError::Input(format!(
            "missing shard{} {} of {n}: give the output directory of every shard",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }

    Ok((shards, owner.into_iter().flatten().collect()))
}
