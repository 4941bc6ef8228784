//! Worker threads: how many a run may start.
//!
//! Trials are CPU-bound, so threads beyond what the machine runs at once only add switching; and
//! asking the system for a million threads ends in a failed spawn after it has started
//! thousands of them. Every pool of the library (runs, sweeps, exports) is therefore sized by
//! [`usable`], which caps the asked number at [`available`]. The command line says so with a
//! warning ([`Jobs::warning`]). Results never depend on the number of threads.

/// Threads the machine runs at once (`std::thread::available_parallelism`, 1 if unknown).
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The threads a pool asked for `asked` starts: at least 1, at most [`available`].
pub fn usable(asked: usize) -> usize {
    asked.clamp(1, available())
}

/// A `--jobs` value resolved against the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jobs {
    /// What was asked (`None`: every core).
    pub asked: Option<usize>,
    /// What the pools start.
    pub used: usize,
}

impl Jobs {
    /// Resolve `--jobs`: the default is every core, more than [`available`] is capped.
    pub fn resolve(asked: Option<usize>) -> Jobs {
        Jobs {
            asked,
            used: asked.map_or_else(available, usable),
        }
    }

    /// The warning to print when the asked number was capped.
    pub fn warning(&self) -> Option<String> {
        let asked = self.asked?;
        (asked > self.used).then(|| {
            format!(
                "--jobs {asked}: this machine runs {} threads at once; using {} (results do not depend on it)",
                self.used, self.used
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_at_the_machine() {
        let n = available();
        assert_eq!(usable(0), 1);
        assert_eq!(usable(usize::MAX), n);
        let j = Jobs::resolve(Some(usize::MAX));
        assert_eq!(j.used, n);
        assert!(j.warning().is_some());
        assert_eq!(Jobs::resolve(Some(1)).warning(), None);
        assert_eq!(Jobs::resolve(None).used, n);
    }
}
