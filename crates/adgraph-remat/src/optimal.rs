//! The least-recomputation schedule under a memory bound, by dynamic programming.
//!
//! The families of `schedule` (periodic, binomial) assume segments of equal cost and
//! size. Programs are rarely that: an MLP's layers, a Lennard-Jones sum or a model with
//! a wide middle have segments whose forward cost, tape and live width all differ.
//! This module finds, for one segmentation, the schedule of least total forward work
//! whose checkpoints and tapes fit in a given number of bytes, over every schedule the
//! interpreter can run where each segment is recorded right before it is needed: a
//! checkpoint may be stored at any boundary, a run of segments may be recorded whole,
//! and any prefix may be recomputed from the nearest stored state. It is the
//! heterogeneous-chain dynamic program (in the manner of Beaumont, Herrmann and
//! others for neural networks), specialized to this crate's actions.
//!
//! Three tables over (first segment `i`, end `j`, memory `m` in units):
//!
//! - `C(i, j, m)`: reverse segments `i..j`, the working state at `i` and also stored.
//!   Either record the run (`R`), or advance to some `k`, reverse `k..j` (`D`),
//!   restore `i` and reverse `i..k` (`C`).
//! - `D(i, j, m)`: the same with the state at `i` only in the working slots: record
//!   the run (`R`), or store a checkpoint at `i` and continue as `C`.
//! - `R(i, j, m)`: record segment `i` (its tape held), reverse `i + 1..j` as `D`,
//!   then sweep `i` backward.
//!
//! Memory is counted in units (bytes rounded up per object), so a schedule that fits
//! in the units fits in the bytes; the plan's simulation then checks it exactly. A unit
//! is one value (8 bytes) for budgets up to [`MEMORY_LEVELS`] values, else
//! 1/[`MEMORY_LEVELS`] of the budget, so rounding costs at most one unit per object
//! held. Time and memory are O(L^3 M) and O(L^2 M) for L segments and M units
//! (48 segments: about 10 million steps and 14 MB); callers coarsen the segmentation
//! to [`MAX_SEGMENTS`].

use crate::schedule::Action;

/// Most segments the dynamic program runs over (the caller coarsens to this).
pub const MAX_SEGMENTS: usize = 48;

/// Memory levels the dynamic program distinguishes.
pub const MEMORY_LEVELS: u64 = 512;

/// A chain of segments as the dynamic program sees it.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Forward cost of each segment.
    pub cost: Vec<f64>,
    /// Bytes of a checkpoint at each boundary `0..L` (the values live across it).
    pub checkpoint: Vec<u64>,
    /// Bytes of each segment's tape.
    pub tape: Vec<u64>,
}

/// The three tables, flat: `[table][(i, j)][m]` over pairs `i < j` (triangular).
struct Tables {
    l: usize,
    levels: usize,
    unit: u64,
    values: [Vec<f64>; 3],
}

const C: usize = 0;
const D: usize = 1;
const R: usize = 2;

/// A choice made at one entry, for rebuilding the schedule.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Choice {
    /// Record segment `i`, then the rest as `D(i + 1, j)`.
    Record,
    /// Store a checkpoint at `i`, then `C(i, j)`.
    Store,
    /// Advance to `k`, reverse `k..j` as `D`, restore `i`, reverse `i..k` as `C`.
    Split(usize),
}

impl Tables {
    fn index(&self, i: usize, j: usize, m: usize) -> usize {
        (j * (j - 1) / 2 + i) * self.levels + m
    }

    fn get(&self, t: usize, i: usize, j: usize, m: usize) -> f64 {
        self.values[t][self.index(i, j, m)]
    }

    fn units(&self, bytes: u64) -> usize {
        bytes.div_ceil(self.unit) as usize
    }
}

/// Evaluates one entry of table `t` from shorter or already filled entries: its value
/// and the choice that gives it (the first of the least, in a fixed order, so that
/// filling and rebuilding agree).
fn best(
    chain: &Chain,
    prefix: &[f64],
    tab: &Tables,
    t: usize,
    i: usize,
    j: usize,
    m: usize,
) -> (f64, Choice) {
    match t {
        R => {
            let need = tab.units(chain.tape[i]);
            if need > m {
                return (f64::INFINITY, Choice::Record);
            }
            let rest = if j == i + 1 {
                0.0
            } else {
                tab.get(D, i + 1, j, m - need)
            };
            (chain.cost[i] + rest, Choice::Record)
        }
        D => {
            let mut out = (tab.get(R, i, j, m), Choice::Record);
            let need = tab.units(chain.checkpoint[i]);
            if need <= m {
                let v = tab.get(C, i, j, m - need);
                if v < out.0 {
                    out = (v, Choice::Store);
                }
            }
            out
        }
        _ => {
            let mut out = (tab.get(R, i, j, m), Choice::Record);
            for k in i + 1..j {
                let v = (prefix[k] - prefix[i]) + tab.get(D, k, j, m) + tab.get(C, i, k, m);
                if v < out.0 {
                    out = (v, Choice::Split(k));
                }
            }
            out
        }
    }
}

/// The schedule of least total forward cost reversing the whole chain within
/// `bytes` of checkpoints and tapes (the checkpoint at boundary 0 included), with its
/// cost; `None` if nothing fits. The schedule starts with `Store(0)` and ends with
/// `Free(0)`, like every schedule of this crate.
pub fn optimal_schedule(chain: &Chain, bytes: u64) -> Option<(Vec<Action>, f64)> {
    let l = chain.cost.len();
    if l == 0 || chain.checkpoint.len() != l || chain.tape.len() != l {
        return None;
    }
    let avail = bytes.checked_sub(chain.checkpoint[0])?;
    // Units of 8 bytes (one value) when the budget is small enough: exact accounting.
    let unit = (avail.div_ceil(MEMORY_LEVELS)).max(1).next_multiple_of(8);
    let levels = (avail / unit) as usize + 1;
    let size = l * (l + 1) / 2 * levels;
    let mut tab = Tables {
        l,
        levels,
        unit,
        values: [
            vec![f64::INFINITY; size],
            vec![f64::INFINITY; size],
            vec![f64::INFINITY; size],
        ],
    };
    let mut prefix = vec![0.0; l + 1];
    for j in 0..l {
        prefix[j + 1] = prefix[j] + chain.cost[j];
    }
    for len in 1..=l {
        for i in 0..=l - len {
            let j = i + len;
            for t in [R, C, D] {
                for m in 0..levels {
                    let (v, _) = best(chain, &prefix, &tab, t, i, j, m);
                    let at = tab.index(i, j, m);
                    tab.values[t][at] = v;
                }
            }
        }
    }
    let top = levels - 1;
    let total = tab.get(C, 0, l, top);
    if !total.is_finite() {
        return None;
    }
    Some((rebuild(chain, &prefix, &tab, top), total))
}

/// Walks the choices from `C(0, L)` with an explicit stack, emitting actions in order.
fn rebuild(chain: &Chain, prefix: &[f64], tab: &Tables, top: usize) -> Vec<Action> {
    enum Task {
        Solve(usize, usize, usize, usize),
        Emit(Action),
    }
    let l = tab.l;
    let mut out = vec![Action::Store(0)];
    let mut stack = vec![Task::Emit(Action::Free(0)), Task::Solve(C, 0, l, top)];
    while let Some(task) = stack.pop() {
        let (t, i, j, m) = match task {
            Task::Emit(a) => {
                out.push(a);
                continue;
            }
            Task::Solve(t, i, j, m) => (t, i, j, m),
        };
        match best(chain, prefix, tab, t, i, j, m).1 {
            Choice::Record => {
                if t != R {
                    stack.push(Task::Solve(R, i, j, m));
                    continue;
                }
                out.push(Action::Record(i as u32));
                stack.push(Task::Emit(Action::Reverse(i as u32)));
                if j > i + 1 {
                    let need = tab.units(chain.tape[i]);
                    stack.push(Task::Solve(D, i + 1, j, m - need));
                }
            }
            Choice::Store => {
                out.push(Action::Store(i as u32));
                stack.push(Task::Emit(Action::Free(i as u32)));
                let need = tab.units(chain.checkpoint[i]);
                stack.push(Task::Solve(C, i, j, m - need));
            }
            Choice::Split(k) => {
                out.push(Action::Advance(k as u32));
                stack.push(Task::Solve(C, i, k, m));
                stack.push(Task::Emit(Action::Restore(i as u32)));
                stack.push(Task::Solve(D, k, j, m));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{binomial_optimum, revolve};

    fn uniform(l: usize, tape: u64) -> Chain {
        Chain {
            cost: vec![1.0; l],
            checkpoint: vec![8; l],
            tape: vec![tape; l],
        }
    }

    /// Replays a schedule: total forward cost and peak bytes of checkpoints and tapes;
    /// panics on a malformed schedule.
    fn replay(chain: &Chain, actions: &[Action]) -> (f64, u64) {
        let (mut pos, mut cost, mut held, mut peak) = (0usize, 0.0, 0u64, 0u64);
        let mut stack: Vec<(bool, usize, u64)> = Vec::new();
        let mut stored = vec![false; chain.cost.len() + 1];
        let mut next = chain.cost.len();
        for a in actions {
            match *a {
                Action::Store(b) => {
                    let b = b as usize;
                    assert_eq!(b, pos);
                    stored[b] = true;
                    stack.push((false, b, chain.checkpoint[b]));
                    held += chain.checkpoint[b];
                }
                Action::Restore(b) => {
                    assert!(stored[b as usize]);
                    pos = b as usize;
                }
                Action::Free(b) => {
                    let (tape, c, n) = stack.pop().unwrap();
                    assert!(!tape && c == b as usize);
                    stored[c] = false;
                    held -= n;
                }
                Action::Advance(b) => {
                    let b = b as usize;
                    assert!(b > pos);
                    cost += chain.cost[pos..b].iter().sum::<f64>();
                    pos = b;
                }
                Action::Record(j) => {
                    let j = j as usize;
                    assert_eq!(j, pos);
                    cost += chain.cost[j];
                    stack.push((true, j, chain.tape[j]));
                    held += chain.tape[j];
                    pos = j + 1;
                }
                Action::Reverse(j) => {
                    let (tape, c, n) = stack.pop().unwrap();
                    assert!(tape && c == j as usize && c + 1 == next);
                    next = c;
                    held -= n;
                }
            }
            peak = peak.max(held);
        }
        assert_eq!(next, 0);
        assert!(stack.is_empty());
        (cost, peak)
    }

    #[test]
    fn uniform_chains_reach_the_binomial_optimum() {
        // With tapes as small as a checkpoint, s checkpoints plus one tape is the memory
        // of revolve(s); the program must find the binomial optimum, no worse.
        for l in 1..30usize {
            for s in 1..6u64 {
                let chain = uniform(l, 8);
                let (_, revolve_peak) = replay(&chain, &revolve(l as u32, s as u32));
                let (actions, cost) = optimal_schedule(&chain, revolve_peak).unwrap();
                let (replayed, peak) = replay(&chain, &actions);
                assert_eq!(replayed, cost);
                assert!(peak <= revolve_peak, "l {l} s {s}");
                let extra = cost - l as f64;
                assert!(
                    extra <= binomial_optimum(l as u64, s) as f64,
                    "l {l} s {s}: {extra} > {}",
                    binomial_optimum(l as u64, s)
                );
            }
        }
    }

    #[test]
    fn ample_memory_records_everything_once() {
        let chain = uniform(10, 24);
        let (actions, cost) = optimal_schedule(&chain, 8 + 10 * 24).unwrap();
        assert_eq!(cost, 10.0);
        assert_eq!(replay(&chain, &actions).1, 8 + 10 * 24);
    }

    #[test]
    fn too_little_memory_is_none() {
        let chain = uniform(4, 24);
        assert!(optimal_schedule(&chain, 8 + 23).is_none());
        assert!(optimal_schedule(&chain, 7).is_none());
        assert!(optimal_schedule(&chain, 8 + 24).is_some());
    }

    #[test]
    fn heterogeneous_chains_prefer_cheap_checkpoints() {
        // A wide boundary in the middle (checkpoint 800 B) and narrow ones elsewhere: the
        // schedule must fit and do no worse than any revolve schedule that fits.
        let mut chain = uniform(12, 16);
        chain.checkpoint[6] = 800;
        chain.cost[3] = 10.0;
        for bytes in [40u64, 64, 100, 200, 1000] {
            let Some((actions, cost)) = optimal_schedule(&chain, bytes) else {
                continue;
            };
            let (replayed, peak) = replay(&chain, &actions);
            assert_eq!(replayed, cost);
            assert!(peak <= bytes);
            for s in 1..12u32 {
                let (c, p) = replay(&chain, &revolve(12, s));
                if p <= bytes {
                    assert!(cost <= c, "bytes {bytes}: {cost} > revolve({s}) {c}");
                }
            }
        }
    }

    #[test]
    fn large_budgets_stay_within_the_memory_levels() {
        // 48 tapes of 1 MiB: rounding to 1/512 of the budget costs at most a unit each,
        // so 48 MiB of tapes fit a budget 48/512 above it.
        let chain = uniform(48, 1 << 20);
        let (actions, cost) = optimal_schedule(&chain, 53 << 20).unwrap();
        assert_eq!(cost, 48.0);
        assert!(replay(&chain, &actions).1 <= 53 << 20);
        let (actions, _) = optimal_schedule(&chain, 9 << 20).unwrap();
        assert!(replay(&chain, &actions).1 <= 9 << 20);
    }
}
