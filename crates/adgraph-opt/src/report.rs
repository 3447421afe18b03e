//! `Report`: what each pass of a pipeline run did, as numbers and as text.
//!
//! The CLI prints it with `--stats`; tests snapshot [`Report::without_times`], the
//! same text without the timings (which differ from run to run).

use crate::Pass;
use std::fmt;
use std::time::Duration;

/// One pass run once.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The round of the pipeline (from 1).
    pub round: usize,
    /// The pass (the first of the row, if several ran as one).
    pub pass: Pass,
    /// Passes that ran fused with `pass` as one rebuild (empty if it ran alone): in a
    /// run of consecutive passes that only rebuild through the constructors (`fold`,
    /// `cse`, `dce`, and `simplify` in Strict mode) the pipeline does the work of all
    /// in at most two rebuilds, so their figures are one row, `fold+simplify+cse+dce`.
    pub fused: Vec<Pass>,
    /// Nodes in the graph before the pass.
    pub nodes_in: usize,
    /// Nodes in the graph after the pass.
    pub nodes_out: usize,
    /// Operation nodes (not inputs or constants) the functions reach, before.
    pub ops_in: usize,
    /// Operation nodes the functions reach, after.
    pub ops_out: usize,
    /// Wall-clock time the pass took.
    pub time: Duration,
}

impl Step {
    /// The row's name: the pass, or the fused passes joined by `+`.
    pub fn name(&self) -> String {
        let mut name = self.pass.name().to_string();
        for p in &self.fused {
            name.push('+');
            name.push_str(p.name());
        }
        name
    }
}

/// What a pipeline run did: every pass of every round, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Every pass run, in order.
    pub steps: Vec<Step>,
    /// Rounds run.
    pub rounds: usize,
    /// Whether the last round changed nothing (a fixed point), rather than the round
    /// bound stopping the pipeline.
    pub converged: bool,
    /// Whether the pipeline stopped because the rounds stopped removing operations (a
    /// round added some, or two in a row removed none) rather than at a fixed point
    /// or the round bound.
    pub stalled: bool,
    /// The round whose result the pipeline returned (0: the input, unchanged).
    pub kept: usize,
}

impl Report {
    /// Total time of all passes.
    pub fn total_time(&self) -> Duration {
        self.steps.iter().map(|s| s.time).sum()
    }

    /// The report as text without timings: deterministic, for tests and snapshots.
    pub fn without_times(&self) -> String {
        self.render(false)
    }

    fn render(&self, times: bool) -> String {
        let mut out = String::new();
        for s in &self.steps {
            out.push_str(&format!(
                "round {} {:<8} nodes {:>9} -> {:<9} ops {:>9} -> {:<9}",
                s.round,
                s.name(),
                s.nodes_in,
                s.nodes_out,
                s.ops_in,
                s.ops_out
            ));
            if times {
                out.push_str(&format!(" {:>10.3} ms", s.time.as_secs_f64() * 1e3));
            }
            out = out.trim_end().to_string();
            out.push('\n');
        }
        let state = if self.converged {
            "fixed point".to_string()
        } else if self.stalled {
            format!(
                "stopped when the rounds stopped removing ops, round {}'s result kept",
                self.kept
            )
        } else {
            "stopped at the round bound".to_string()
        };
        out.push_str(&format!("{} round(s), {state}", self.rounds));
        if times {
            out.push_str(&format!(
                ", {:.3} ms in all",
                self.total_time().as_secs_f64() * 1e3
            ));
        }
        out.push('\n');
        out
    }
}

impl fmt::Display for Report {
    /// One line per pass: round, pass, nodes and ops in and out, time; then a total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(true))
    }
}
