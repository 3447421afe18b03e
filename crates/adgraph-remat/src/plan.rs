//! `Plan`: a strategy carried to a concrete schedule, with its predicted cost.
//!
//! [`plan_checkpoints`] cuts the trace into segments, generates the strategy's
//! schedule, and predicts by simulation exactly what the interpreter will hold and
//! execute: peak bytes (working slots, adjoint slots, checkpoints, tapes), forward,
//! recomputed and backward instruction counts, and the recomputation cost under a
//! [`CostModel`]. A plan prints as text; the interpreter measures the same numbers.

use crate::schedule::{self, Action};
use crate::{CostModel, RematError, Trace, NEEDS_RESULT, VALUE_BYTES};
use std::fmt;
use std::str::FromStr;

/// Window (in instructions, either side) within which a segment boundary must be the
/// narrowest to be cut at.
pub const NARROW_RADIUS: usize = 16;

/// How to trade memory for recomputation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Keep every value the backward sweep needs (one segment, one tape).
    StoreAll,
    /// Keep only the inputs; recompute each segment's values from them.
    RecomputeAll,
    /// A checkpoint every `k` segments.
    Periodic(u32),
    /// Binomial checkpointing with at most `s` checkpoints (the start's included).
    Revolve(u32),
    /// The least recomputation whose peak is at most this many bytes (per point).
    Budget(u64),
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::StoreAll => write!(f, "store-all"),
            Strategy::RecomputeAll => write!(f, "recompute-all"),
            Strategy::Periodic(k) => write!(f, "periodic:{k}"),
            Strategy::Revolve(s) => write!(f, "revolve:{s}"),
            Strategy::Budget(b) => write!(f, "budget:{}", format_bytes_exact(*b)),
        }
    }
}

impl FromStr for Strategy {
    type Err = RematError;
    /// Parses the CLI spelling: `store-all`, `recompute-all`, `periodic:K`,
    /// `revolve:S`, `budget:SIZE` with SIZE like `65536B`, `64KiB`, `16MiB`, `1GiB`
    /// (or a plain number of bytes).
    fn from_str(text: &str) -> Result<Strategy, RematError> {
        let bad = |expected| RematError::BadParameter {
            strategy: text.to_string(),
            expected,
        };
        let t = text.trim();
        match t.split_once(':') {
            None if t == "store-all" => Ok(Strategy::StoreAll),
            None if t == "recompute-all" => Ok(Strategy::RecomputeAll),
            Some(("periodic", k)) => match k.parse::<u32>() {
                Ok(k) if k > 0 => Ok(Strategy::Periodic(k)),
                _ => Err(bad("a whole number of segments >= 1, e.g. periodic:10")),
            },
            Some(("revolve", s)) => match s.parse::<u32>() {
                Ok(s) if s > 0 => Ok(Strategy::Revolve(s)),
                _ => Err(bad("a whole number of snapshots >= 1, e.g. revolve:20")),
            },
            Some(("budget", size)) => parse_bytes(size)
                .map(Strategy::Budget)
                .ok_or_else(|| bad("a size like 65536B, 64KiB or 16MiB")),
            _ => Err(RematError::UnknownStrategy {
                text: text.to_string(),
            }),
        }
    }
}

/// Parses `65536B`, `64KiB`, `16MiB`, `1GiB` or a plain number of bytes.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// `n` bytes in the largest binary unit that divides it exactly (`64KiB`, `100B`).
fn format_bytes_exact(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n > 0 && n & ((1u64 << shift) - 1) == 0 {
            return format!("{}{unit}", n >> shift);
        }
    }
    format!("{n}B")
}

/// `n` bytes for people: `812 B`, `3.2 KiB`, `1.5 MiB`.
pub fn format_bytes(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    let mut x = n as f64 / 1024.0;
    for unit in ["KiB", "MiB", "GiB"] {
        if x < 1024.0 || unit == "GiB" {
            return format!("{x:.1} {unit}");
        }
        x /= 1024.0;
    }
    unreachable!("the loop returns at GiB")
}

/// What a plan will hold and execute, per point (multiply bytes by the batch width).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prediction {
    /// Peak bytes held: working slots + adjoint slots + checkpoints + tapes at the peak.
    pub peak_bytes: u64,
    /// Bytes of working slots (the forward interpreter's live set, inputs, constants).
    pub working_bytes: u64,
    /// Bytes of adjoint slots (reused by liveness).
    pub adjoint_bytes: u64,
    /// Checkpoint bytes held at the moment of the peak.
    pub checkpoint_bytes: u64,
    /// Tape bytes held at the moment of the peak.
    pub tape_bytes: u64,
    /// Instructions executed the first time (each once).
    pub forward_ops: u64,
    /// Instructions executed again.
    pub recomputed_ops: u64,
    /// Instructions swept backward.
    pub backward_ops: u64,
    /// Cost of the recomputed instructions under the cost model.
    pub recompute_cost: f64,
    /// Most checkpoints held at once, the inputs (the checkpoint at the start) counted
    /// as one: `Revolve(s)` holds at most `s`.
    pub max_checkpoints: u32,
    /// Checkpoints stored in all (the inputs not counted).
    pub stores: u64,
}

/// A checkpoint plan: segments, a schedule over them, and its prediction.
///
/// ```
/// use adgraph_remat::{plan_checkpoints, CostModel, Strategy, Trace};
/// let w = adgraph_workloads::van_der_pol(50);
/// let t = Trace::from_function(&w.graph, &w.function)?;
/// let all = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default())?;
/// let rev = plan_checkpoints(&t, "revolve:4".parse()?, &CostModel::default())?;
/// assert!(rev.prediction().peak_bytes < all.prediction().peak_bytes);
/// assert!(rev.prediction().recomputed_ops > 0);
/// println!("{rev}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The strategy asked for.
    strategy: Strategy,
    /// The strategy the schedule follows (differs from `strategy` for budgets).
    chosen: Strategy,
    /// Segment starts, then the end: `boundaries[j]..boundaries[j + 1]` is segment `j`.
    boundaries: Vec<u32>,
    /// The schedule.
    actions: Vec<Action>,
    /// What it will cost.
    prediction: Prediction,
    /// Steps and values of the trace it was made for.
    fingerprint: (usize, usize),
    /// Values on each segment's tape, total over segments (for printing).
    tape_total: u64,
    /// The kept values, when the plan keeps one tape of at most 16 values (printing).
    kept_names: Vec<String>,
}

impl Plan {
    /// The strategy asked for.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The strategy whose schedule this is: for a budget, the family chosen, or the
    /// budget itself when the dynamic program's schedule (segment-level optimum) won.
    pub fn chosen(&self) -> Strategy {
        self.chosen
    }

    /// Segment boundaries: starts of segments, then the number of instructions.
    pub fn boundaries(&self) -> &[u32] {
        &self.boundaries
    }

    /// Number of segments.
    pub fn segment_count(&self) -> u32 {
        self.boundaries.len().saturating_sub(1) as u32
    }

    /// The schedule.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The prediction, per point.
    pub fn prediction(&self) -> &Prediction {
        &self.prediction
    }

    /// Checks that the plan was made for `trace`.
    pub fn check(&self, trace: &Trace) -> Result<(), RematError> {
        let f = (trace.steps().len(), trace.sources().len());
        if f != self.fingerprint {
            return Err(RematError::PlanMismatch {
                reason: format!(
                    "plan made for {} instructions over {} values, program has {} over {}",
                    self.fingerprint.0, self.fingerprint.1, f.0, f.1
                ),
            });
        }
        Ok(())
    }
}

/// The values segment `from..to`'s backward sweep reads that a step computes (inputs
/// and constants stay in their slots), ascending. `marks` is scratch of one entry per
/// value, holding anything but `stamp` on entry.
pub fn segment_tape(trace: &Trace, from: u32, to: u32, marks: &mut [u32], stamp: u32) -> Vec<u32> {
    let first = trace.first_step_value();
    let mut out = Vec::new();
    for j in from..to {
        let s = &trace.steps()[j as usize];
        let mut push = |v: u32| {
            if trace.is_step_value(v) && marks[v as usize] != stamp {
                marks[v as usize] = stamp;
                out.push(v);
            }
        };
        for i in 0..s.op.arity() {
            if s.needs & (1 << i) != 0 {
                push(s.args[i]);
            }
        }
        if s.needs & NEEDS_RESULT != 0 {
            push(first + j);
        }
    }
    out.sort_unstable();
    out
}

/// Each segment's tape (see [`segment_tape`]), for segments given by `boundaries`.
pub fn tapes(trace: &Trace, boundaries: &[u32]) -> Vec<Vec<u32>> {
    let mut marks = vec![u32::MAX; trace.sources().len()];
    boundaries
        .windows(2)
        .enumerate()
        .map(|(j, w)| segment_tape(trace, w[0], w[1], &mut marks, j as u32))
        .collect()
}

/// Makes a plan for `trace` following `strategy`; costs come from `costs`.
///
/// Errors: a zero parameter, or a budget no plan fits in (the error names the
/// smallest feasible budget).
pub fn plan_checkpoints(
    trace: &Trace,
    strategy: Strategy,
    costs: &CostModel,
) -> Result<Plan, RematError> {
    let n = trace.steps().len() as u32;
    let natural = || schedule::narrow_boundaries(trace, NARROW_RADIUS);
    let (boundaries, actions) = match strategy {
        Strategy::StoreAll => {
            let b = if n == 0 { vec![0] } else { vec![0, n] };
            let l = b.len() as u32 - 1;
            (b, schedule::store_all(l))
        }
        Strategy::RecomputeAll => {
            let b = natural();
            let l = b.len() as u32 - 1;
            (b, schedule::recompute_all(l))
        }
        Strategy::Periodic(k) | Strategy::Revolve(k) if k == 0 => {
            return Err(RematError::BadParameter {
                strategy: strategy.to_string(),
                expected: "a parameter >= 1",
            })
        }
        Strategy::Periodic(k) => {
            let b = natural();
            let l = b.len() as u32 - 1;
            (b, schedule::periodic(l, k))
        }
        Strategy::Revolve(s) => {
            let b = natural();
            let l = b.len() as u32 - 1;
            (b, schedule::revolve(l, s))
        }
        Strategy::Budget(bytes) => return crate::budget::plan_for_budget(trace, bytes, costs),
    };
    finish(trace, strategy, strategy, boundaries, actions, costs)
}

/// Simulates `actions` over `boundaries` and wraps the result as a plan.
pub(crate) fn finish(
    trace: &Trace,
    strategy: Strategy,
    chosen: Strategy,
    boundaries: Vec<u32>,
    actions: Vec<Action>,
    costs: &CostModel,
) -> Result<Plan, RematError> {
    let tapes = tapes(trace, &boundaries);
    let prediction = simulate(trace, &boundaries, &tapes, &actions, costs)?;
    let tape_total = tapes.iter().map(|t| t.len() as u64).sum();
    let kept_names = if tapes.len() == 1 && tapes[0].len() <= 16 {
        tapes[0].iter().map(|&v| trace.value_name(v)).collect()
    } else {
        Vec::new()
    };
    Ok(Plan {
        strategy,
        chosen,
        boundaries,
        actions,
        prediction,
        fingerprint: (trace.steps().len(), trace.sources().len()),
        tape_total,
        kept_names,
    })
}

/// Walks a schedule as the interpreter will, counting bytes and instructions, and
/// checking that it is well formed (positions agree, objects released last-in
/// first-out, every segment swept backward once, in order from the last).
pub(crate) fn simulate(
    trace: &Trace,
    boundaries: &[u32],
    tapes: &[Vec<u32>],
    actions: &[Action],
    costs: &CostModel,
) -> Result<Prediction, RematError> {
    let l = boundaries.len().saturating_sub(1);
    let widths = trace.widths();
    // Prefix sums of instruction counts and costs over segments.
    let mut step_cost = vec![0.0f64; trace.steps().len() + 1];
    for (j, s) in trace.steps().iter().enumerate() {
        step_cost[j + 1] = step_cost[j] + costs.cost(s.op);
    }
    let ops = |a: u32, b: u32| (boundaries[b as usize] - boundaries[a as usize]) as u64;
    let cost = |a: u32, b: u32| {
        step_cost[boundaries[b as usize] as usize] - step_cost[boundaries[a as usize] as usize]
    };
    let bad = |what: &str| RematError::MalformedTrace {
        reason: format!("schedule: {what}"),
    };
    let mut p = Prediction {
        working_bytes: trace.slot_count() as u64 * VALUE_BYTES,
        adjoint_bytes: trace.adjoint_count() as u64 * VALUE_BYTES,
        ..Prediction::default()
    };
    let base = p.working_bytes + p.adjoint_bytes;
    p.peak_bytes = base;
    let (mut pos, mut frontier) = (0u32, 0u32);
    let mut stack: Vec<(bool, u32, u64)> = Vec::new(); // (is tape, index, bytes)
    let mut held = vec![false; l + 1];
    held[0] = true; // the inputs: always restorable
    let (mut ckpt, mut tape, mut checkpoints) = (0u64, 0u64, 0u32);
    let mut next_reverse = l as u32;
    let run = |p: &mut Prediction, from: u32, to: u32, frontier: &mut u32| {
        let fresh_from = from.max(*frontier).min(to);
        p.forward_ops += ops(fresh_from, to);
        p.recomputed_ops += ops(from, fresh_from);
        p.recompute_cost += cost(from, fresh_from);
        *frontier = (*frontier).max(to);
    };
    for &a in actions {
        match a {
            Action::Store(b) => {
                if b != pos || b as usize > l || (b > 0 && held[b as usize]) {
                    return Err(bad("store away from the working position"));
                }
                let bytes = widths[boundaries[b as usize] as usize] as u64 * VALUE_BYTES;
                held[b as usize] = true;
                stack.push((false, b, bytes));
                ckpt += bytes;
                if b > 0 {
                    checkpoints += 1;
                    p.stores += 1;
                }
                p.max_checkpoints = p.max_checkpoints.max(checkpoints + 1);
            }
            Action::Restore(b) => {
                if b as usize > l || !held[b as usize] {
                    return Err(bad("restore of a checkpoint not held"));
                }
                pos = b;
            }
            Action::Free(b) => match stack.pop() {
                Some((false, c, bytes)) if c == b => {
                    held[b as usize] = b == 0;
                    ckpt -= bytes;
                    checkpoints -= u32::from(b > 0);
                }
                _ => return Err(bad("free out of order")),
            },
            Action::Advance(b) => {
                if b < pos || b as usize > l {
                    return Err(bad("advance backwards"));
                }
                run(&mut p, pos, b, &mut frontier);
                pos = b;
            }
            Action::Record(j) => {
                if j != pos || j as usize >= l {
                    return Err(bad("record away from the working position"));
                }
                run(&mut p, j, j + 1, &mut frontier);
                let bytes = tapes[j as usize].len() as u64 * VALUE_BYTES;
                stack.push((true, j, bytes));
                tape += bytes;
                pos = j + 1;
            }
            Action::Reverse(j) => match stack.pop() {
                Some((true, k, bytes)) if k == j && j + 1 == next_reverse => {
                    p.backward_ops += ops(j, j + 1);
                    tape -= bytes;
                    next_reverse = j;
                }
                _ => return Err(bad("reverse without its tape, or out of order")),
            },
        }
        if base + ckpt + tape > p.peak_bytes {
            p.peak_bytes = base + ckpt + tape;
            p.checkpoint_bytes = ckpt;
            p.tape_bytes = tape;
        }
    }
    if next_reverse != 0 || !stack.is_empty() {
        return Err(bad("incomplete"));
    }
    Ok(p)
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.prediction;
        let l = self.segment_count();
        if let (Strategy::Budget(_), true) = (self.strategy, self.strategy == self.chosen) {
            writeln!(
                f,
                "plan {} (chose the optimal schedule over these segments)",
                self.strategy
            )?;
        } else if self.strategy == self.chosen {
            writeln!(f, "plan {}", self.strategy)?;
        } else {
            writeln!(f, "plan {} (chose {})", self.strategy, self.chosen)?;
        }
        writeln!(
            f,
            "  segments: {l} over {} instructions{}",
            self.fingerprint.0,
            list_preview(" at ", &self.boundaries[..l as usize])
        )?;
        let mut stored: Vec<u32> = self
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Store(b) if *b > 0 => Some(self.boundaries[*b as usize]),
                _ => None,
            })
            .collect();
        stored.sort_unstable();
        stored.dedup();
        writeln!(
            f,
            "  checkpoints: at most {} held (inputs included), {} stored{}",
            p.max_checkpoints,
            p.stores,
            list_preview(" at instructions ", &stored)
        )?;
        if self.kept_names.is_empty() {
            writeln!(
                f,
                "  kept for the backward sweep: {} values over all segment tapes",
                self.tape_total
            )?;
        } else {
            writeln!(
                f,
                "  kept for the backward sweep: {} values: {}",
                self.kept_names.len(),
                self.kept_names.join(", ")
            )?;
        }
        writeln!(
            f,
            "  predicted peak: {} B = working {} B + adjoints {} B + checkpoints {} B + tapes {} B",
            p.peak_bytes, p.working_bytes, p.adjoint_bytes, p.checkpoint_bytes, p.tape_bytes
        )?;
        writeln!(
            f,
            "  predicted ops: forward {}, recomputed {} (cost {:.1}), backward {}",
            p.forward_ops, p.recomputed_ops, p.recompute_cost, p.backward_ops
        )
    }
}

/// ` at 1, 2, 3` or ` at 1, 2, ... (40 more)`; empty for an empty list.
fn list_preview(prefix: &str, xs: &[u32]) -> String {
    if xs.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = xs.iter().take(8).map(|x| x.to_string()).collect();
    let more = if xs.len() > 8 {
        format!(", ... ({} more)", xs.len() - 8)
    } else {
        String::new()
    };
    format!("{prefix}{}{more}", shown.join(", "))
}
