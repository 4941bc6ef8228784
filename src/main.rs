//! The `mixsim` command line: a thin layer over the library.

use clap::{Parser, Subcommand};
use mixsim::experiment::Summary;
use mixsim::experiment::{self, RunOptions};
use mixsim::net::plan::Executor;
use mixsim::net::tap::TapPoint;
use mixsim::net::CoverKind;
use mixsim::report;
use mixsim::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mixsim",
    version,
    about = "Packet-level simulator of traffic-analysis attacks on continuous-time mixes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct ScenarioArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Override a scenario value by dotted path, in the file's units (repeatable),
    /// e.g. --set node.mix.t_avg=50ms --set trials=20.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run K trials of a scenario and report detection rates, link use and latency.
    Run {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Number of trials, at least 1 (default: the scenario's `trials`).
        #[arg(long, value_parser = at_least_one::<u64>)]
        trials: Option<u64>,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads, at least 1 (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = at_least_one::<usize>)]
        jobs: Option<usize>,
        /// Output directory (default: runs/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar and no table.
        #[arg(long)]
        quiet: bool,
        /// Force an executor: `event` (the event engine) or `stream` (the feed-forward,
        /// columnar executor; also `columnar`; feed-forward scenarios only). Default: the
        /// columnar executor whenever the scenario allows it. Same bytes either way.
        #[arg(long, value_enum)]
        engine: Option<EngineArg>,
    },
    /// Analytical predictions only (no simulation): the seed-000 model at the scenario's
    /// sample sizes.
    Model {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Semi-analytic repetitions (0 skips the semi-analytic estimate).
        #[arg(long, default_value_t = 400)]
        semi_reps: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Watermark scenarios: the cross-over error rate whose jitter sigma is reported (the
        /// SWIRL paper's published COER at 4.4 pkt/s).
        #[arg(long, default_value_t = 1e-7, value_parser = open_probability)]
        coer_target: f64,
    },
    /// Validate a scenario and print what it resolves to.
    Check {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Print one link's tap as CSV (time, size) for one trial.
    Trace {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// The link, written from->to (e.g. mix->bob).
        #[arg(long)]
        tap: String,
        /// Point of the link: enqueue, depart or arrive.
        #[arg(long, default_value = "depart")]
        point: String,
        /// Trial index.
        #[arg(long, default_value_t = 0)]
        trial: u64,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write labelled entry and exit traces of every flow for K trials (datasets for learned
    /// attacks; layout in docs/export.md) into a new directory.
    Export {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Number of trials, at least 1 (default: the scenario's `trials`).
        #[arg(long, value_parser = at_least_one::<u64>)]
        trials: Option<u64>,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads, at least 1 (default: all cores). The bytes written do not depend on
        /// it.
        #[arg(long, value_parser = at_least_one::<usize>)]
        jobs: Option<usize>,
        /// Output directory; must not exist yet.
        #[arg(long)]
        out: PathBuf,
        /// No progress bar and no closing line.
        #[arg(long)]
        quiet: bool,
        /// Simulate only this long after the warm-up (e.g. 10s), whatever the attacks' largest
        /// sample size (default: the scenario's duration).
        #[arg(long, value_name = "DURATION")]
        window: Option<mixsim::units::Duration>,
    },
    /// Run a sweep file: a grid of scenario variants (resumable; shardable for a cluster).
    Sweep(SweepArgs),
    /// Join the output directories of a sweep's shards into the output of a whole run.
    Merge(MergeArgs),
}

/// The executors `--engine` can force.
#[derive(Clone, Copy, clap::ValueEnum)]
enum EngineArg {
    Event,
    #[value(alias = "columnar")]
    Stream,
}

/// A failure with its exit code: 2 for bad input, 1 for anything else.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn input(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    fn io(what: &Path, e: std::io::Error) -> Self {
        Failure {
            code: 1,
            message: format!("{}: {e}", what.display()),
        }
    }
}

/// A count that must be at least 1 (`--jobs`, `--trials`, `--flows`): 0 is refused by every
/// subcommand alike.
fn at_least_one<T: std::str::FromStr + PartialOrd + From<u8>>(s: &str) -> Result<T, ArgError> {
    match s.parse::<T>() {
        Ok(n) if n >= T::from(1) => Ok(n),
        Ok(_) => Err(ArgError::Zero),
        Err(_) => Err(ArgError::NotACount(s.to_string())),
    }
}

/// `--coer-target`: an error rate strictly between 0 and 1 (0 and 1 have no jitter that gives
/// them; NaN is no rate).
fn open_probability(s: &str) -> Result<f64, ArgError> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(ArgError::Probability(s.to_string())),
    }
}

/// `--progress-every`: seconds from 0 (a line at every update) to a day.
fn progress_interval(s: &str) -> Result<std::time::Duration, ArgError> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=86_400.0).contains(&x) => Ok(std::time::Duration::from_secs_f64(x)),
        _ => Err(ArgError::Seconds(s.to_string())),
    }
}

/// A command-line value clap's own types do not check (clap prints it after the option).
#[derive(Debug, thiserror::Error)]
enum ArgError {
    #[error("expected at least 1")]
    Zero,
    #[error("expected a whole number of at least 1, got \"{0}\"")]
    NotACount(String),
    #[error("expected seconds from 0 to 86400, got \"{0}\"")]
    Seconds(String),
    #[error("expected a rate strictly between 0 and 1, like 1e-7, got \"{0}\"")]
    Probability(String),
}

/// Create the output directory and check that a file can be written there, before any
/// simulation: a bad --out must not cost a whole run.
fn prepare_out(out: &Path) -> Result<(), Failure> {
    let bad = |e: std::io::Error| Failure::input(format!("--out {}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(bad)?;
    let probe = out.join(format!(".probe.{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(bad)?;
    std::fs::remove_file(&probe).map_err(bad)
}

/// `--trials K` is held to the same bound on a run's events as a scenario's `trials`.
fn check_trials(scenario: &Scenario, trials: Option<u64>) -> Result<(), Failure> {
    match trials {
        Some(k) => mixsim::scenario::bounds::check_trials(scenario, k)
            .map_err(|e| Failure::input(format!("--trials {k}: {e}"))),
        None => Ok(()),
    }
}

/// The threads `--jobs` starts: every core by default, capped at the machine's parallelism
/// with a warning on stderr (the same in every subcommand).
fn jobs_used(asked: Option<usize>) -> usize {
    let jobs = experiment::jobs::Jobs::resolve(asked);
    if let Some(w) = jobs.warning() {
        eprintln!("warning: {w}");
    }
    jobs.used
}

/// Load the scenario of `mixsim <command>`; a sweep file is told which command runs it.
fn load(args: &ScenarioArgs, command: &str) -> Result<Scenario, Failure> {
    Scenario::load(&args.scenario, &args.set).map_err(|e| {
        match kind::FileKind::of(&args.scenario) {
            Some(k @ kind::FileKind::Sweep { .. }) => {
                Failure::input(k.misplaced(&args.scenario, command))
            }
            _ => Failure::input(e.to_string()),
        }
    })
}

fn main() -> ExitCode {
    // A closed pipe (`mixsim model --json | head -1`) ends the process quietly, as for any
    // Unix filter, instead of a panic in println!.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            trials,
            seed,
            jobs,
            out,
            quiet,
            engine,
        } => cmd_run(&scenario, trials, seed, jobs, out, quiet, engine),
        Command::Model {
            scenario,
            semi_reps,
            json,
            coer_target,
        } => cmd_model(&scenario, semi_reps, json, coer_target),
        Command::Check { scenario } => cmd_check(&scenario),
        Command::Export {
            scenario,
            trials,
            seed,
            jobs,
            out,
            quiet,
            window,
        } => cmd_export(&scenario, trials, seed, jobs, out, quiet, window),
        Command::Trace {
            scenario,
            tap,
            point,
            trial,
            seed,
            out,
        } => cmd_trace(&scenario, &tap, &point, trial, seed, out),
        Command::Sweep(args) => cmd_sweep(&args),
        Command::Merge(args) => cmd_merge(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn cmd_run(
    args: &ScenarioArgs,
    trials: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    quiet: bool,
    engine: Option<EngineArg>,
) -> Result<(), Failure> {
    let scenario = load(args, "run")?;
    check_trials(&scenario, trials)?;
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    let executor = match engine {
        None => Executor::Auto,
        Some(EngineArg::Event) => Executor::Event,
        Some(EngineArg::Stream) => {
            experiment::runner::feed_forward_plan(&scenario).map_err(|why| {
                Failure::input(format!(
                    "{}: --engine stream: the columnar (feed-forward) executor cannot run this scenario: {why}; use --engine event (or no --engine)",
                    args.scenario.display()
                ))
            })?;
            Executor::Stream
        }
    };
    let opts = RunOptions {
        seed: seed.unwrap_or(scenario.seed),
        trials: trials.unwrap_or(scenario.trials),
        jobs: jobs_used(jobs),
        progress: progress::sink(if quiet {
            progress::Show::Quiet
        } else {
            progress::Show::BarOrLines {
                every: std::time::Duration::from_secs(10),
            }
        }),
        executor,
    };
    let out = out.unwrap_or_else(|| PathBuf::from("runs").join(&scenario.name));
    prepare_out(&out)?;
    let started = std::time::Instant::now();
    let result = experiment::run(&scenario, &opts);
    let wall = started.elapsed().as_secs_f64();
    let summary = Summary::with_model_on(&scenario, &result, opts.jobs);
    let written = write_outputs(&out, &summary)?;
    let log = serde_json::json!({
        "mixsim_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": args.scenario.display().to_string(),
        "overrides": args.set,
        "jobs": opts.jobs,
        "wall_seconds": wall,
        "events": result.tally.events,
        "events_per_second": result.tally.events as f64 / wall,
        "packets_per_second": result.tally.counters.created as f64 / wall,
    });
    mixsim::files::write_atomic(&out.join("run-log.json"), format!("{log:#}\n").as_bytes())
        .map_err(|e| Failure::io(&out, e))?;
    if !quiet {
        print!("{}", summary.table());
        if let Some(key) = summary.column_key() {
            print!("\n{key}");
        }
        println!(
            "\nwrote {}/{} ({wall:.2} s wall, {} jobs)",
            out.display(),
            written.join(", "),
            opts.jobs
        );
    }
    Ok(())
}

/// The run's files (see [`report::run_files`]).
fn write_outputs(out: &Path, summary: &Summary) -> Result<Vec<&'static str>, Failure> {
    report::run_files::write(out, summary).map_err(|(path, e)| Failure::io(&path, e))
}

fn cmd_model(
    args: &ScenarioArgs,
    semi_reps: usize,
    json: bool,
    coer_target: f64,
) -> Result<(), Failure> {
    let scenario = load(args, "model")?;
    if scenario.correlation().is_none() {
        if let Some(out) = watermark_model(&scenario, json, coer_target) {
            print!("{out}");
            return Ok(());
        }
    }
    let opts = mixsim::experiment::semi::ModelOptions {
        semi_reps,
        seed: scenario.seed,
    };
    let m = mixsim::experiment::predict::correlation_model(&scenario, &opts).map_err(|why| {
        Failure::input(format!(
            "{}: the correlation model is not applicable, because {why}",
            args.scenario.display()
        ))
    })?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&m).expect("model serialises")
        );
        return Ok(());
    }
    println!("{}: seed-000 model of the plug-in MI attack", scenario.name);
    println!("link stage                        I_1 (nats)        C_1");
    for (name, i1, c1) in [
        ("published (eqs 14-15)", m.information.i1, m.information.c1),
        (
            "flow-conserving batch",
            m.information.i1_conserving,
            m.information.c1_conserving,
        ),
        (
            "exact, time-resolved",
            m.information.i1_exact,
            m.information.c1_exact,
        ),
    ] {
        println!("{name:<30} {i1:>12.6} {c1:>10.6}");
    }
    println!(
        "\n{:>7} {:>9} {:>11} {:>11} {:>11} {:>9} {:>9} {:>9} {:>9}",
        "N",
        "theorem1",
        "as printed",
        "thm1 cons.",
        "thm1 exact",
        "improved",
        "refined",
        "ref. ties",
        "semi"
    );
    for p in &m.predictions {
        println!(
            "{:>7} {:>9.4} {:>11.4} {:>11.4} {:>11.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
            p.sample_size,
            p.theorem1,
            p.theorem1_as_printed,
            p.theorem1_conserving,
            p.theorem1_exact,
            p.improved,
            p.improved_refined,
            p.refined_ties,
            p.semi_analytic
        );
    }
    println!("\ntheorem1 uses the paper's link stage; improved, refined and semi-analytic the exact one;");
    println!("ref. ties is the refined model with a tie for the top counted as a failure.");
    print_path_models(&scenario, &opts);
    Ok(())
}

/// `mixsim model`'s path section: for each hop-by-hop table with the `mi` scorer, the path
/// model's rate (refined, ties) at each hop given the earlier hops right, and through each hop.
fn print_path_models(
    s: &mixsim::scenario::Scenario,
    opts: &mixsim::experiment::semi::ModelOptions,
) {
    use mixsim::experiment::predict::{hop_models, path_point_model};
    for a in &s.attacks {
        let Some(h) = a.kind.get::<mixsim::scenario::adversary::HopByHopAttack>() else {
            continue;
        };
        if !h.scorers.iter().any(|x| x == "mi") {
            continue;
        }
        let hops = hop_models(s, h, opts);
        println!(
            "\npath model of table \"{}\" (scorer mi, refined with ties): per hop given the earlier hops right, and through each hop",
            a.name
        );
        for (k, hop) in hops.iter().enumerate() {
            let mix = &s.nodes[h.route_mixes[k]].name;
            if let Err(why) = &hop.path {
                println!("hop {} ({mix}): not applicable, because {why}", k + 1);
                continue;
            }
            for &n in &h.sample_sizes {
                if let Some(p) = path_point_model(&hops, k + 1, n) {
                    let this = p.per_hop.last().map_or(f64::NAN, |x| x.refined_ties);
                    println!(
                        "hop {} ({mix}) N {n:>6}: this hop {this:.4}, through hop {} {:.4}",
                        k + 1,
                        k + 1,
                        p.product.refined_ties
                    );
                }
            }
        }
    }
}

/// `mixsim model` on a scenario with watermark attacks: SWIRL's analysis of each, and the
/// paper's analysis-only figures (5-7) at the first one's rate and jitter. `None` when the
/// scenario has no watermark attack.
fn watermark_model(s: &mixsim::scenario::Scenario, json: bool, coer_target: f64) -> Option<String> {
    use mixsim::experiment::predictions::WatermarkModel;
    use mixsim::model::swirl::figures;
    let attacks: Vec<(&str, WatermarkModel)> = s
        .attacks
        .iter()
        .filter_map(|a| {
            let w = a
                .kind
                .get::<mixsim::scenario::watermark::WatermarkAttack>()?;
            Some((
                a.name.as_str(),
                mixsim::experiment::predict::watermark_model(s, w),
            ))
        })
        .collect();
    let first = attacks.first()?;
    let swirl = s.watermarks.iter().find_map(|w| match &w.config {
        mixsim::watermark::WatermarkConfig::Swirl(p) => Some(p.model()),
        _ => None,
    });
    let figs = match (swirl, first.1.applicable()) {
        (Some(p), Some(a)) if a.delay_law == "gaussian" => {
            Some(figures(&p, a.rates.lambda, a.rates.sigma, coer_target))
        }
        _ => None,
    };
    if json {
        let v = serde_json::json!({
            "attacks": attacks.iter().map(|(n, m)| serde_json::json!({"attack": n, "model": m})).collect::<Vec<_>>(),
            "figures": figs,
        });
        return Some(serde_json::to_string_pretty(&v).expect("serialises") + "\n");
    }
    let mut o = String::new();
    swirl_rates(&mut o, &s.name, &attacks);
    if let Some(a) = &figs {
        swirl_figures(&mut o, a);
    }
    Some(o)
}

/// The SWIRL analysis of each watermark attack, one row each.
fn swirl_rates(
    o: &mut String,
    scenario: &str,
    attacks: &[(&str, mixsim::experiment::predictions::WatermarkModel)],
) {
    use mixsim::experiment::predictions::Applicable;
    use std::fmt::Write;
    let _ = writeln!(
        o,
        "{}: SWIRL analysis (paper section 4, eqs. 6-18, with mixsim's corrections)",
        scenario
    );
    let _ = writeln!(
        o,
        "{:<16} {:>6} {:>8} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "attack",
        "rate",
        "sigma ms",
        "FP",
        "FP exact",
        "FN",
        "FN miss",
        "unmarked",
        "marked",
        "w/ miss"
    );
    for (name, m) in attacks {
        let m = match m {
            Applicable::Yes(m) => m,
            Applicable::No { reason } => {
                let _ = writeln!(o, "{name:<16} not applicable: {reason}");
                continue;
            }
        };
        let r = &m.rates;
        let _ = writeln!(
            o,
            "{name:<16} {:>6} {:>8.3} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>9.3} {:>9.2} {:>9.2}",
            r.lambda,
            r.sigma * 1e3,
            r.fp,
            r.fp_exact,
            r.fn_,
            r.fn_miss,
            m.mean_hits_unmarked_exact,
            m.mean_hits_marked,
            m.mean_hits_marked_miss,
        );
        if let Some(b) = m.search {
            let _ = writeln!(
                o,
                "{:<16} search over {} grids: FP between {:.3e} (one grid) and {:.3e} (union bound)",
                "", b.search_grids, b.search_fp_single, b.search_fp_union
            );
        }
    }
    let _ = writeln!(o, "(unmarked, marked, w/ miss: mean detected intervals of n; FN miss and w/ miss include the embedding's misses)");
}

/// The paper's analysis-only figures 5-7, as text.
fn swirl_figures(o: &mut String, a: &mixsim::model::swirl::Figures) {
    use std::fmt::Write;
    let _ = writeln!(
        o,
        "\nFigures 5-7 at {} pkt/s, sigma {:.3} ms",
        a.rate, a.sigma_ms
    );
    let _ = writeln!(
        o,
        "  COER {:.0e}: sigma {:.3} ms (interpolated crossing) / {:.3} ms (attained min-max)",
        a.coer_target, a.sigma_for_target_interpolated_ms, a.sigma_for_target_attained_ms
    );
    let _ = writeln!(
        o,
        "  at eta {}: COER {:.3e} (interpolated) / {:.3e} (attained, tau in ({:.3}, {:.3}]: FP {:.3e}, FN {:.3e})",
        a.coer.eta, a.coer.coer_interp, a.coer.coer, a.coer.tau_low, a.coer.tau, a.coer.fp, a.coer.fn_
    );
    let _ = writeln!(o, "  Fig 5(a), eta {}: tau  FP  FN", a.tau_curve_eta);
    for p in a.tau_curve.iter().step_by(5) {
        let _ = writeln!(o, "    {:.2} {:.3e} {:.3e}", p.x, p.fp, p.fn_);
    }
    let _ = writeln!(o, "  Fig 5(b), tau {}: eta  FP  FN", a.eta_curve_tau);
    for p in a.eta_curve.iter().step_by(4) {
        let _ = writeln!(o, "    {:>2} {:.3e} {:.3e}", p.x, p.fp, p.fn_);
    }
    let _ = writeln!(o, "  Fig 6: eta  COER (attained)  COER (interpolated)");
    for c in &a.coer_over_eta {
        let _ = writeln!(o, "    {:>2} {:.3e} {:.3e}", c.eta, c.coer, c.coer_interp);
    }
    let _ = writeln!(
        o,
        "  best eta: {} (attained COER {:.3e}), {} (interpolated COER {:.3e})",
        a.best_eta.eta,
        a.best_eta.coer,
        a.best_eta_interpolated.eta,
        a.best_eta_interpolated.coer_interp
    );
    let _ = writeln!(
        o,
        "  Fig 7 (T doubled below {} pkt/s): rate  T  best eta  tau  COER",
        a.double_t_below
    );
    for p in &a.coer_over_rate {
        let _ = writeln!(
            o,
            "    {:>4} {:>3} {:>3} {:.3} {:.3e}",
            p.rate, p.interval_s, p.best.eta, p.best.tau, p.best.coer
        );
    }
}

fn cmd_check(args: &ScenarioArgs) -> Result<(), Failure> {
    let s = match Scenario::load(&args.scenario, &args.set) {
        Ok(s) => s,
        Err(e) => return check_other(args, e),
    };
    println!("{}: valid", args.scenario.display());
    for w in &s.warnings {
        println!("  warning: {w}");
    }
    println!(
        "  scenario {:?}: {} nodes, {} links, {} flows; {} trials, seed {}",
        s.name,
        s.nodes.len(),
        s.links.len(),
        s.flows.len(),
        s.trials,
        s.seed
    );
    let cover = |k| s.flows.iter().filter(|f| f.cover == Some(k)).count();
    let (drop, looped) = (cover(CoverKind::Drop), cover(CoverKind::Loop));
    if drop + looped > 0 {
        println!("  of the flows, {drop} drop and {looped} loop cover streams");
    }
    println!(
        "  duration {:.3} s (warm-up {:.3} s)",
        mixsim::engine::time::to_secs_f64(s.duration),
        mixsim::engine::time::to_secs_f64(s.warmup)
    );
    print_link_loads(&s);
    let work = mixsim::scenario::bounds::trial_events(&s);
    println!(
        "  estimated work: {:.3e} events per trial (limit {:.0e}), {:.3e} for {} trials (limit {:.0e}); most from {}",
        work.events,
        mixsim::scenario::bounds::MAX_TRIAL_EVENTS,
        work.events * s.trials as f64,
        s.trials,
        mixsim::scenario::bounds::MAX_RUN_EVENTS,
        work.largest
    );
    match experiment::runner::feed_forward_plan(&s) {
        Ok(()) => println!(
            "  executor: stream (columnar; open loop, routes without cycles; a trial with simultaneous events its packets' recent history does not order reruns on the event engine)"
        ),
        Err(why) => println!("  executor: event engine ({why})"),
    }
    print_attacks(&s);
    Ok(())
}

/// `check`'s open-loop load of every link.
fn print_link_loads(s: &Scenario) {
    // Flows per link in one pass (a generated network has tens of thousands of each).
    // A flow with per-message routes offers each link the share of its messages crossing it.
    let mut crossing: Vec<Vec<(usize, f64)>> = vec![Vec::new(); s.links.len()];
    for (f, flow) in s.flows.iter().enumerate() {
        for (l, share) in flow.link_shares() {
            crossing[l].push((f, share));
        }
    }
    for (i, l) in s.links.iter().enumerate() {
        // Open-loop flows only: TCP adapts its rate to the path. (`+ 0.0` turns the -0.0 of an
        // empty f64 sum into 0.)
        let bits: f64 = crossing[i]
            .iter()
            .map(|&(f, share)| {
                share * s.flows[f].traffic.mean_rate() * s.flows[f].size as f64 * 8.0
            })
            .sum::<f64>()
            + 0.0;
        println!(
            "  link {:<14} open-loop load {:.3} of {:.3} Mbit/s ({:.1}%)",
            l.name,
            bits / 1e6,
            l.bandwidth_bps / 1e6,
            100.0 * bits / l.bandwidth_bps
        );
    }
}

/// `check`'s line per attack table: what it watches and scores.
fn print_attacks(s: &Scenario) {
    for c in &s.attacks {
        if let Some(l) = c.kind.get::<mixsim::scenario::LikelihoodAttack>() {
            println!(
                "  attack {:?} (likelihood) on flow {:?}: observed on {} (arrive), candidates {} (depart), T = {:.3} ms, N = {:?}, assumed t_avg {:.3} ms, variants {:?}",
                c.name,
                s.flows[l.target].name,
                s.links[l.observe_link].name,
                l.candidates.iter().map(|&c| s.links[c].name.as_str()).collect::<Vec<_>>().join(", "),
                l.interval as f64 * 1e-6,
                l.sample_sizes,
                l.t_avg as f64 * 1e-6,
                l.variants
            );
            continue;
        }
        let Some(a) = c.kind.get::<mixsim::scenario::CorrelationAttack>() else {
            println!("  attack {:?}: kind {}", c.name, c.kind.kind_name());
            continue;
        };
        let names: Vec<&str> = a
            .candidates
            .iter()
            .map(|&c| s.links[c].name.as_str())
            .collect();
        println!(
            "  attack {:?} on flow {:?}: observed on {} (arrive), candidates {} (depart), T = {:.3} ms, N = {:?}, estimators {:?}",
            c.name,
            s.flows[a.target].name,
            s.links[a.observe_link].name,
            names.join(", "),
            a.interval as f64 * 1e-6,
            a.sample_sizes,
            a.estimators
        );
    }
}

/// `check` on a file that is not a scenario: validate a sweep file (and say that `mixsim
/// sweep` takes it), else report the scenario error `e`.
fn check_other(args: &ScenarioArgs, e: mixsim::scenario::ScenarioError) -> Result<(), Failure> {
    let path = &args.scenario;
    let Some(kind::FileKind::Sweep { .. }) = kind::FileKind::of(path) else {
        return Err(Failure::input(e.to_string()));
    };
    if !args.set.is_empty() {
        return Err(Failure::input(format!(
            "{}: a sweep file takes no --set: put overrides in its `set` list",
            path.display()
        )));
    }
    let plan = experiment::campaign::sweep::load(path, None, None)
        .map_err(|e| Failure::input(e.to_string()))?;
    println!(
        "{}: valid sweep file ({} points, {} trials each): run it with `mixsim sweep {}`",
        path.display(),
        plan.spec.points.len(),
        plan.spec.trials,
        path.display()
    );
    Ok(())
}

fn cmd_trace(
    args: &ScenarioArgs,
    tap: &str,
    point: &str,
    trial: u64,
    seed: Option<u64>,
    out: Option<PathBuf>,
) -> Result<(), Failure> {
    let scenario = load(args, "trace")?;
    let link = scenario.link_index(tap).ok_or_else(|| {
        let names: Vec<&str> = scenario.links.iter().map(|l| l.name.as_str()).collect();
        Failure::input(format!(
            "--tap {tap}: no such link; links are: {}",
            names.join(", ")
        ))
    })?;
    let point = TapPoint::parse(point).ok_or_else(|| {
        Failure::input(format!(
            "--point {point}: expected enqueue, depart or arrive"
        ))
    })?;
    if let Some(path) = &out {
        if path.is_dir() {
            return Err(Failure::input(format!(
                "--out {}: is a directory: expected a file",
                path.display()
            )));
        }
        match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => prepare_out(dir)?,
            None => prepare_out(Path::new("."))?,
        }
    }
    // Only the asked point is watched: a large network's other taps hold nothing.
    let mut setup = experiment::runner::tap_setup(&scenario, true);
    setup.points = vec![[false; 3]; scenario.links.len()];
    setup.points[link][point as usize] = true;
    let (net, _) = mixsim::net::Network::run(
        &scenario.topology(),
        seed.unwrap_or(scenario.seed),
        trial,
        setup,
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["time_s", "size_bytes"])
        .expect("in-memory csv");
    for r in net.links[link].tap.view().trace(point) {
        w.write_record([
            format!("{:.9}", mixsim::engine::time::to_secs_f64(r.time)),
            r.size.to_string(),
        ])
        .expect("in-memory csv");
    }
    let bytes = w.into_inner().expect("in-memory csv");
    match out {
        Some(path) => mixsim::files::write_atomic(&path, &bytes).map_err(|e| Failure::io(&path, e)),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| Failure::io(Path::new("stdout"), e))
        }
    }
}

/// The signal that stopped an export.
static EXPORT_SIGNAL: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Ctrl-C and SIGTERM ask a running export to stop (it then removes its hidden partial
/// directory and ends with status 128 + the signal); a second one ends the process at once.
fn on_interrupt_stop_export() {
    extern "C" fn stop(signal: libc::c_int) {
        EXPORT_SIGNAL.store(signal, std::sync::atomic::Ordering::SeqCst);
        mixsim::experiment::campaign::partial::request_stop();
        // SAFETY: signal() is async-signal-safe; the next such signal takes the default action.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
        }
    }
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `stop` only stores to an atomic and resets the disposition, both
        // async-signal-safe.
        unsafe {
            libc::signal(signal, stop as *const () as libc::sighandler_t);
        }
    }
}

/// `mixsim export`: labelled entry/exit traces into a new directory, written whole or not at all.
fn cmd_export(
    args: &ScenarioArgs,
    trials: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
    out: PathBuf,
    quiet: bool,
    window: Option<mixsim::units::Duration>,
) -> Result<(), Failure> {
    use mixsim::experiment::export::{export, ExportError, ExportOptions};
    let scenario = load(args, "export")?;
    check_trials(&scenario, trials)?;
    let opts = ExportOptions {
        seed: seed.unwrap_or(scenario.seed),
        trials: trials.unwrap_or(scenario.trials),
        jobs: jobs_used(jobs),
        out,
        progress: progress::sink(if quiet {
            progress::Show::Quiet
        } else {
            progress::Show::Bar
        }),
        window: window.map(|w| w.nanos()),
    };
    on_interrupt_stop_export();
    let summary = export(&scenario, &opts).map_err(|e| match e {
        ExportError::Io(..) => Failure {
            code: 1,
            message: e.to_string(),
        },
        // 128 + the signal, as a shell reports a process the signal ended.
        ExportError::Interrupted(..) => Failure {
            code: 128 + EXPORT_SIGNAL.load(std::sync::atomic::Ordering::SeqCst) as u8,
            message: e.to_string(),
        },
        _ => Failure::input(e.to_string()),
    })?;
    if !quiet {
        eprintln!(
            "exported {} trials x {} flows ({} entry, {} exit packets) to {}",
            summary.trials,
            summary.flows,
            summary.entry_packets,
            summary.exit_packets,
            opts.out.display()
        );
    }
    Ok(())
}

#[derive(clap::Args)]
struct SweepArgs {
    /// Sweep file (TOML): base scenario, values to vary, trials and seed.
    sweep: PathBuf,
    /// Trials per point, at least 1 (default: the sweep file's `trials`).
    #[arg(long, value_parser = at_least_one::<u64>)]
    trials: Option<u64>,
    /// Sweep seed (default: the sweep file's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Run only the k-th of n deterministic shares of the work (1 <= k <= n), for a job array;
    /// join the shards' directories with `mixsim merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Worker threads, at least 1 (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = at_least_one::<usize>)]
    jobs: Option<usize>,
    /// Output directory (default: runs/<sweep name>, or runs/<sweep name>-shard-K-of-N).
    /// Rerunning into the same directory resumes.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds between progress lines when stderr is not a terminal (0 to 86400).
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = progress_interval)]
    progress_every: std::time::Duration,
    /// No progress lines and no closing summary.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// Output directories of every shard of one sweep.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged output.
    #[arg(long)]
    out: PathBuf,
    /// Print nothing on success.
    #[arg(long)]
    quiet: bool,
}

fn sweep_failure(e: experiment::campaign::record::SweepError) -> Failure {
    match e {
        experiment::campaign::record::SweepError::Input(m) => Failure::input(m),
        e @ (experiment::campaign::record::SweepError::Record { .. }
        | experiment::campaign::record::SweepError::Interrupted(..)) => {
            Failure::input(e.to_string())
        }
        e @ experiment::campaign::record::SweepError::Io { .. } => Failure {
            code: 1,
            message: e.to_string(),
        },
    }
}

fn cmd_sweep(args: &SweepArgs) -> Result<(), Failure> {
    use experiment::campaign::execute::{run_sweep, SweepOptions};
    use experiment::campaign::shard::Shard;
    let shard: Shard = match &args.shard {
        Some(s) => s
            .parse()
            .map_err(|m| Failure::input(format!("--shard: {m}")))?,
        None => Shard::WHOLE,
    };
    let plan =
        experiment::campaign::sweep::load(&args.sweep, args.trials, args.seed).map_err(|e| {
            match kind::FileKind::of(&args.sweep) {
                Some(k @ kind::FileKind::Scenario { .. }) => {
                    Failure::input(k.misplaced(&args.sweep, "sweep"))
                }
                _ => Failure::input(e.to_string()),
            }
        })?;
    let out = args.out.clone().unwrap_or_else(|| {
        let name = &plan.spec.name;
        if shard.is_whole() {
            PathBuf::from("runs").join(name)
        } else {
            PathBuf::from("runs").join(format!("{name}-shard-{}-of-{}", shard.k, shard.n))
        }
    });
    let opts = SweepOptions {
        shard,
        jobs: jobs_used(args.jobs),
        out: out.clone(),
        progress: progress::sink(if args.quiet {
            progress::Show::Quiet
        } else {
            progress::Show::BarOrLines {
                every: args.progress_every,
            }
        }),
        extra: None,
        stop: None,
    };
    #[cfg(unix)]
    interrupt::explain_resume(&out);
    let started = std::time::Instant::now();
    let outcome = run_sweep(&plan, &opts).map_err(sweep_failure)?;
    let plots = match &outcome.summaries {
        Some(summaries) => {
            report::sweep_report::write(&out, &plan.spec, summaries).map_err(sweep_failure)?
        }
        None => 0,
    };
    let wall = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "{}: {} points, {} of {} chunks run now ({} already recorded), {} trials, {:.3e} packets in {wall:.1} s with {} jobs ({:.3e} packets/s)",
            plan.spec.name,
            plan.spec.points.len(),
            outcome.units - outcome.resumed,
            outcome.units,
            outcome.resumed,
            outcome.trials_run,
            outcome.packets as f64,
            opts.jobs,
            outcome.packets as f64 / wall.max(1e-9),
        );
        if outcome.summaries.is_some() {
            println!("wrote {}/{}", out.display(), written(plots));
        } else {
            println!(
                "shard {shard} done in {}: join every shard with `mixsim merge DIR... --out DIR`",
                out.display()
            );
        }
    }
    Ok(())
}

/// What a sweep's report holds, for the closing line: plots/ only when it has plots.
fn written(plots: usize) -> String {
    match plots {
        0 => "sweep.csv, sweep.md, points/ (no plots: no point has a rate to plot)".to_string(),
        1 => "sweep.csv, sweep.md, points/, plots/ (1 plot)".to_string(),
        n => format!("sweep.csv, sweep.md, points/, plots/ ({n} plots)"),
    }
}

fn cmd_merge(args: &MergeArgs) -> Result<(), Failure> {
    let (plan, summaries) =
        experiment::campaign::merge::merge(&args.dirs, &args.out).map_err(sweep_failure)?;
    let plots =
        report::sweep_report::write(&args.out, &plan.spec, &summaries).map_err(sweep_failure)?;
    if !args.quiet {
        println!(
            "merged {} shard directories ({} points) into {}: {}",
            args.dirs.len(),
            summaries.len(),
            args.out.display(),
            written(plots)
        );
    }
    Ok(())
}

// The progress display lives beside main.rs, in src/main/, as part of the binary.
#[path = "main/progress.rs"]
mod progress;

/// Scenario files and sweep files, told apart by their top-level keys, so that a file given to
/// the wrong command is told which command runs it.
mod kind {
    use std::path::Path;

    /// What a TOML file holds; `line` is where its kind shows (a sweep's `base`, a scenario's
    /// first node, link or flow).
    #[derive(Debug, Clone, PartialEq)]
    pub enum FileKind {
        /// A scenario (`[[node]]`, `[[link]]`, `[[flow]]`...): `run`, `model`, `check`,
        /// `trace` and `export` take it.
        Scenario { line: usize },
        /// A sweep file (`base` and `[vary]`): `sweep` and `check` take it.
        Sweep { line: usize, base: Option<String> },
    }

    /// Top-level keys only a scenario has.
    const SCENARIO_KEYS: &[&str] = &["node", "link", "flow", "attack", "watermark", "cover"];
    /// Top-level keys only a sweep file has.
    const SWEEP_KEYS: &[&str] = &["base", "vary", "mode", "set", "chunk"];

    impl FileKind {
        /// The kind of the TOML file at `path`; `None` when it does not read or parse, or its
        /// keys belong to both kinds or neither (the command's own error then says more).
        pub fn of(path: &Path) -> Option<FileKind> {
            let text = std::fs::read_to_string(path).ok()?;
            let tree = toml::de::DeTable::parse(&text).ok()?;
            let line_of = |keys: &[&str]| {
                tree.get_ref()
                    .iter()
                    .filter(|(k, _)| keys.contains(&k.get_ref().as_ref()))
                    .map(|(k, _)| k.span().start)
                    .min()
                    .map(|at| 1 + text[..at].matches('\n').count())
            };
            match (line_of(SWEEP_KEYS), line_of(SCENARIO_KEYS)) {
                (Some(line), None) => Some(FileKind::Sweep {
                    line,
                    base: tree
                        .get_ref()
                        .get("base")
                        .and_then(|b| b.get_ref().as_str())
                        .map(|b| {
                            let dir = path.parent().unwrap_or(Path::new(""));
                            dir.join(b).display().to_string()
                        }),
                }),
                (None, Some(line)) => Some(FileKind::Scenario { line }),
                _ => None,
            }
        }

        /// The message for `mixsim <command>` given a file of this kind that it does not take:
        /// what the file is and the command that runs it.
        pub fn misplaced(&self, path: &Path, command: &str) -> String {
            let p = path.display();
            match self {
                FileKind::Sweep { line, base } => {
                    let mut m = format!(
                        "{p}:{line}: this is a sweep file (a base scenario and the values to vary), not a scenario: run it with `mixsim sweep {p}`"
                    );
                    if let Some(base) = base {
                        m += &format!(
                            "; `mixsim {command}` takes a scenario, such as this sweep's base, {base}"
                        );
                    }
                    m
                }
                FileKind::Scenario { line } => format!(
                    "{p}:{line}: this is a scenario, not a sweep file: run it with `mixsim run {p}`; a sweep file names a scenario as `base` and lists the values to vary under `[vary]`"
                ),
            }
        }
    }
}

/// A sweep stopped by Ctrl-C (or a batch system's SIGTERM) keeps every finished chunk; the
/// handler says so and gives the exact command that resumes, then ends as the signal would
/// have (status 128 + signal).
#[cfg(unix)]
mod interrupt {
    use std::path::Path;
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    static MESSAGE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    static LEN: AtomicUsize = AtomicUsize::new(0);

    /// Install the handler for SIGINT and SIGTERM, with this process's command line as the
    /// command that resumes into `out`.
    pub fn explain_resume(out: &Path) {
        let command: Vec<String> = std::env::args().map(|a| shell_quote(&a)).collect();
        let message = format!(
            "\ninterrupted: the chunks finished so far are kept in {}; run the same command again to resume:\n  {}\n",
            out.display(),
            command.join(" ")
        );
        let bytes: &'static mut [u8] = Box::leak(message.into_bytes().into_boxed_slice());
        LEN.store(bytes.len(), Ordering::SeqCst);
        MESSAGE.store(bytes.as_mut_ptr(), Ordering::SeqCst);
        let handler = on_signal as extern "C" fn(libc::c_int);
        // SAFETY: the handler only calls write(2) and _exit(2), both async-signal-safe, on a
        // buffer that is never freed.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
    }

    extern "C" fn on_signal(signal: libc::c_int) {
        let (text, len) = (MESSAGE.load(Ordering::SeqCst), LEN.load(Ordering::SeqCst));
        // SAFETY: `text` is null or the leaked buffer of `len` bytes; both calls are
        // async-signal-safe.
        unsafe {
            if !text.is_null() {
                libc::write(2, text as *const libc::c_void, len);
            }
            libc::_exit(128 + signal);
        }
    }

    /// `arg` as one word of a POSIX shell command.
    fn shell_quote(arg: &str) -> String {
        let plain = |c: char| c.is_ascii_alphanumeric() || "_./=:,+-@%".contains(c);
        if !arg.is_empty() && arg.chars().all(plain) {
            arg.to_string()
        } else {
            format!("'{}'", arg.replace('\'', "'\\''"))
        }
    }
}
