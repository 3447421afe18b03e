//! Derivative functions by name: what `adgraph diff` and `adgraph hessian` print.
//!
//! [`derivative_function`] turns a function into the function of its derivatives of
//! order N, built by composition: the Jacobian of the outputs, then the Jacobian of
//! those derivatives, N times. Its outputs are the original outputs first, then one
//! output per N-th derivative:
//!
//! - order 1: `d<out>_d<in>` for each output, then for each input in input order
//!   (the rows of the Jacobian, one after the other);
//! - order N: `d<out>_d<in1>_d<in2>..._d<inN>`, the derivative of
//!   `d<out>_d<in1>..._d<in(N-1)>` with respect to `inN`; outputs vary slowest, then
//!   `in1`, ..., `inN` fastest, each over the inputs in input order. Mixed derivatives
//!   appear once per order of the indices (`dz_dx_dy` and `dz_dy_dx`).
//!
//! `wrt` restricts the inputs differentiated against (still in input order; the
//! function keeps all its inputs).

use crate::jacobian::{hessian_sparse, jacobian_sparse, Mode};
use crate::sweep::materialize;
use crate::DiffError;
use adgraph_ir::{evaluate, Function, Graph, GraphError, NodeId};

/// What to differentiate and how: the options of `adgraph diff`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffOptions {
    /// How each Jacobian is built (`--mode`); `Auto` picks the fewer sweeps.
    pub mode: Mode,
    /// The order of the derivatives (`--order`), 1 or more.
    pub order: usize,
    /// The inputs to differentiate against, by name (`--wrt`); `None` for all.
    pub wrt: Option<Vec<String>>,
}

impl Default for DiffOptions {
    /// First derivatives with respect to every input, mode chosen by shape.
    fn default() -> DiffOptions {
        DiffOptions {
            mode: Mode::Auto,
            order: 1,
            wrt: None,
        }
    }
}

/// A function over `g` with `f`'s inputs; a repeated output name is a
/// [`DiffError::NameClash`].
pub(crate) fn new_function(
    g: &Graph,
    f: &Function,
    outputs: Vec<(String, NodeId)>,
) -> Result<Function, DiffError> {
    Function::new(g, f.inputs().to_vec(), outputs).map_err(|e| match e {
        GraphError::DuplicateOutput { name } => DiffError::NameClash { name },
        e => DiffError::Graph(e),
    })
}

/// The positions in `f`'s inputs of the names in `wrt` (all inputs when `None`), in
/// input order.
pub(crate) fn wrt_positions(
    g: &Graph,
    f: &Function,
    wrt: Option<&[String]>,
) -> Result<Vec<usize>, DiffError> {
    let Some(names) = wrt else {
        return Ok((0..f.inputs().len()).collect());
    };
    let mut chosen = vec![false; f.inputs().len()];
    for name in names {
        let k = f
            .input_position(g, name)
            .ok_or_else(|| DiffError::UnknownInput {
                name: name.clone(),
                inputs: f.input_names(g).iter().map(|s| s.to_string()).collect(),
            })?;
        if std::mem::replace(&mut chosen[k], true) {
            return Err(DiffError::DuplicateInput { name: name.clone() });
        }
    }
    Ok((0..chosen.len()).filter(|&k| chosen[k]).collect())
}

/// The derivative function of `f` (see the module documentation for its outputs and
/// their names), built into `g` beside `f` and sharing its nodes.
///
/// ```
/// use adgraph_diff::{derivative_function, DiffOptions};
/// use adgraph_ir::{evaluate, parse};
/// let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let d = derivative_function(&mut g, &f, &DiffOptions::default())?;
/// let names: Vec<&str> = d.outputs().iter().map(|o| o.name.as_str()).collect();
/// assert_eq!(names, ["z", "dz_dx", "dz_dy"]);
/// assert_eq!(evaluate(&g, &d, &[3.0, 4.0])?, vec![23.0, 10.0, 3.0]);
///
/// let second = DiffOptions { order: 2, wrt: Some(vec!["x".into()]), ..DiffOptions::default() };
/// let d2 = derivative_function(&mut g, &f, &second)?;
/// assert_eq!(d2.outputs()[1].name, "dz_dx_dx");
/// assert_eq!(evaluate(&g, &d2, &[3.0, 4.0])?, vec![23.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn derivative_function(
    g: &mut Graph,
    f: &Function,
    options: &DiffOptions,
) -> Result<Function, DiffError> {
    if options.order == 0 {
        return Err(DiffError::ZeroOrder);
    }
    let wrt = wrt_positions(g, f, options.wrt.as_deref())?;
    let xs: Vec<NodeId> = wrt.iter().map(|&k| f.inputs()[k]).collect();
    let names: Vec<String> = xs
        .iter()
        .map(|&x| g.input_name(x).unwrap_or_default().to_string())
        .collect();
    // (name, derivative) pairs of the current order; `None` is a structural zero,
    // whose derivatives are zero without a sweep.
    let mut current: Vec<(String, Option<NodeId>)> = f
        .outputs()
        .iter()
        .map(|o| (o.name.clone(), Some(o.id)))
        .collect();
    for step in 0..options.order {
        let live: Vec<NodeId> = current.iter().filter_map(|c| c.1).collect();
        let rows = jacobian_sparse(g, &xs, &live, options.mode)?;
        let mut rows = rows.into_iter();
        let mut next = Vec::with_capacity(current.len() * xs.len());
        for (name, d) in &current {
            let row = match d {
                Some(_) => rows.next().unwrap_or_default(),
                None => Vec::new(),
            };
            for (j, x) in names.iter().enumerate() {
                let prefix = if step == 0 { "d" } else { "" };
                let entry = row.get(j).copied().flatten();
                next.push((format!("{prefix}{name}_d{x}"), entry));
            }
        }
        current = next;
    }
    let mut outputs: Vec<(String, NodeId)> =
        f.outputs().iter().map(|o| (o.name.clone(), o.id)).collect();
    for (name, d) in current {
        outputs.push((name, materialize(g, d)?));
    }
    new_function(g, f, outputs)
}

/// Optimizes a derivative function for printing: the default pipeline of
/// `adgraph-opt` (fold, simplify, cse, dce to a fixed point) in the graph's float
/// mode, which also copies only the reachable nodes into a graph of their own.
///
/// ```
/// use adgraph_diff::{grad, optimize};
/// use adgraph_ir::{dump, parse};
/// let (mut g, f) = parse("input x\noutput y = exp(2 * x)")?;
/// let df = grad(&mut g, &f, None)?;
/// let (h, d) = optimize(&g, &df)?;
/// assert_eq!(dump(&h, &d), "input x\nlet v0 = x * 2\nlet v1 = exp(v0)\noutput y = v1\noutput dy_dx = v1 * 2\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn optimize(g: &Graph, f: &Function) -> Result<(Graph, Function), DiffError> {
    let (mut r, _) = adgraph_opt::optimize(g, std::slice::from_ref(f), g.mode())?;
    match r.functions.pop() {
        Some(f) => Ok((r.graph, f)),
        // The pipeline returns one function per function given; should it not, the
        // reachable nodes copied as they are are still a right answer.
        None => Ok(crate::compact(g, f)?),
    }
}

/// The derivative function of `f` as `adgraph diff` prints it: built on a copy of
/// `g` by [`derivative_function`], then optimized into a graph of its own
/// ([`optimize`]). Print it
/// with [`adgraph_ir::dump`].
///
/// ```
/// use adgraph_diff::{differentiate, DiffOptions};
/// use adgraph_ir::{dump, parse};
/// let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let (h, d) = differentiate(&g, &f, &DiffOptions::default())?;
/// assert!(dump(&h, &d).ends_with("output z = v2 + 2\noutput dz_dx = y + v3\noutput dz_dy = x\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn differentiate(
    g: &Graph,
    f: &Function,
    options: &DiffOptions,
) -> Result<(Graph, Function), DiffError> {
    let mut work = g.clone();
    let d = derivative_function(&mut work, f, options)?;
    optimize(&work, &d)
}

/// The Hessian of one output of `f` (`output` by name, or the only output when
/// `None`) as a function: outputs `d<out>_d<in_i>_d<in_j>`, row-major over the inputs
/// in input order, built forward over reverse into `g`.
pub fn hessian_function(
    g: &mut Graph,
    f: &Function,
    output: Option<&str>,
) -> Result<Function, DiffError> {
    let k = crate::reverse::output_position(f, output)?;
    let out = f.outputs()[k].name.clone();
    let rows = hessian_sparse(g, f, Some(&out))?;
    let names: Vec<String> = f.input_names(g).iter().map(|s| s.to_string()).collect();
    let mut outputs = Vec::with_capacity(names.len() * names.len());
    for (row, a) in rows.into_iter().zip(&names) {
        for (d, b) in row.into_iter().zip(&names) {
            outputs.push((format!("d{out}_d{a}_d{b}"), materialize(g, d)?));
        }
    }
    new_function(g, f, outputs)
}

/// The Hessian matrix of one output of `f` at `point` (one value per input): what
/// `adgraph hessian FILE --at ...` prints. Builds [`hessian_function`] on a copy of
/// `g` and evaluates it with the reference evaluator.
///
/// ```
/// use adgraph_diff::hessian_at;
/// use adgraph_ir::parse;
/// let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// assert_eq!(hessian_at(&g, &f, None, &[3.0, 4.0])?, vec![vec![2.0, 1.0], vec![1.0, 0.0]]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hessian_at(
    g: &Graph,
    f: &Function,
    output: Option<&str>,
    point: &[f64],
) -> Result<Vec<Vec<f64>>, DiffError> {
    let mut work = g.clone();
    let h = hessian_function(&mut work, f, output)?;
    let values = evaluate(&work, &h, point)?;
    let n = f.inputs().len();
    Ok(values.chunks(n.max(1)).map(<[f64]>::to_vec).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::parse;

    fn names(f: &Function) -> Vec<&str> {
        f.outputs().iter().map(|o| o.name.as_str()).collect()
    }

    #[test]
    fn order_and_wrt_name_the_outputs() {
        let (mut g, f) = parse("input x, y, z\noutput a = x*y*z\noutput b = x").unwrap();
        let o = DiffOptions {
            wrt: Some(vec!["z".into(), "x".into()]),
            ..DiffOptions::default()
        };
        let d = derivative_function(&mut g, &f, &o).unwrap();
        assert_eq!(names(&d), ["a", "b", "da_dx", "da_dz", "db_dx", "db_dz"]);
        let o = DiffOptions {
            order: 2,
            wrt: Some(vec!["x".into(), "y".into()]),
            mode: Mode::Reverse,
        };
        let d = derivative_function(&mut g, &f, &o).unwrap();
        assert_eq!(
            &names(&d)[2..6],
            ["da_dx_dx", "da_dx_dy", "da_dy_dx", "da_dy_dy"]
        );
        assert_eq!(d.outputs().len(), 2 + 8);
        let v = evaluate(&g, &d, &[2.0, 3.0, 5.0]).unwrap();
        assert_eq!(&v[2..], [0.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn bad_requests_are_errors() {
        let (mut g, f) = parse("input x, y\noutput z = x*y").unwrap();
        let o = |wrt: &[&str], order| DiffOptions {
            wrt: Some(wrt.iter().map(|s| s.to_string()).collect()),
            order,
            mode: Mode::Auto,
        };
        assert!(matches!(
            derivative_function(&mut g, &f, &o(&["q"], 1)),
            Err(DiffError::UnknownInput { .. })
        ));
        assert!(matches!(
            derivative_function(&mut g, &f, &o(&["x", "x"], 1)),
            Err(DiffError::DuplicateInput { .. })
        ));
        assert_eq!(
            derivative_function(&mut g, &f, &o(&["x"], 0)),
            Err(DiffError::ZeroOrder)
        );
        let (mut g, f) = parse("input x\noutput z = x\noutput dz_dx = x").unwrap();
        assert_eq!(
            derivative_function(&mut g, &f, &DiffOptions::default()),
            Err(DiffError::NameClash {
                name: "dz_dx".into()
            })
        );
        assert!(matches!(
            hessian_at(&g, &f, None, &[1.0]),
            Err(DiffError::NotScalar { .. })
        ));
        assert!(matches!(
            hessian_at(&g, &f, Some("z"), &[]),
            Err(DiffError::Eval(_))
        ));
    }
}
