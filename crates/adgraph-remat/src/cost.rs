//! The cost model: what an instruction costs to (re)compute, and what a value weighs.
//!
//! Plans are compared by two numbers: peak bytes and recomputation cost. Bytes are
//! exact ([`VALUE_BYTES`](crate::VALUE_BYTES) per value per point). Cost is a sum of
//! per-op costs in nanoseconds per point: the defaults below were measured on the
//! development machine with [`CostModel::measure`] (each op's `Op::eval` over a lane
//! of 4096 values, median of several runs) and rounded; call `measure` to fit your own
//! machine, or set any op's cost with [`CostModel::set`].

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
            (Neg, 0.3),
            (Add, 0.3),
            (Sub, 0.3),
            (Mul, 0.3),
            (Div, 1.0),
            (Exp, 3.0),
            (Log, 3.0),
            (Sqrt, 1.5),
            (Sin, 4.0),
            (Cos, 4.0),
            (Tan, 6.0),
            (Tanh, 5.0),
            (Abs, 0.3),
            (Sigmoid, 4.0),
            (PowI, 0.8),
            (Pow, 12.0),
            (Min, 0.5),
            (Max, 0.5),
            (Atan2, 10.0),
            (Lt, 0.3),
            (Le, 0.3),
            (Gt, 0.3),
            (Ge, 0.3),
            (Eq, 0.3),
            (Ne, 0.3),
            (Select, 0.5),
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
