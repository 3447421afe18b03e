//! The medians criterion reports, kept in the bench process, so a bench can print
//! ratios between the rows of one run (a gradient over the forward evaluation of the
//! same run, an interpreter over hand-written Rust) as one summary line per group on
//! stderr, instead of leaving the reader to divide criterion's figures by hand.
//!
//! [`Medians::iter`] replaces `Bencher::iter`: it times the routine itself (with the
//! clock of the bench's measurement, so criterion reports exactly what is recorded)
//! and keeps each sample's time per iteration. Criterion calls a routine for its
//! warm-up first and then once per sample, so the last `samples` calls of an id are
//! criterion's samples and their median is criterion's median.

#![allow(dead_code)] // each bench uses part of it

use criterion::measurement::Measurement;
use criterion::{black_box, Bencher};
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// Per benchmark id (`group/function`), in the order first measured: the sample
/// count criterion takes and the time per iteration (ns) of every call.
type Runs = Vec<(String, usize, Vec<f64>)>;

/// Recorded sample times per benchmark id; see the module comment.
pub struct Medians {
    /// The clock of the bench's measurement (thread CPU time or wall time).
    clock: fn() -> Duration,
    runs: RefCell<Runs>,
}

/// Wall time since the first call (the clock of criterion's default measurement).
fn wall_now() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

impl Medians {
    /// Recording thread CPU time (for `Criterion<ThreadCpuTime*>`).
    pub fn cpu() -> Medians {
        Medians {
            clock: super::cpu_time::thread_cpu_now,
            runs: RefCell::new(Vec::new()),
        }
    }

    /// Recording wall time (for criterion's default `WallTime`).
    pub fn wall() -> Medians {
        Medians {
            clock: wall_now,
            runs: RefCell::new(Vec::new()),
        }
    }

    /// Times `f` as `Bencher::iter` would and records each call under `id` (the
    /// group's name, a slash, the function's name), of which criterion keeps the last
    /// `samples` (the group's sample size).
    pub fn iter<M, O>(
        &self,
        b: &mut Bencher<'_, M>,
        id: &str,
        samples: usize,
        mut f: impl FnMut() -> O,
    ) where
        M: Measurement<Value = Duration>,
    {
        b.iter_custom(|iters| {
            let start = (self.clock)();
            for _ in 0..iters {
                black_box(f());
            }
            let d = (self.clock)().saturating_sub(start);
            self.record(id, samples, d.as_nanos() as f64 / iters.max(1) as f64);
            d
        })
    }

    fn record(&self, id: &str, samples: usize, ns: f64) {
        let mut runs = self.runs.borrow_mut();
        match runs.iter_mut().find(|(k, _, _)| k == id) {
            Some((_, _, v)) => v.push(ns),
            None => runs.push((id.to_string(), samples, vec![ns])),
        }
    }

    /// The median (ns per iteration) of the samples of `id`, if it ran.
    pub fn median(&self, id: &str) -> Option<f64> {
        let runs = self.runs.borrow();
        let (_, samples, v) = runs.iter().find(|(k, _, _)| k == id)?;
        let mut s = v[v.len().saturating_sub(*samples)..].to_vec();
        s.sort_by(f64::total_cmp);
        let m = s.len() / 2;
        Some(if s.len() % 2 == 1 {
            s[m]
        } else {
            (s[m - 1] + s[m]) / 2.0
        })
    }

    /// Prints one line to stderr: every id of `group` that ran, in order, with its
    /// median and (unless it is one of them) its ratio to each of `baselines`
    /// (function names in `group`) that ran. Nothing if no id of the group ran (a
    /// filter excluded it).
    pub fn summary(&self, group: &str, baselines: &[&str]) {
        let prefix = format!("{group}/");
        let ids: Vec<String> = self
            .runs
            .borrow()
            .iter()
            .filter(|(k, _, _)| k.starts_with(&prefix))
            .map(|(k, _, _)| k.clone())
            .collect();
        if ids.is_empty() {
            return;
        }
        let base: Vec<(&str, f64)> = baselines
            .iter()
            .filter_map(|&b| Some((b, self.median(&format!("{prefix}{b}"))?)))
            .collect();
        let mut line = format!("summary {group} (medians):");
        for (i, id) in ids.iter().enumerate() {
            let name = &id[prefix.len()..];
            let m = self.median(id).unwrap_or(f64::NAN);
            line += &format!("{} {name} {}", if i == 0 { "" } else { ";" }, format_ns(m));
            let ratios: Vec<String> = base
                .iter()
                .map(|(b, bm)| format!("{}x {b}", three_digits(m / bm)))
                .collect();
            if !baselines.contains(&name) && !ratios.is_empty() {
                line += &format!(" ({})", ratios.join(", "));
            }
        }
        eprintln!("{line}");
    }
}

/// `x` with three significant digits (at least two decimals below 1).
fn three_digits(x: f64) -> String {
    let digits = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else if x >= 0.1 || x == 0.0 || !x.is_finite() {
        2
    } else {
        (2.0 - x.log10().floor()) as usize
    };
    format!("{x:.digits$}")
}

/// Nanoseconds with three significant digits in the largest fitting unit.
pub fn format_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "us")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if v < 10.0 {
        2
    } else if v < 100.0 {
        1
    } else {
        0
    };
    format!("{v:.digits$} {unit}")
}
