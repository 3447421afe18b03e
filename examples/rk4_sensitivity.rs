//! Sensitivity analysis of an ODE solution under a memory budget: the Van der Pol
//! oscillator integrated by RK4 (a deep chain of steps), and the gradient of the final
//! position `x` with respect to the start `x0, y0` and the parameter `mu`. Reverse mode
//! must remember the chain's values; a checkpoint plan keeps fewer and recomputes the
//! rest. For budgets from store-all's peak down to the smallest feasible one, prints
//! the plan chosen, its predicted against measured peak bytes and recomputation, and
//! checks the gradient against store-all's and against central finite differences.
//!
//! Run: `cargo run --example rk4_sensitivity [STEPS]` (default 200 RK4 steps).

use adgraph::exec::ReversePlan;
use adgraph::remat::{format_bytes, plan_checkpoints, CostModel, Strategy, Trace};
use adgraph::Program;
use std::error::Error;
use std::fmt::Write as _;

type Res<T> = Result<T, Box<dyn Error>>;

/// One budget's run, for the tests.
#[cfg_attr(not(test), allow(dead_code))]
struct Row {
    budget: u64,
    predicted_peak: u64,
    measured_peak: u64,
    predicted_recomputed: u64,
    measured_recomputed: u64,
    gradient: Vec<f64>,
}

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

/// Reads the optional arguments, runs, prints.
fn try_main() -> Res<()> {
    let steps = match std::env::args().nth(1) {
        Some(a) => a
            .parse::<usize>()
            .map_err(|e| format!("STEPS must be a whole number ({a:?}: {e})"))?,
        None => 200,
    };
    let mut out = String::new();
    run(steps, &mut out)?;
    print!("{out}");
    Ok(())
}

/// Runs the analysis for `steps` RK4 steps; returns one row per budget (store-all's
/// row first) and the finite-difference gradient.
fn run(steps: usize, out: &mut String) -> Res<(Vec<Row>, Vec<f64>)> {
    let w = adgraph::workloads::van_der_pol(steps);
    let trace = Trace::from_function(&w.graph, &w.function)?;
    let costs = CostModel::default();
    let all = plan_checkpoints(&trace, Strategy::StoreAll, &costs)?;
    let least = plan_checkpoints(&trace, Strategy::RecomputeAll, &costs)?;
    let (top, bottom) = (all.prediction().peak_bytes, least.prediction().peak_bytes);
    writeln!(
        out,
        "{}: {} instructions; d x(T) / d (x0, y0, mu) at {:?}",
        w.name,
        trace.steps().len(),
        w.point
    )?;
    writeln!(
        out,
        "store-all holds {}, recompute-all {}\n",
        format_bytes(top),
        format_bytes(bottom)
    )?;
    writeln!(
        out,
        "{:>10}  {:<14} {:>10} {:>10}  {:>10} {:>10}  {:>6}",
        "budget", "plan chosen", "peak pred", "measured", "recomp pred", "measured", "checkp"
    )?;
    // Budgets: store-all's peak, then geometric steps down to recompute-all's.
    let mut budgets = vec![top];
    for k in 1..=4 {
        let b = (top as f64 * (bottom as f64 / top as f64).powf(k as f64 / 4.0)).ceil() as u64;
        if budgets.last() != Some(&b) {
            budgets.push(b);
        }
    }
    let mut rows = Vec::new();
    for budget in budgets {
        let plan = plan_checkpoints(&trace, Strategy::Budget(budget), &costs)?;
        let r = ReversePlan::new(&trace, &plan)?.grad(&w.point, 0)?;
        let p = plan.prediction();
        writeln!(
            out,
            "{:>10}  {:<14} {:>10} {:>10}  {:>10} {:>10}  {:>6}",
            format_bytes(budget),
            plan.chosen().to_string(),
            p.peak_bytes,
            r.stats.peak_bytes,
            p.recomputed_ops,
            r.stats.recomputed_ops,
            p.max_checkpoints
        )?;
        rows.push(Row {
            budget,
            predicted_peak: p.peak_bytes,
            measured_peak: r.stats.peak_bytes,
            predicted_recomputed: p.recomputed_ops,
            measured_recomputed: r.stats.recomputed_ops,
            gradient: r.adjoints,
        });
    }
    // Central differences of the compiled function, a check independent of AD.
    let prog = Program::compile(&w.graph, &w.function)?;
    let h = 1e-6;
    let mut fd = Vec::new();
    for k in 0..w.point.len() {
        let (mut up, mut down) = (w.point.clone(), w.point.clone());
        up[k] += h;
        down[k] -= h;
        fd.push((prog.eval(&up)?[0] - prog.eval(&down)?[0]) / (2.0 * h));
    }
    let g0 = &rows[0].gradient;
    writeln!(
        out,
        "\ngradient (every plan gives the same bits: {})",
        rows.iter().all(|r| &r.gradient == g0)
    )?;
    for (k, name) in trace.input_names().iter().enumerate() {
        writeln!(
            out,
            "  d x / d {name:<3} = {:>22.15e}   central difference {:>22.15e}",
            g0[k], fd[k]
        )?;
    }
    Ok((rows, fd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_respected_and_predicted() {
        let mut out = String::new();
        let (rows, fd) = run(20, &mut out).unwrap();
        assert!(rows.len() >= 3, "{out}");
        for r in &rows {
            assert!(r.measured_peak <= r.budget, "{out}");
            assert_eq!(r.measured_peak, r.predicted_peak, "{out}");
            assert_eq!(r.measured_recomputed, r.predicted_recomputed, "{out}");
            assert_eq!(r.gradient, rows[0].gradient, "{out}");
        }
        // Less memory costs recomputation: the tightest budget recomputes.
        let last = rows.last().unwrap();
        assert!(last.measured_peak < rows[0].measured_peak, "{out}");
        assert!(
            last.measured_recomputed > 0 && rows[0].measured_recomputed == 0,
            "{out}"
        );
        for (a, b) in rows[0].gradient.iter().zip(&fd) {
            assert!(
                (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                "{a} vs {b}\n{out}"
            );
        }
    }
}
