//! Schedules: the sequence of actions a reverse sweep performs, per strategy.
//!
//! The program is cut into segments at boundaries (instruction positions). A schedule
//! is a flat list of [`Action`]s over those segments: run forward (without or with
//! keeping what the backward sweep needs), store, restore and free checkpoints, and
//! sweep a segment backward. Checkpoints and tapes are always released in the reverse
//! order of their creation (a stack), which lets the interpreter hold them on
//! one stack. Every generator here is a loop over an explicit work stack:
//! no recursion whose depth follows the program or the snapshot count.

use crate::Trace;

/// One action of a schedule. Boundaries and segments are indices into the plan's
/// segment list: boundary `b` is the start of segment `b` (boundary `L` is the end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Copies the values live across boundary `b` into a new checkpoint (the working
    /// state must be at `b`).
    Store(u32),
    /// Makes the working state the one stored at boundary `b`.
    Restore(u32),
    /// Releases the checkpoint at boundary `b` (the most recently created object).
    Free(u32),
    /// Runs forward from the current boundary to boundary `b`, keeping nothing.
    Advance(u32),
    /// Runs segment `j` forward (the working state must be at `j`), keeping on a new
    /// tape the values its backward sweep needs.
    Record(u32),
    /// Sweeps segment `j` backward from its tape, then releases the tape.
    Reverse(u32),
}

/// The narrow points of `trace`: boundaries whose width (values live across) is no
/// larger than any other boundary within `radius` instructions either side. Returns
/// segment starts, beginning with 0 and ending with `steps().len()`.
///
/// On a chain of equal steps these are the step boundaries; on a chain of one-op
/// steps, every boundary.
pub fn narrow_boundaries(trace: &Trace, radius: usize) -> Vec<u32> {
    let n = trace.steps().len();
    let w = trace.widths();
    let mut cuts = vec![0u32];
    for b in 1..n {
        let lo = b.saturating_sub(radius).max(1);
        let hi = (b + radius).min(n - 1);
        if (lo..=hi).all(|c| w[b] <= w[c]) {
            cuts.push(b as u32);
        }
    }
    if n > 0 {
        cuts.push(n as u32);
    }
    cuts
}

/// At most `count` segments: keeps about every `len / count`-th boundary of `cuts`,
/// preferring the narrowest one in each window.
pub fn coarsen(trace: &Trace, cuts: &[u32], count: usize) -> Vec<u32> {
    let segments = cuts.len().saturating_sub(1);
    if segments <= count.max(1) {
        return cuts.to_vec();
    }
    let w = trace.widths();
    let count = count.max(1);
    let mut out = vec![cuts[0]];
    for k in 1..count {
        // Window of candidate cut indices around the ideal position k * segments / count.
        let lo = (k * segments)
            .div_ceil(count)
            .saturating_sub(segments / (2 * count));
        let hi = (k * segments / count + segments / (2 * count)).min(segments - 1);
        let last = *out.last().unwrap_or(&0);
        let best = (lo.max(1)..=hi.max(lo.max(1)))
            .filter(|&i| cuts[i] > last)
            .min_by_key(|&i| (w[cuts[i] as usize], i.abs_diff(k * segments / count)));
        if let Some(i) = best {
            out.push(cuts[i]);
        }
    }
    out.push(cuts[segments]);
    out
}

/// Binomial coefficient `C(n, k)`, saturating at `u64::MAX`.
pub fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut acc: u128 = 1;
    for i in 0..k {
        acc = acc * (n - i) as u128 / (i + 1) as u128;
        if acc > u64::MAX as u128 {
            return u64::MAX;
        }
    }
    acc as u64
}

/// The smallest `r` with `C(s + r, s) >= l`: how often, at most, a step is advanced.
pub fn repetitions(l: u64, s: u64) -> u64 {
    let mut r = 0;
    while binomial(s + r, s) < l {
        r += 1;
    }
    r
}

/// The Griewank-Walther optimum: the fewest forward steps (beyond recording each step
/// once) that reverse a chain of `l` equal steps with `s >= 1` snapshots,
/// `t(l, s) = r l - C(s + r, s + 1)` with `r = repetitions(l, s)`.
///
/// ```
/// use adgraph_remat::binomial_optimum;
/// assert_eq!(binomial_optimum(2, 1), 1);
/// assert_eq!(binomial_optimum(10, 1), 45); // one snapshot: l(l-1)/2
/// assert_eq!(binomial_optimum(10, 9), 9);  // enough snapshots: l - 1
/// ```
pub fn binomial_optimum(l: u64, s: u64) -> u64 {
    if l <= 1 || s == 0 {
        return 0;
    }
    let r = repetitions(l, s);
    r * l - binomial(s + r, s + 1)
}

/// Where to place the next snapshot when reversing `m >= 2` steps with `s >= 2`
/// snapshots (the one at the start included): an offset `k` in `1..m` at which
/// `k + t(m - k, s - 1) + t(k, s) = t(m, s)`. With `r = repetitions(m, s)`, every `k`
/// in `[max(m - C(s-1+r, s-1), C(s+r-2, s)), min(C(s+r-1, s), m - C(s+r-2, s-1))]`
/// is optimal (checked against the recurrence in the tests).
fn binomial_split(m: u64, s: u64) -> u64 {
    let r = repetitions(m, s);
    let beta = |s: u64, r: i64| if r < 0 { 0 } else { binomial(s + r as u64, s) };
    let r = r as i64;
    let hi = (m - 1)
        .min(beta(s, r - 1))
        .min(m.saturating_sub(beta(s - 1, r - 1)));
    hi.max(1)
}

/// Everything kept: record every segment, then sweep them all backward.
pub fn store_all(segments: u32) -> Vec<Action> {
    let mut a = vec![Action::Store(0)];
    a.extend((0..segments).map(Action::Record));
    a.extend((0..segments).rev().map(Action::Reverse));
    a.push(Action::Free(0));
    a
}

/// Only the inputs kept: for each segment from the last, run forward from the start
/// to it, record it, sweep it backward.
pub fn recompute_all(segments: u32) -> Vec<Action> {
    let mut a = vec![Action::Store(0)];
    for j in (0..segments).rev() {
        a.push(Action::Restore(0));
        if j > 0 {
            a.push(Action::Advance(j));
        }
        a.push(Action::Record(j));
        a.push(Action::Reverse(j));
    }
    a.push(Action::Free(0));
    a
}

/// A checkpoint every `k` segments; each block of `k` is recorded whole when its turn
/// comes in the backward sweep.
pub fn periodic(segments: u32, k: u32) -> Vec<Action> {
    let k = k.max(1);
    let starts: Vec<u32> = (0..segments).step_by(k as usize).collect();
    let mut a = Vec::new();
    for (i, &b) in starts.iter().enumerate() {
        if i + 1 < starts.len() {
            a.push(Action::Store(b));
            a.push(Action::Advance(starts[i + 1]));
        }
    }
    for (i, &b) in starts.iter().enumerate().rev() {
        let end = (b + k).min(segments);
        if i + 1 < starts.len() {
            a.push(Action::Restore(b));
        }
        a.extend((b..end).map(Action::Record));
        a.extend((b..end).rev().map(Action::Reverse));
        if i + 1 < starts.len() {
            a.push(Action::Free(b));
        }
    }
    a
}

/// Binomial checkpointing (Griewank-Walther) over `segments` with `snapshots >= 1`
/// checkpoints held at most (the one at the start included): the fewest recomputed
/// segment executions possible, `binomial_optimum(segments, snapshots)`.
pub fn revolve(segments: u32, snapshots: u32) -> Vec<Action> {
    enum Task {
        Reverse { from: u32, to: u32, snapshots: u32 },
        Free(u32),
    }
    let mut a = vec![Action::Store(0)];
    let mut pos = 0u32;
    let mut stack = vec![Task::Reverse {
        from: 0,
        to: segments,
        snapshots: snapshots.max(1),
    }];
    while let Some(task) = stack.pop() {
        let (from, to, s) = match task {
            Task::Free(b) => {
                a.push(Action::Free(b));
                continue;
            }
            Task::Reverse {
                from,
                to,
                snapshots,
            } => (from, to, snapshots),
        };
        if to <= from {
            continue;
        }
        if to - from == 1 || s == 1 {
            for j in (from..to).rev() {
                if pos != from {
                    a.push(Action::Restore(from));
                }
                if j > from {
                    a.push(Action::Advance(j));
                }
                a.push(Action::Record(j));
                a.push(Action::Reverse(j));
                pos = j + 1;
            }
            continue;
        }
        let k = binomial_split((to - from) as u64, s as u64) as u32;
        if pos != from {
            a.push(Action::Restore(from));
        }
        a.push(Action::Advance(from + k));
        a.push(Action::Store(from + k));
        pos = from + k;
        stack.push(Task::Reverse {
            from,
            to: from + k,
            snapshots: s,
        });
        stack.push(Task::Free(from + k));
        stack.push(Task::Reverse {
            from: from + k,
            to,
            snapshots: s - 1,
        });
    }
    a.push(Action::Free(0));
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recurrence t(m, s) = min_k k + t(m-k, s-1) + t(k, s), by dynamic programming.
    fn recurrence(max_m: usize, max_s: usize) -> Vec<Vec<u64>> {
        let mut t = vec![vec![0u64; max_s + 1]; max_m + 1];
        for m in 1..=max_m {
            t[m][1] = (m * (m - 1) / 2) as u64;
            for s in 2..=max_s {
                t[m][s] = if m == 1 {
                    0
                } else {
                    (1..m)
                        .map(|k| k as u64 + t[m - k][s - 1] + t[k][s])
                        .min()
                        .unwrap_or(0)
                };
            }
        }
        t
    }

    #[test]
    fn closed_form_and_split_agree_with_the_recurrence() {
        let t = recurrence(150, 8);
        for m in 1..=150u64 {
            for s in 1..=8u64 {
                assert_eq!(
                    binomial_optimum(m, s),
                    t[m as usize][s as usize],
                    "m {m} s {s}"
                );
                if m >= 2 && s >= 2 {
                    let k = binomial_split(m, s);
                    assert!(k >= 1 && k < m);
                    let cost =
                        k + t[(m - k) as usize][(s - 1) as usize] + t[k as usize][s as usize];
                    assert_eq!(cost, t[m as usize][s as usize], "split m {m} s {s} k {k}");
                }
            }
        }
    }

    #[test]
    fn binomials() {
        assert_eq!(binomial(5, 2), 10);
        assert_eq!(binomial(2, 5), 0);
        assert_eq!(binomial(200, 100), u64::MAX);
        assert_eq!(repetitions(1, 3), 0);
        assert_eq!(repetitions(20000, 20), 5);
    }

    fn advances(actions: &[Action], boundaries: &[u32]) -> u64 {
        // Count segment executions beyond one record per segment.
        let mut pos = 0u32;
        let mut n = 0u64;
        for a in actions {
            match *a {
                Action::Restore(b) => pos = b,
                Action::Advance(b) => {
                    n += (b - pos) as u64;
                    pos = b;
                }
                Action::Record(j) => pos = j + 1,
                _ => {}
            }
        }
        let _ = boundaries;
        n
    }

    #[test]
    fn revolve_schedules_reach_the_optimum() {
        for l in 1..60u32 {
            for s in 1..7u32 {
                let a = revolve(l, s);
                assert_eq!(advances(&a, &[]), binomial_optimum(l as u64, s as u64));
                let held = a.iter().fold((0i32, 0i32), |(h, m), x| match x {
                    Action::Store(_) => (h + 1, m.max(h + 1)),
                    Action::Free(_) => (h - 1, m),
                    _ => (h, m),
                });
                assert!(held.1 <= s as i32 && held.0 == 0);
            }
        }
    }
}
