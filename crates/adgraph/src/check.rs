//! The gradient checker: every derivative mode against every other and against
//! central finite differences, at one point.
//!
//! Modes compared, each giving the full Jacobian (outputs x inputs):
//! the forward interpreter (the reference), the reverse interpreter under each
//! checkpoint plan (store-all, recompute-all, periodic, revolve, a memory budget),
//! symbolic forward and symbolic reverse derivatives (graphs built in the same arena,
//! evaluated by the reference evaluator), the symbolic reverse derivatives compiled
//! and run as native code where that runs (x86-64 Unix), and central finite
//! differences with a step scaled to each input, `h = eps^(1/3) * max(1, |x|)`.
//!
//! The error of a value `a` against the reference `b` is `|a - b| / max(|a|, |b|, 1)`:
//! relative for large derivatives, absolute for small ones; 0 where both are the same
//! NaN class or the same infinity, infinite where only one is finite.

use crate::Error;
use adgraph_diff::Mode;
use adgraph_exec::{Program, ReversePlan};
use adgraph_ir::{evaluate, Function, Graph};
use adgraph_remat::{plan_checkpoints, CostModel, RematError, Strategy, Trace};
use std::fmt;

/// The Jacobian one mode gave.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeResult {
    /// The mode's name, e.g. `reverse interpreter (revolve:2)`.
    pub mode: String,
    /// `jacobian[k][i]`: d output k / d input i.
    pub jacobian: Vec<Vec<f64>>,
}

/// The worst disagreement found for one input.
#[derive(Clone, Debug, PartialEq)]
pub struct InputCheck {
    /// The input's name.
    pub input: String,
    /// The worst error of any automatic mode against the reference.
    pub worst_error: f64,
    /// The mode with that error (the reference itself when every mode agrees exactly).
    pub worst_mode: String,
    /// The output whose derivative disagreed most.
    pub worst_output: String,
    /// The worst error of finite differences against the reference.
    pub fd_error: f64,
}

/// What [`gradients`] found at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientCheck {
    /// Output names, in output order.
    pub outputs: Vec<String>,
    /// Input names, in input order.
    pub inputs: Vec<String>,
    /// The Jacobian of every mode; the first is the reference, the last finite
    /// differences.
    pub modes: Vec<ModeResult>,
    /// Per input, the worst disagreements.
    pub per_input: Vec<InputCheck>,
}

impl GradientCheck {
    /// The worst error of any automatic mode, over all inputs.
    pub fn worst_error(&self) -> f64 {
        self.per_input
            .iter()
            .map(|c| c.worst_error)
            .fold(0.0, f64::max)
    }

    /// The worst error of finite differences, over all inputs.
    pub fn worst_fd_error(&self) -> f64 {
        self.per_input
            .iter()
            .map(|c| c.fd_error)
            .fold(0.0, f64::max)
    }

    /// The reference Jacobian (forward interpreter).
    pub fn reference(&self) -> &[Vec<f64>] {
        &self.modes[0].jacobian
    }
}

impl fmt::Display for GradientCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} modes against the forward interpreter; error = |a-b| / max(|a|, |b|, 1)",
            self.modes.len() - 1
        )?;
        writeln!(f, "input  worst-ad-error  mode  output  fd-error")?;
        for c in &self.per_input {
            writeln!(
                f,
                "{}  {:.3e}  {}  {}  {:.3e}",
                c.input, c.worst_error, c.worst_mode, c.worst_output, c.fd_error
            )?;
        }
        Ok(())
    }
}

/// The error of `a` against the reference `b` (see the module docs).
pub fn error(a: f64, b: f64) -> f64 {
    if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) || a == b {
        return 0.0;
    }
    if !a.is_finite() || !b.is_finite() {
        return f64::INFINITY;
    }
    (a - b).abs() / a.abs().max(b.abs()).max(1.0)
}

/// The plans the reverse interpreter is checked under: every strategy, with a budget
/// halfway down from store-all's peak (or the smallest feasible one).
fn plans(trace: &Trace, cost: &CostModel) -> Result<Vec<adgraph_remat::Plan>, Error> {
    let store_all = plan_checkpoints(trace, Strategy::StoreAll, cost)?;
    let half = store_all.prediction().peak_bytes / 2;
    let budget = match plan_checkpoints(trace, Strategy::Budget(half), cost) {
        Ok(p) => p,
        Err(RematError::BudgetTooSmall { smallest, .. }) => {
            plan_checkpoints(trace, Strategy::Budget(smallest), cost)?
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = vec![store_all];
    for s in [
        Strategy::RecomputeAll,
        Strategy::Periodic(2),
        Strategy::Revolve(2),
    ] {
        out.push(plan_checkpoints(trace, s, cost)?);
    }
    out.push(budget);
    Ok(out)
}

/// Evaluates the symbolic Jacobian `ids` (rows of node ids) at `point`.
fn evaluate_rows(
    g: &Graph,
    f: &Function,
    ids: &[Vec<adgraph_ir::NodeId>],
    point: &[f64],
) -> Result<Vec<Vec<f64>>, Error> {
    let flat = evaluate(g, &jacobian_function(g, f, ids)?, point)?;
    Ok(rows(flat, f))
}

/// The function of `f`'s inputs whose outputs are the Jacobian entries `ids`, row by
/// row.
fn jacobian_function(
    g: &Graph,
    f: &Function,
    ids: &[Vec<adgraph_ir::NodeId>],
) -> Result<Function, Error> {
    let outputs = ids
        .concat()
        .into_iter()
        .enumerate()
        .map(|(k, id)| (format!("j{k}"), id))
        .collect();
    Ok(Function::new(g, f.inputs().to_vec(), outputs)?)
}

/// Jacobian entries, row by row, cut into rows of `f`'s input count.
fn rows(flat: Vec<f64>, f: &Function) -> Vec<Vec<f64>> {
    flat.chunks(f.inputs().len().max(1))
        .map(|r| r.to_vec())
        .collect()
}

/// The Jacobian rows of `ids` at `point` by the native code of their compiled program;
/// `None` where native code does not run.
fn native_rows(
    g: &Graph,
    f: &Function,
    ids: &[Vec<adgraph_ir::NodeId>],
    point: &[f64],
) -> Result<Option<Vec<Vec<f64>>>, Error> {
    let jf = jacobian_function(g, f, ids)?;
    let native = match Program::compile(g, &jf)?.native() {
        Ok(native) => native,
        Err(adgraph_exec::ExecError::Unsupported { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(rows(native.eval(point)?, f)))
}

/// The Jacobian of `program` at `point` by central differences, `[output][input]`:
/// input `i` moves by `h = scale * eps^(1/3) * max(|x_i|, 1)` each way, and the
/// difference is divided by the distance the two points really lie apart. `scale` 1
/// is the step [`gradients`] uses; comparing it with `scale` 0.5 tells whether the step
/// resolves the function (the error of a central difference shrinks as `h^2`).
///
/// ```
/// use adgraph::{check, parse, Program};
/// let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let fd = check::central_differences(&Program::compile(&g, &f)?, &[3.0, 4.0], 1.0)?;
/// assert!((fd[0][0] - 10.0).abs() < 1e-8 && (fd[0][1] - 3.0).abs() < 1e-8);
/// # Ok::<(), adgraph::Error>(())
/// ```
pub fn central_differences(
    program: &Program,
    point: &[f64],
    scale: f64,
) -> Result<Vec<Vec<f64>>, Error> {
    if point.len() != program.input_count() {
        // The program's own error for a point of the wrong length.
        program.eval(point)?;
    }
    let (n, m) = (point.len(), program.output_count());
    let mut fd = vec![vec![0.0; n]; m];
    let mut x = point.to_vec();
    for i in 0..n {
        let h = scale * f64::EPSILON.cbrt() * point[i].abs().max(1.0);
        x[i] = point[i] + h;
        let up = program.eval(&x)?;
        x[i] = point[i] - h;
        let down = program.eval(&x)?;
        x[i] = point[i];
        let step = (point[i] + h) - (point[i] - h);
        for k in 0..m {
            fd[k][i] = (up[k] - down[k]) / step;
        }
    }
    Ok(fd)
}

/// Compares every derivative mode and finite differences for `f` at `point`.
///
/// ```
/// use adgraph::{check, parse};
/// let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let report = check::gradients(&g, &f, &[3.0, 4.0])?;
/// assert_eq!(report.reference(), &[vec![10.0, 3.0]]);
/// assert_eq!(report.worst_error(), 0.0);
/// assert!(report.worst_fd_error() < 1e-8);
/// # Ok::<(), adgraph::Error>(())
/// ```
pub fn gradients(g: &Graph, f: &Function, point: &[f64]) -> Result<GradientCheck, Error> {
    let m = f.outputs().len();
    let program = Program::compile(g, f)?;
    let mut modes = Vec::new();

    // The reference: the forward interpreter, all directions.
    let j = program.jacobian(point)?;
    let reference: Vec<Vec<f64>> = (0..m).map(|k| j.row(k).to_vec()).collect();
    modes.push(ModeResult {
        mode: "forward interpreter".into(),
        jacobian: reference,
    });

    // The reverse interpreter under every plan, one sweep per output.
    let trace = Trace::from_function(g, f)?;
    let cost = CostModel::default();
    for plan in plans(&trace, &cost)? {
        let r = ReversePlan::new(&trace, &plan)?;
        let mut rows = Vec::with_capacity(m);
        for k in 0..m {
            rows.push(r.grad(point, k)?.adjoints);
        }
        modes.push(ModeResult {
            mode: format!("reverse interpreter ({})", plan.strategy()),
            jacobian: rows,
        });
    }

    // Symbolic forward and reverse, in a copy of the graph.
    for (mode, name) in [
        (Mode::Forward, "symbolic forward"),
        (Mode::Reverse, "symbolic reverse"),
    ] {
        let mut h = g.clone();
        let ids = adgraph_diff::jacobian(&mut h, f, mode)?;
        modes.push(ModeResult {
            mode: name.into(),
            jacobian: evaluate_rows(&h, f, &ids, point)?,
        });
        if mode == Mode::Reverse {
            if let Some(rows) = native_rows(&h, f, &ids, point)? {
                modes.push(ModeResult {
                    mode: "symbolic reverse, native code".into(),
                    jacobian: rows,
                });
            }
        }
    }

    // Central finite differences.
    let fd = central_differences(&program, point, 1.0)?;
    modes.push(ModeResult {
        mode: "finite differences".into(),
        jacobian: fd,
    });

    let outputs: Vec<String> = f.outputs().iter().map(|o| o.name.clone()).collect();
    let inputs: Vec<String> = f.input_names(g).iter().map(|s| s.to_string()).collect();
    let per_input = summarize(&modes, &inputs, &outputs);
    Ok(GradientCheck {
        outputs,
        inputs,
        modes,
        per_input,
    })
}

/// The worst disagreement per input: every mode between the first (the reference) and
/// the last (finite differences) against the reference, and finite differences apart.
fn summarize(modes: &[ModeResult], inputs: &[String], outputs: &[String]) -> Vec<InputCheck> {
    let last = modes.len() - 1;
    (0..inputs.len())
        .map(|i| {
            let mut c = InputCheck {
                input: inputs[i].clone(),
                worst_error: 0.0,
                worst_mode: modes[0].mode.clone(),
                worst_output: outputs.first().cloned().unwrap_or_default(),
                fd_error: 0.0,
            };
            for (k, output) in outputs.iter().enumerate() {
                let want = modes[0].jacobian[k][i];
                for mode in &modes[1..last] {
                    let e = error(mode.jacobian[k][i], want);
                    if e > c.worst_error {
                        c.worst_error = e;
                        c.worst_mode = mode.mode.clone();
                        c.worst_output = output.clone();
                    }
                }
                c.fd_error = c.fd_error.max(error(modes[last].jacobian[k][i], want));
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_measure() {
        assert_eq!(error(1.0, 1.0), 0.0);
        assert_eq!(error(f64::NAN, f64::NAN), 0.0);
        assert_eq!(error(f64::INFINITY, f64::INFINITY), 0.0);
        assert_eq!(error(f64::INFINITY, 1.0), f64::INFINITY);
        assert_eq!(error(f64::NAN, 1.0), f64::INFINITY);
        assert_eq!(error(1e-20, 0.0), 1e-20);
        assert!((error(101.0, 100.0) - 1.0 / 101.0).abs() < 1e-15);
    }

    #[test]
    fn a_wrong_mode_is_named() {
        let w = adgraph_workloads::rosenbrock(4);
        let mut r = gradients(&w.graph, &w.function, &w.point).unwrap();
        assert!(r.worst_error() < 1e-12, "{r}");
        assert!(r.worst_fd_error() < 1e-6, "{r}");
        // Corrupt one mode's entry: the summary names that mode, input and output.
        r.modes[3].jacobian[0][2] += 1.0;
        let per_input = summarize(&r.modes, &r.inputs, &r.outputs);
        assert_eq!(per_input[2].worst_mode, r.modes[3].mode);
        assert_eq!(per_input[2].worst_output, "f");
        assert!(per_input[2].worst_error > 1e-3);
        assert_eq!(per_input[1].worst_error, r.per_input[1].worst_error);
    }

    #[test]
    fn every_workload_agrees() {
        for w in adgraph_workloads::small() {
            let r = gradients(&w.graph, &w.function, &w.point).unwrap();
            let native = usize::from(cfg!(all(target_arch = "x86_64", unix)));
            assert_eq!(r.modes.len(), 1 + 5 + 2 + native + 1);
            assert!(r.worst_error() < 1e-12, "{}: {r}", w.name);
            assert!(r.worst_fd_error() < 1e-5, "{}: {r}", w.name);
        }
    }
}
