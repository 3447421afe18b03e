//! Jacobians, Hessians and Hessian-vector products, built from the two sweeps.
//!
//! A Jacobian is one forward sweep per input or one reverse sweep per output (the
//! fewer, when [`Mode::Auto`]). A Hessian is forward over reverse: the gradient is
//! built by one reverse sweep, then each column is a forward sweep over the gradient's
//! nodes. A Hessian-vector product is one forward sweep over the gradient along the
//! vector, so the Hessian itself is never formed.

use crate::reverse::gradient_sparse;
use crate::sweep::{forward_sweep, materialize, reverse_sweep};
use crate::DiffError;
use adgraph_ir::{Function, Graph, NodeId};
use std::str::FromStr;

/// How a Jacobian is built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Forward when there are no more inputs than outputs, reverse otherwise.
    #[default]
    Auto,
    /// One forward sweep (a column) per input.
    Forward,
    /// One reverse sweep (a row) per output.
    Reverse,
}

impl FromStr for Mode {
    type Err = String;
    /// `auto`, `forward` or `reverse`.
    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "auto" => Ok(Mode::Auto),
            "forward" => Ok(Mode::Forward),
            "reverse" => Ok(Mode::Reverse),
            _ => Err(format!(
                "unknown mode `{s}`: expected `forward`, `reverse` or `auto`"
            )),
        }
    }
}

impl Mode {
    /// `Forward` or `Reverse`: what `Auto` means for `inputs` inputs and `outputs`
    /// outputs.
    pub fn resolve(self, inputs: usize, outputs: usize) -> Mode {
        match self {
            Mode::Auto if inputs <= outputs => Mode::Forward,
            Mode::Auto => Mode::Reverse,
            m => m,
        }
    }
}

/// The Jacobian of `outputs` with respect to `inputs`: row `i` column `j` is
/// `d outputs[i] / d inputs[j]`, `None` where structurally zero.
pub(crate) fn jacobian_sparse(
    g: &mut Graph,
    inputs: &[NodeId],
    outputs: &[NodeId],
    mode: Mode,
) -> Result<Vec<Vec<Option<NodeId>>>, DiffError> {
    let one = g.constant(1.0)?;
    let mut rows = vec![vec![None; inputs.len()]; outputs.len()];
    match mode.resolve(inputs.len(), outputs.len()) {
        Mode::Reverse => {
            for (row, &o) in rows.iter_mut().zip(outputs) {
                *row = reverse_sweep(g, &[(o, one)], inputs)?;
            }
        }
        _ => {
            for (j, &x) in inputs.iter().enumerate() {
                let tangent = forward_sweep(g, outputs, &[(x, one)])?;
                for (row, t) in rows.iter_mut().zip(tangent) {
                    row[j] = t;
                }
            }
        }
    }
    Ok(rows)
}

fn materialize_rows(
    g: &mut Graph,
    rows: Vec<Vec<Option<NodeId>>>,
) -> Result<Vec<Vec<NodeId>>, DiffError> {
    rows.into_iter()
        .map(|row| row.into_iter().map(|d| Ok(materialize(g, d)?)).collect())
        .collect()
}

/// The Jacobian of `f`: row `i` (output `i`), column `j` (input `j`) is the node of
/// `d out_i / d in_j`, built by `mode`; a structural zero is the constant `0`.
///
/// ```
/// use adgraph_diff::{jacobian, Mode};
/// use adgraph_ir::{evaluate, parse, Function};
/// let (mut g, f) = parse("input x, y\noutput a = x*y\noutput b = x + 2*y")?;
/// let j = jacobian(&mut g, &f, Mode::Forward)?;
/// let k = jacobian(&mut g, &f, Mode::Reverse)?;
/// assert_eq!(j, k); // both modes build the same nodes here
/// let flat: Vec<(String, _)> = j.concat().into_iter().enumerate().map(|(i, id)| (format!("j{i}"), id)).collect();
/// let jf = Function::new(&g, f.inputs().to_vec(), flat)?;
/// assert_eq!(evaluate(&g, &jf, &[3.0, 4.0])?, vec![4.0, 3.0, 1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn jacobian(g: &mut Graph, f: &Function, mode: Mode) -> Result<Vec<Vec<NodeId>>, DiffError> {
    let outputs: Vec<NodeId> = f.output_ids().collect();
    let rows = jacobian_sparse(g, f.inputs(), &outputs, mode)?;
    materialize_rows(g, rows)
}

/// The Hessian of one output (`output` by name, or the only output when `None`):
/// forward over reverse, `None` where structurally zero. Row `i` is the derivative of
/// the gradient's entry `i`.
pub(crate) fn hessian_sparse(
    g: &mut Graph,
    f: &Function,
    output: Option<&str>,
) -> Result<Vec<Vec<Option<NodeId>>>, DiffError> {
    let gradient = gradient_sparse(g, f, output)?;
    let roots: Vec<NodeId> = gradient.iter().flatten().copied().collect();
    let one = g.constant(1.0)?;
    let n = f.inputs().len();
    let mut rows = vec![vec![None; n]; n];
    for (j, &x) in f.inputs().iter().enumerate() {
        let tangent = forward_sweep(g, &roots, &[(x, one)])?;
        let mut tangent = tangent.into_iter();
        for (row, gi) in rows.iter_mut().zip(&gradient) {
            row[j] = gi.and_then(|_| tangent.next().flatten());
        }
    }
    Ok(rows)
}

/// The Hessian of one output of `f` (`output` by name, or the only output when
/// `None`), forward over reverse: entry `[i][j]` is the node of
/// `d^2 out / d in_i d in_j`; a structural zero is the constant `0`.
///
/// ```
/// use adgraph_diff::hessian;
/// use adgraph_ir::{evaluate, parse, Function};
/// let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let h = hessian(&mut g, &f, None)?;
/// let flat: Vec<(String, _)> = h.concat().into_iter().enumerate().map(|(i, id)| (format!("h{i}"), id)).collect();
/// let hf = Function::new(&g, f.inputs().to_vec(), flat)?;
/// assert_eq!(evaluate(&g, &hf, &[3.0, 4.0])?, vec![2.0, 1.0, 1.0, 0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hessian(
    g: &mut Graph,
    f: &Function,
    output: Option<&str>,
) -> Result<Vec<Vec<NodeId>>, DiffError> {
    let rows = hessian_sparse(g, f, output)?;
    materialize_rows(g, rows)
}

/// Hessian-vector product of one output of `f` (`output` by name, or the only output
/// when `None`) with `vector` (one entry per input; `None` is a structural zero): one
/// reverse sweep for the gradient, one forward sweep along `vector` over it, so the
/// Hessian is never formed. One node per input, in input order.
///
/// ```
/// use adgraph_diff::hvp;
/// use adgraph_ir::{evaluate, parse, Function};
/// let (mut g, f) = parse("input x, y\noutput z = x*x*y")?;
/// let one = g.constant(1.0)?;
/// // H = [[2y, 2x], [2x, 0]]; H (1, 1) = (2y + 2x, 2x).
/// let hv = hvp(&mut g, &f, None, &[Some(one), Some(one)])?;
/// let hf = Function::new(&g, f.inputs().to_vec(), vec![("a".into(), hv[0]), ("b".into(), hv[1])])?;
/// assert_eq!(evaluate(&g, &hf, &[3.0, 4.0])?, vec![14.0, 6.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hvp(
    g: &mut Graph,
    f: &Function,
    output: Option<&str>,
    vector: &[Option<NodeId>],
) -> Result<Vec<NodeId>, DiffError> {
    if vector.len() != f.inputs().len() {
        return Err(DiffError::WrongLength {
            what: "direction",
            expected: f.inputs().len(),
            found: vector.len(),
        });
    }
    let gradient = gradient_sparse(g, f, output)?;
    let roots: Vec<NodeId> = gradient.iter().flatten().copied().collect();
    let seeds: Vec<(NodeId, NodeId)> = f
        .inputs()
        .iter()
        .zip(vector)
        .filter_map(|(&x, v)| v.map(|v| (x, v)))
        .collect();
    let mut tangent = forward_sweep(g, &roots, &seeds)?.into_iter();
    gradient
        .iter()
        .map(|gi| {
            let d = gi.and_then(|_| tangent.next().flatten());
            Ok(materialize(g, d)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{evaluate, parse};

    fn values(g: &Graph, f: &Function, ids: &[NodeId], point: &[f64]) -> Vec<f64> {
        let outputs = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (format!("o{i}"), id))
            .collect();
        let h = Function::new(g, f.inputs().to_vec(), outputs).unwrap();
        evaluate(g, &h, point).unwrap()
    }

    #[test]
    fn modes_parse_and_resolve() {
        assert_eq!("forward".parse::<Mode>(), Ok(Mode::Forward));
        assert!("sideways".parse::<Mode>().unwrap_err().contains("sideways"));
        assert_eq!(Mode::Auto.resolve(1, 3), Mode::Forward);
        assert_eq!(Mode::Auto.resolve(3, 1), Mode::Reverse);
        assert_eq!(Mode::Reverse.resolve(1, 3), Mode::Reverse);
    }

    #[test]
    fn forward_and_reverse_jacobians_agree() {
        let src = "input x, y, z\noutput a = sin(x*y) + z\noutput b = exp(y) / (1 + z*z)";
        let (mut g, f) = parse(src).unwrap();
        let jf = jacobian(&mut g, &f, Mode::Forward).unwrap().concat();
        let jr = jacobian(&mut g, &f, Mode::Reverse).unwrap().concat();
        let p = [0.3, -1.1, 0.7];
        let (a, b) = (values(&g, &f, &jf, &p), values(&g, &f, &jr, &p));
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() <= 1e-15 * u.abs().max(1.0), "{u} vs {v}");
        }
        assert_eq!(a[2], 1.0);
    }

    #[test]
    fn hvp_is_hessian_times_vector() {
        let (mut g, f) = parse("input x, y\noutput z = sin(x) * y^3 + x*y").unwrap();
        let h = hessian(&mut g, &f, None).unwrap();
        let (a, b) = (g.constant(0.5).unwrap(), g.constant(-2.0).unwrap());
        let hv = hvp(&mut g, &f, None, &[Some(a), Some(b)]).unwrap();
        let p = [0.4, 1.3];
        let hm = values(&g, &f, &h.concat(), &p);
        let hvv = values(&g, &f, &hv, &p);
        for i in 0..2 {
            let want = hm[2 * i] * 0.5 + hm[2 * i + 1] * -2.0;
            assert!((hvv[i] - want).abs() <= 1e-14 * want.abs().max(1.0));
        }
        assert!((hm[1] - hm[2]).abs() < 1e-14, "symmetric");
        assert!(hvp(&mut g, &f, None, &[None]).is_err());
    }
}
