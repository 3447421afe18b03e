//! The cost model: what an instruction costs to (re)compute, and what a value weighs.
//!
//! Plans are compared by two numbers: peak bytes and recomputation cost. Bytes are
//! exact ([`VALUE_BYTES`](crate::VALUE_BYTES) per value per point). Cost is a sum of
//! per-op costs in nanoseconds per point: the defaults below were measured on the
//! development machine (2 shared x86_64 cores, under load) with
//! `CostModel::measure(25)` (each op's `Op::eval` over a lane of 4096 values, the
//! median of 25 runs; `cargo run --release -p adgraph-remat --example measure_costs`)
//! and rounded to 0.1 ns; the cheap ops are dominated by loop overhead there. Call
//! [`CostModel::measure`] to fit your own machine, or set any op's cost with
//! [`CostModel::set`].

use adgraph_ir::Op;
use std::time::Instant;

/// Per-op recomputation costs (nanoseconds per point and execution).
#[derive(Clone, Debug, PartialEq)]
pub struct CostModel {
    /// Cost per op, indexed by `op as usize`.
    costs: [f64; 28],
}

impl Default for CostModel {
    fn default() -> CostModel {
        let mut m = CostModel { costs: [1.0; 28] };
        use Op::*;
        for (op, c) in [
            (Input, 0.0),
            (Const, 0.0),
            (Neg, 2.2),
            (Add, 3.4),
            (Sub, 2.2),
            (Mul, 2.8),
            (Div, 3.1),
            (Exp, 7.1),
            (Log, 7.2),
            (Sqrt, 2.6),
            (Sin, 10.3),
            (Cos, 10.5),
            (Tan, 13.1),
            (Tanh, 17.0),
            (Abs, 3.4),
            (Sigmoid, 8.7),
            (PowI, 3.1),
            (Pow, 14.7),
            (Min, 2.1),
            (Max, 3.1),
            (Atan2, 29.5),
            (Lt, 3.1),
            (Le, 4.2),
            (Gt, 4.6),
            (Ge, 4.1),
            (Eq, 4.2),
            (Ne, 4.2),
            (Select, 1.9),
        ] {
            m.costs[op as usize] = c;
        }
        m
    }
}

impl CostModel {
    /// Every op costs 1: recomputation cost is then the number of recomputed ops.
    pub fn unit() -> CostModel {
        let mut m = CostModel { costs: [1.0; 28] };
        m.costs[Op::Input as usize] = 0.0;
        m.costs[Op::Const as usize] = 0.0;
        m
    }

    /// The cost of one execution of `op` at one point.
    #[inline]
    pub fn cost(&self, op: Op) -> f64 {
        self.costs[op as usize]
    }

    /// Sets the cost of `op` (negative or non-finite costs are taken as 0).
    pub fn set(&mut self, op: Op, cost: f64) {
        self.costs[op as usize] = if cost.is_finite() && cost > 0.0 {
            cost
        } else {
            0.0
        };
    }

    /// Measures every op on this machine: `Op::eval` over 4096 points in `[0.5, 1.5)`,
    /// the median of `rounds` timings, in nanoseconds per point. Takes about
    /// `rounds` milliseconds per op.
    pub fn measure(rounds: usize) -> CostModel {
        const N: usize = 4096;
        let a: Vec<f64> = (0..N).map(|i| 0.5 + (i as f64) / N as f64).collect();
        let b: Vec<f64> = a.iter().rev().copied().collect();
        let mut out = vec![0.0; N];
        let mut m = CostModel::default();
        for &op in Op::ALL {
            if matches!(op, Op::Input | Op::Const) {
                continue;
            }
            let mut times: Vec<f64> = (0..rounds.max(1))
                .map(|_| {
                    let start = Instant::now();
                    for k in 0..N {
                        out[k] = match op.arity() {
                            1 => op.eval1(a[k], 3),
                            2 => op.eval2(a[k], b[k]),
                            _ => adgraph_ir::op::select(a[k] - 1.0, a[k], b[k]),
                        };
                    }
                    std::hint::black_box(&mut out);
                    start.elapsed().as_nanos() as f64 / N as f64
                })
                .collect();
            times.sort_by(f64::total_cmp);
            m.set(op, times[times.len() / 2]);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcendental_ops_cost_more_than_adds() {
        let m = CostModel::default();
        assert!(m.cost(Op::Exp) > m.cost(Op::Add));
        assert_eq!(CostModel::unit().cost(Op::Pow), 1.0);
        let mut m = CostModel::unit();
        m.set(Op::Add, f64::NAN);
        assert_eq!(m.cost(Op::Add), 0.0);
        let measured = CostModel::measure(1);
        assert!(Op::ALL.iter().all(|&op| measured.cost(op) >= 0.0));
    }
}
