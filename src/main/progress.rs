//! The command line's progress display, from the library's progress events: an indicatif bar on
//! a terminal; elsewhere (a log file, a pipe) a plain line on stderr every so often and at each
//! finished sweep point, so that a batch job's log shows it is alive.

use mixsim::experiment::{Progress, ProgressSink};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy)]
pub enum Show {
    /// Nothing.
    Quiet,
    /// A bar on a terminal, nothing elsewhere.
    Bar,
    /// A bar on a terminal, plain lines at most every `every` elsewhere.
    BarOrLines { every: Duration },
}

/// The sink a command hands to the library.
pub fn sink(show: Show) -> ProgressSink {
    let terminal = std::io::stderr().is_terminal();
    let every = match show {
        Show::Quiet => return ProgressSink::none(),
        Show::Bar if !terminal => return ProgressSink::none(),
        Show::Bar => None,
        Show::BarOrLines { every } => (!terminal).then_some(every),
    };
    let display = Arc::new(Display {
        every,
        bar: Mutex::new(None),
        started: Instant::now(),
        last_line: Mutex::new(Instant::now()),
        done: AtomicU64::new(0),
        state: Mutex::new(State::default()),
    });
    ProgressSink::new(move |p| display.show(p))
}

struct Display {
    /// Plain lines at most this often (None: a bar).
    every: Option<Duration>,
    bar: Mutex<Option<indicatif::ProgressBar>>,
    started: Instant,
    last_line: Mutex<Instant>,
    done: AtomicU64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    total: u64,
    /// A sweep's name; None for a run or an export.
    sweep: Option<String>,
    current: Option<(usize, String)>,
    points_done: usize,
    points: usize,
    work_done: f64,
}

impl State {
    /// "3/7 done, current point 4: mix.t_avg=50ms".
    fn points(&self) -> String {
        let current = self
            .current
            .as_ref()
            .map(|(p, label)| format!(", current point {p}: {}", short_label(label, LABEL_BUDGET)))
            .unwrap_or_default();
        format!("{}/{} done{current}", self.points_done, self.points)
    }
}

/// Characters a point's label takes at most in a progress line.
const LABEL_BUDGET: usize = 100;

/// A point's label (`path=value, path=value, ...`, one item per swept key) short enough for a
/// progress line: each path cut to its last two parts (`node.mix.t_avg` -> `mix.t_avg`), and
/// when that is still longer than `budget` characters, the items that fit and the number left
/// out ("... and 6 more keys"). A value holding ", " (a list) stays whole.
fn short_label(label: &str, budget: usize) -> String {
    let mut items: Vec<String> = Vec::new();
    for piece in label.split(", ") {
        match (piece.contains('='), items.last_mut()) {
            (false, Some(last)) => {
                last.push_str(", ");
                last.push_str(piece);
            }
            _ => items.push(piece.to_string()),
        }
    }
    let items: Vec<String> = items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((path, value)) => {
                let parts: Vec<&str> = path.split('.').collect();
                let tail = parts[parts.len().saturating_sub(2)..].join(".");
                format!("{tail}={value}")
            }
            None => item.clone(),
        })
        .collect();
    let whole = items.join(", ");
    if whole.chars().count() <= budget {
        return whole;
    }
    // " ... and k more keys" after the items kept, when k > 0.
    let more = |k: usize| match k {
        0 => String::new(),
        1 => " ... and 1 more key".to_string(),
        k => format!(" ... and {k} more keys"),
    };
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let after = more(items.len() - i - 1);
        if out.chars().count() + sep.len() + item.chars().count() + after.len() <= budget {
            out.push_str(sep);
            out.push_str(item);
            continue;
        }
        if i == 0 {
            // Even the first item is too long: its first characters.
            let keep = budget.saturating_sub(after.len() + 3);
            return item.chars().take(keep).collect::<String>() + "..." + &after;
        }
        return out + &more(items.len() - i);
    }
    out
}

impl Display {
    fn show(&self, p: &Progress) {
        match p {
            Progress::Started { trials, sweep } => self.start(*trials, sweep.as_ref()),
            Progress::UnitStarted { point, at } => {
                let mut s = self.state.lock().expect("progress lock");
                s.current = Some((*point, at.label.clone()));
                self.message(&s);
            }
            Progress::Trial => self.trial(),
            Progress::UnitFinished { point_finished, at } => {
                {
                    let mut s = self.state.lock().expect("progress lock");
                    (s.points_done, s.points, s.work_done) =
                        (at.points_done, at.points, at.work_done);
                    self.message(&s);
                }
                if *point_finished && self.every.is_some() {
                    *self.last_line.lock().expect("progress lock") = Instant::now();
                    self.line(self.done.load(Ordering::Relaxed));
                }
            }
            Progress::Finished => self.finish(),
            _ => {}
        }
    }

    fn start(&self, trials: u64, sweep: Option<&mixsim::experiment::progress::SweepStart>) {
        let mut s = self.state.lock().expect("progress lock");
        s.total = trials;
        if let Some(w) = sweep {
            s.sweep = Some(w.name.clone());
            s.points = w.points;
            s.points_done = w.points - w.points_left;
        }
        match (self.every, sweep) {
            (None, _) => {
                *self.bar.lock().expect("progress lock") =
                    Some(bar(trials, sweep.map(|w| &w.name)));
                self.message(&s);
            }
            (Some(_), Some(w)) => eprintln!(
                "[{}] {} points, {trials} trials to run{}",
                w.name,
                w.points_left,
                if w.resumed > 0 {
                    format!(
                        " (resuming: {} of {} chunks already done)",
                        w.resumed, w.units
                    )
                } else {
                    String::new()
                }
            ),
            (Some(_), None) => {}
        }
    }

    fn message(&self, s: &State) {
        if s.sweep.is_some() {
            if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
                bar.set_message(s.points());
            }
        }
    }

    fn trial(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
            bar.inc(1);
        }
        if let Some(every) = self.every {
            if let Ok(mut last) = self.last_line.try_lock() {
                if last.elapsed() >= every {
                    *last = Instant::now();
                    self.line(done);
                }
            }
        }
    }

    /// One plain line: trials done and the ETA (a sweep's by expected cost, at least its share
    /// of trials done).
    fn line(&self, done: u64) {
        let s = self.state.lock().expect("progress lock");
        let elapsed = self.started.elapsed().as_secs_f64();
        let frac = match (s.total, &s.sweep) {
            (0, _) => 1.0,
            (t, Some(_)) => s.work_done.max(done as f64 / t as f64),
            (t, None) => done as f64 / t as f64,
        };
        let eta = if frac > 0.0 {
            format!("{:.0} s", elapsed * (1.0 - frac) / frac)
        } else {
            "?".into()
        };
        match &s.sweep {
            Some(name) => eprintln!(
                "[{name}] points {}; trials {done}/{}; {elapsed:.0} s elapsed, ETA {eta}",
                s.points(),
                s.total
            ),
            None => eprintln!(
                "trials {done}/{}; {elapsed:.0} s elapsed, ETA {eta}",
                s.total
            ),
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
        let is_run = self.state.lock().expect("progress lock").sweep.is_none();
        if self.every.is_some() && is_run {
            self.line(self.done.load(Ordering::Relaxed));
        }
    }
}

/// A bar of `len` trials; a sweep's shows its name and points above it.
fn bar(len: u64, sweep: Option<&String>) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    let template = match sweep {
        Some(_) => "{prefix} points {msg}\n{spinner} trials {pos}/{len} [{elapsed_precise}] {wide_bar} ETA {eta}",
        None => "{spinner} trials {pos}/{len} [{elapsed_precise}] {wide_bar} ETA {eta}",
    };
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
    if let Some(name) = sweep {
        bar.set_prefix(name.clone());
        bar.enable_steady_tick(Duration::from_millis(200));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::short_label;

    #[test]
    fn labels_are_cut_to_readable_lines() {
        assert_eq!(short_label("node.mix.t_avg=5ms", 100), "mix.t_avg=5ms");
        // A list value keeps its ", ".
        assert_eq!(
            short_label("attack.sample_sizes=[10, 100], node.mix.t_avg=5ms", 100),
            "attack.sample_sizes=[10, 100], mix.t_avg=5ms"
        );
        // A zip sweep of 40 keys in step: the items that fit, and how many are left out.
        let long: Vec<String> = (0..40)
            .map(|i| format!("flow.flow{i}.rate=9.5pps"))
            .collect();
        let short = short_label(&long.join(", "), 100);
        assert!(short.chars().count() <= 100, "{short}");
        assert!(
            short.starts_with("flow0.rate=9.5pps, flow1.rate=9.5pps"),
            "{short}"
        );
        let kept = short.matches(".rate=").count();
        assert!(
            short.ends_with(&format!(" ... and {} more keys", 40 - kept)),
            "{short}"
        );
        // One item longer than the budget.
        let huge = format!("node.mix.t_avg={}", "9".repeat(300));
        let cut = short_label(&huge, 100);
        assert!(
            cut.chars().count() <= 100 && cut.ends_with("99..."),
            "{cut}"
        );
    }
}
