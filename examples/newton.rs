//! Newton's method with adgraph's second derivatives: minimizes the Rosenbrock function
//! from the classic start `(-1.2, 1, ...)` by solving `H step = -grad` at each iterate,
//! the gradient from one reverse sweep and the Hessian from its symbolic graph (built
//! forward over reverse, compiled once, evaluated per iterate). Prints the iterates and
//! the quadratic convergence to the minimum `(1, 1)` (for N >= 4 the same start leads
//! Newton to the extended function's other, local, minimum: it says so).
//!
//! Run: `cargo run --example newton [N]` (N: the number of variables, default 2).

use adgraph::diff::hessian_function;
use adgraph::exec::ReversePlan;
use adgraph::remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph::Program;
use std::error::Error;
use std::fmt::Write as _;

type Res<T> = Result<T, Box<dyn Error>>;

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

/// Reads the optional arguments, runs, prints.
fn try_main() -> Res<()> {
    let n = match std::env::args().nth(1) {
        Some(a) => a
            .parse::<usize>()
            .map_err(|e| format!("N must be a whole number >= 2 ({a:?}: {e})"))?,
        None => 2,
    };
    let mut out = String::new();
    let x = run(n, &mut out)?;
    print!("{out}");
    if x.iter().all(|v| (v - 1.0).abs() < 1e-10) {
        println!("converged to the global minimum (1, ..., 1): {x:?}");
    } else {
        // Newton finds stationary points: for N >= 4 the start leads to a local minimum.
        println!("converged to a stationary point that is not the global minimum: {x:?}");
    }
    Ok(())
}

/// Solves `a x = b` (`a` row-major, `n x n`) by Gaussian elimination with partial
/// pivoting; an error if `a` is singular.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Res<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| a[i * n + c].abs().total_cmp(&a[j * n + c].abs()))
            .unwrap_or(c);
        if a[p * n + c] == 0.0 || !a[p * n + c].is_finite() {
            return Err("the Hessian is singular at this iterate".into());
        }
        for k in 0..n {
            a.swap(c * n + k, p * n + k);
        }
        b.swap(c, p);
        for r in c + 1..n {
            let m = a[r * n + c] / a[c * n + c];
            for k in c..n {
                a[r * n + k] -= m * a[c * n + k];
            }
            b[r] -= m * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r * n + k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r * n + r];
    }
    Ok(x)
}

/// Minimizes Rosenbrock of `n` variables by Newton's method; returns the minimum.
fn run(n: usize, out: &mut String) -> Res<Vec<f64>> {
    let w = adgraph::workloads::rosenbrock(n);
    let n = w.point.len();
    // The gradient: reverse mode over the function's trace.
    let trace = Trace::from_function(&w.graph, &w.function)?;
    let plan = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default())?;
    let reverse = ReversePlan::new(&trace, &plan)?;
    // The Hessian: a function of its own, n*n outputs, compiled once.
    let mut g = w.graph.clone();
    let h = hessian_function(&mut g, &w.function, None)?;
    let hess = Program::compile(&g, &h)?;
    writeln!(
        out,
        "Newton on {} from {:?}: Hessian graph of {} instructions",
        w.name,
        w.point,
        hess.instruction_count()
    )?;
    writeln!(
        out,
        "{:>4}  {:>24}  {:>10}  {:>10}",
        "k", "f", "|grad|", "|x - 1|"
    )?;
    let mut x = w.point.clone();
    for k in 0..50 {
        let r = reverse.grad(&x, 0)?;
        let gnorm = r.adjoints.iter().map(|v| v * v).sum::<f64>().sqrt();
        let dist = x.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max);
        writeln!(
            out,
            "{k:>4}  {:>24.17e}  {gnorm:>10.3e}  {dist:>10.3e}",
            r.outputs[0]
        )?;
        if gnorm < 1e-13 {
            return Ok(x);
        }
        let neg: Vec<f64> = r.adjoints.iter().map(|v| -v).collect();
        let step = solve(hess.eval(&x)?, neg)?;
        for (xi, s) in x.iter_mut().zip(&step) {
            *xi += s;
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(format!("Newton diverged at iteration {k}").into());
        }
    }
    debug_assert_eq!(x.len(), n);
    Err("Newton did not converge in 50 iterations".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converges_to_one_one() {
        let mut out = String::new();
        let x = run(2, &mut out).unwrap();
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-10), "{x:?}\n{out}");
        // Quadratic convergence: few iterations.
        assert!(out.lines().count() < 2 + 12, "{out}");
    }

    #[test]
    fn the_solver_solves() {
        let a = vec![2.0, 1.0, 1.0, 3.0];
        let x = solve(a, vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-15 && (x[1] - 1.4).abs() < 1e-15);
        assert!(solve(vec![1.0, 2.0, 2.0, 4.0], vec![1.0, 1.0]).is_err());
    }
}
