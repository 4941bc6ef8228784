//! The files of one run, as `mixsim run` writes them: summary.json, points.csv, table.txt,
//! detection.svg and (for identification attacks) rank.svg, each written atomically.

use crate::experiment::Summary;
use crate::report::plot;
use std::path::{Path, PathBuf};

/// Write the files of `summary` into the existing directory `out`; returns the names written,
/// or the file that could not be written and why.
pub fn write(
    out: &Path,
    summary: &Summary,
) -> Result<Vec<&'static str>, (PathBuf, std::io::Error)> {
    let mut written = Vec::new();
    let svg = plot::summary_plot(summary);
    for (name, bytes) in [
        ("summary.json", summary.to_json().into_bytes()),
        ("points.csv", summary.points_csv().into_bytes()),
        ("table.txt", summary.table().into_bytes()),
        ("detection.svg", svg.into_bytes()),
    ]
    .into_iter()
    .chain(plot::rank_plot(summary).map(|svg| ("rank.svg", svg.into_bytes())))
    {
        let path = out.join(name);
        crate::files::write_atomic(&path, &bytes).map_err(|e| (path, e))?;
        written.push(name);
    }
    Ok(written)
}
