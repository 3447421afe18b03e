//! `jvp`: forward mode, the derivative of every output along one input direction.
//!
//! One [`forward_sweep`] over the nodes the outputs reach, seeded with the direction's
//! entries at the inputs. Entries that are `None` are structural zeros: no node is
//! built for them or for anything that depends only on them.

use crate::sweep::{forward_sweep, materialize};
use crate::DiffError;
use adgraph_ir::{Function, Graph, NodeId};

/// Jacobian-vector product: for each output of `f`, in order, the node of its
/// derivative along `direction` (one entry per input of `f`, in input order; `None`
/// is a structural zero). New nodes go into `g`, sharing subexpressions with `f`; an
/// output that does not depend on the direction gets the constant `0`.
///
/// ```
/// use adgraph_diff::jvp;
/// use adgraph_ir::{evaluate, parse, Function};
/// let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let one = g.constant(1.0)?;
/// // Along (1, 0): dz/dx = 2x + y.
/// let t = jvp(&mut g, &f, &[Some(one), None])?;
/// let d = Function::new(&g, f.inputs().to_vec(), vec![("t".into(), t[0])])?;
/// assert_eq!(evaluate(&g, &d, &[3.0, 4.0])?, vec![10.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn jvp(
    g: &mut Graph,
    f: &Function,
    direction: &[Option<NodeId>],
) -> Result<Vec<NodeId>, DiffError> {
    let tangents = jvp_sparse(
        g,
        f.inputs(),
        &f.output_ids().collect::<Vec<_>>(),
        direction,
    )?;
    tangents
        .into_iter()
        .map(|t| Ok(materialize(g, t)?))
        .collect()
}

/// The tangents of `outputs` along `direction` over `inputs`, `None` where
/// structurally zero.
pub(crate) fn jvp_sparse(
    g: &mut Graph,
    inputs: &[NodeId],
    outputs: &[NodeId],
    direction: &[Option<NodeId>],
) -> Result<Vec<Option<NodeId>>, DiffError> {
    if direction.len() != inputs.len() {
        return Err(DiffError::WrongLength {
            what: "direction",
            expected: inputs.len(),
            found: direction.len(),
        });
    }
    let seeds: Vec<(NodeId, NodeId)> = inputs
        .iter()
        .zip(direction)
        .filter_map(|(&x, d)| d.map(|d| (x, d)))
        .collect();
    forward_sweep(g, outputs, &seeds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{evaluate, parse, Op};

    #[test]
    fn directional_derivative_of_the_seed() {
        let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2").unwrap();
        let (a, b) = (g.constant(2.0).unwrap(), g.constant(-1.0).unwrap());
        let t = jvp(&mut g, &f, &[Some(a), Some(b)]).unwrap();
        let d = Function::new(&g, f.inputs().to_vec(), vec![("t".into(), t[0])]).unwrap();
        // 2 (2x + y) - x at (3, 4): 20 - 3.
        assert_eq!(evaluate(&g, &d, &[3.0, 4.0]).unwrap(), vec![17.0]);
    }

    #[test]
    fn independent_output_is_zero_and_builds_nothing() {
        let (mut g, f) = parse("input x, y\noutput a = sin(y)\noutput b = x * y").unwrap();
        let one = g.constant(1.0).unwrap();
        let zero = g.constant(0.0).unwrap();
        let before = g.len();
        let t = jvp(&mut g, &f, &[Some(one), None]).unwrap();
        assert_eq!(t[0], zero);
        assert_eq!(g.node(t[1]).op(), Op::Input, "d(x*y)/dx is y itself");
        assert_eq!(g.len(), before);
    }

    #[test]
    fn wrong_length_is_an_error() {
        let (mut g, f) = parse("input x, y\noutput z = x*y").unwrap();
        let err = jvp(&mut g, &f, &[None]).unwrap_err();
        assert_eq!(
            err,
            DiffError::WrongLength {
                what: "direction",
                expected: 2,
                found: 1
            }
        );
    }
}
