//! `Budget(bytes)`: the plan with the least recomputation whose peak fits.
//!
//! Two searches, and the better of them wins. The families: store-all, binomial
//! schedules for every snapshot count on a geometric ladder (1, 2, 3, 4, 6, 8, 12, ...
//! up to the segment count), periodic schedules on the same ladder, and recompute-all,
//! all over the trace's narrow-point segmentation; they are optimal or near it when
//! segments are alike (a time-stepping chain). And the dynamic program of
//! [`crate::optimal`] over the same segmentation coarsened to at most
//! [`MAX_SEGMENTS`] segments, which prices every segment's own cost, tape and
//! checkpoint width, so it wins where segments differ (layers, wide middles, sums).
//! Each candidate's peak is predicted exactly by simulation (the same walk the
//! interpreter measures), so the chosen plan never exceeds the budget. If none fits,
//! the error names the smallest peak among them.

use crate::optimal::{optimal_schedule, Chain, MAX_SEGMENTS};
use crate::plan::{finish, tapes, Plan};
use crate::schedule::{self, Action};
use crate::{plan::NARROW_RADIUS, CostModel, RematError, Strategy, Trace, VALUE_BYTES};

/// 1, 2, 3, 4, 6, 8, 12, 16, ... up to `max` (included).
pub fn ladder(max: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut x = 1u32;
    while x < max {
        out.push(x);
        let half = x / 2;
        if half > 0 && x + half < max && (x & (x - 1)) == 0 && x >= 2 {
            out.push(x + half);
        }
        x = x.saturating_mul(2);
    }
    out.push(max.max(1));
    out.sort_unstable();
    out.dedup();
    out
}

/// Every candidate strategy of a budget search or a Pareto sweep over `trace`.
pub fn candidates(trace: &Trace) -> Vec<Strategy> {
    let l = schedule::narrow_boundaries(trace, NARROW_RADIUS)
        .len()
        .saturating_sub(1) as u32;
    let mut out = vec![Strategy::StoreAll];
    out.extend(ladder(l).into_iter().map(Strategy::Revolve));
    out.extend(
        ladder(l)
            .into_iter()
            .filter(|&k| k > 1)
            .map(Strategy::Periodic),
    );
    out.push(Strategy::RecomputeAll);
    out
}

/// Builds each candidate's plan (see [`candidates`]).
pub fn candidate_plans(trace: &Trace, costs: &CostModel) -> Result<Vec<Plan>, RematError> {
    let natural = schedule::narrow_boundaries(trace, NARROW_RADIUS);
    let l = natural.len().saturating_sub(1) as u32;
    candidates(trace)
        .into_iter()
        .map(|s| {
            let (b, a): (Vec<u32>, Vec<Action>) = match s {
                Strategy::Revolve(k) => (natural.clone(), schedule::revolve(l, k)),
                Strategy::Periodic(k) => (natural.clone(), schedule::periodic(l, k)),
                Strategy::RecomputeAll => (natural.clone(), schedule::recompute_all(l)),
                _ => return crate::plan_checkpoints(trace, s, costs),
            };
            finish(trace, s, s, b, a, costs)
        })
        .collect()
}

/// The plan with the least recomputation cost whose predicted peak is at most `bytes`
/// (ties: the smaller peak).
pub(crate) fn plan_for_budget(
    trace: &Trace,
    bytes: u64,
    costs: &CostModel,
) -> Result<Plan, RematError> {
    let mut plans = candidate_plans(trace, costs)?;
    if let Some(p) = optimal_plan(trace, bytes, costs)? {
        plans.push(p);
    }
    let smallest = plans
        .iter()
        .map(|p| p.prediction().peak_bytes)
        .min()
        .unwrap_or(0);
    let best = plans
        .into_iter()
        .filter(|p| p.prediction().peak_bytes <= bytes)
        .min_by(|a, b| {
            let (pa, pb) = (a.prediction(), b.prediction());
            pa.recompute_cost
                .total_cmp(&pb.recompute_cost)
                .then(pa.peak_bytes.cmp(&pb.peak_bytes))
        });
    match best {
        Some(p) => {
            let chosen = p.chosen();
            finish(
                trace,
                Strategy::Budget(bytes),
                chosen,
                p.boundaries().to_vec(),
                p.actions().to_vec(),
                costs,
            )
        }
        None => Err(RematError::BudgetTooSmall {
            budget: bytes,
            smallest,
        }),
    }
}

/// The dynamic program's plan for `bytes` over the coarsened narrow-point
/// segmentation, if one fits.
pub(crate) fn optimal_plan(
    trace: &Trace,
    bytes: u64,
    costs: &CostModel,
) -> Result<Option<Plan>, RematError> {
    let natural = schedule::narrow_boundaries(trace, NARROW_RADIUS);
    if natural.len() < 2 {
        return Ok(None);
    }
    let b = schedule::coarsen(trace, &natural, MAX_SEGMENTS);
    let base = (trace.slot_count() as u64 + trace.adjoint_count() as u64) * VALUE_BYTES;
    let Some(avail) = bytes.checked_sub(base) else {
        return Ok(None);
    };
    let widths = trace.widths();
    let steps = trace.steps();
    let chain = Chain {
        cost: b
            .windows(2)
            .map(|w| {
                steps[w[0] as usize..w[1] as usize]
                    .iter()
                    .map(|s| costs.cost(s.op))
                    .sum()
            })
            .collect(),
        checkpoint: b[..b.len() - 1]
            .iter()
            .map(|&x| widths[x as usize] as u64 * VALUE_BYTES)
            .collect(),
        tape: tapes(trace, &b)
            .iter()
            .map(|t| t.len() as u64 * VALUE_BYTES)
            .collect(),
    };
    let Some((actions, _)) = optimal_schedule(&chain, avail) else {
        return Ok(None);
    };
    let strategy = Strategy::Budget(bytes);
    finish(trace, strategy, strategy, b, actions, costs).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_is_geometric_and_ends_at_max() {
        assert_eq!(ladder(1), vec![1]);
        assert_eq!(ladder(20), vec![1, 2, 3, 4, 6, 8, 12, 16, 20]);
    }
}
