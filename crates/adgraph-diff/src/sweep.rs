//! The two sweeps every transform is made of: forward (tangents, ids ascending) and
//! reverse (adjoints, ids descending), each one loop over a graph with symbolic zeros.
//!
//! Both sweeps apply the one derivative rule of the op table,
//! [`adgraph_ir::derivative`], through a graph-building calculus (signs carried as
//! flags, see [`crate::calculus`]), so each contribution is a
//! node built by the graph's smart constructors in the same arena as the function: a
//! derivative shares every subexpression it can with the primal and with other
//! derivatives. A tangent or adjoint that is structurally zero is `None` and is never
//! built, in either float mode; only the final results a caller asks for become the
//! constant `0` (see [`materialize`]).

use crate::calculus::{Signed, SignedCalculus};
use crate::DiffError;
use adgraph_ir::{derivative, Graph, GraphError, Node, NodeId, Op};

/// A structurally zero derivative made into a node: `None` becomes the constant `0`.
pub fn materialize(g: &mut Graph, d: Option<NodeId>) -> Result<NodeId, GraphError> {
    match d {
        Some(id) => Ok(id),
        None => g.constant(0.0),
    }
}

/// Checks that every id is a node of `g`.
pub(crate) fn check(g: &Graph, ids: impl IntoIterator<Item = NodeId>) -> Result<(), GraphError> {
    for id in ids {
        if !g.contains(id) {
            return Err(GraphError::UnknownNode { id });
        }
    }
    Ok(())
}

/// Marks the nodes `roots` reach: `mask[i]` for node `i`, as long as the largest root
/// plus one. One loop over ids descending.
pub(crate) fn reach(g: &Graph, roots: &[NodeId]) -> Vec<bool> {
    let top = roots.iter().map(|r| r.index() + 1).max().unwrap_or(0);
    let mut mask = vec![false; top];
    for r in roots {
        mask[r.index()] = true;
    }
    for i in (0..top).rev() {
        if mask[i] {
            for a in g.node(NodeId::new(i as u32)).args() {
                mask[a.index()] = true;
            }
        }
    }
    mask
}

/// The signed sums as nodes.
fn finish(g: &mut Graph, values: Vec<Option<Signed>>) -> Result<Vec<Option<NodeId>>, DiffError> {
    values
        .into_iter()
        .map(|v| v.map(|s| s.node(g)).transpose())
        .collect::<Result<_, _>>()
        .map_err(DiffError::from)
}

/// Adds `d` to a sum that may be structurally zero.
#[inline]
fn accumulate(
    c: &mut SignedCalculus<'_>,
    sum: Option<Signed>,
    d: Signed,
) -> Result<Option<Signed>, GraphError> {
    Ok(Some(match sum {
        None => d,
        Some(a) => c.add(a, d)?,
    }))
}

/// The rule's contribution to operand `k` of `node` (whose id is `id`) for `seed`.
#[inline]
fn contribution(
    c: &mut SignedCalculus<'_>,
    node: &Node,
    id: NodeId,
    k: usize,
    seed: Signed,
) -> Result<Option<Signed>, GraphError> {
    let mut args = [Signed::plain(id); 3];
    for (slot, &a) in args.iter_mut().zip(node.args()) {
        *slot = Signed::plain(a);
    }
    let n = node.args().len();
    derivative(
        c,
        node.op(),
        node.exponent(),
        &args[..n],
        Signed::plain(id),
        k,
        seed,
    )
}

/// Forward mode: the tangents of `roots`, given the tangents `seeds` of some nodes
/// (usually inputs). Entry `k` of the result is `roots[k]`'s tangent, `None` where it
/// is structurally zero.
///
/// One loop over the nodes the roots reach, ids ascending: a node's tangent is the
/// sum of the rule's contributions from its operands with a tangent.
pub(crate) fn forward_sweep(
    g: &mut Graph,
    roots: &[NodeId],
    seeds: &[(NodeId, NodeId)],
) -> Result<Vec<Option<NodeId>>, DiffError> {
    check(g, roots.iter().copied())?;
    check(g, seeds.iter().flat_map(|&(a, b)| [a, b]))?;
    let mask = reach(g, roots);
    g.reserve(mask.iter().filter(|&&m| m).count());
    let mut tangent: Vec<Option<Signed>> = vec![None; mask.len()];
    let mut c = SignedCalculus { graph: g };
    for &(id, t) in seeds {
        if id.index() < mask.len() {
            let t = Signed::of(c.graph, t);
            tangent[id.index()] = accumulate(&mut c, tangent[id.index()], t)?;
        }
    }
    for (i, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
        let id = NodeId::new(i as u32);
        let node = *c.graph.node(id);
        if matches!(node.op(), Op::Input | Op::Const) {
            continue;
        }
        let mut sum = None;
        for (k, a) in node.args().iter().enumerate() {
            let Some(t) = tangent[a.index()] else {
                continue;
            };
            if let Some(d) = contribution(&mut c, &node, id, k, t)? {
                sum = accumulate(&mut c, sum, d)?;
            }
        }
        tangent[i] = sum;
    }
    let at_roots = roots.iter().map(|r| tangent[r.index()]).collect();
    finish(g, at_roots)
}

/// Reverse mode: the adjoints of the nodes in `wanted` (usually inputs), given the
/// adjoints `seeds` of some nodes (usually outputs). Entry `k` of the result is the
/// adjoint of `wanted[k]`, `None` where it is structurally zero.
///
/// An activity mask (one loop ascending) marks the nodes that depend on a wanted
/// node; the sweep (one loop descending) visits only nodes that are both reached and
/// active, and sends contributions only to active operands, so no node is built for
/// an adjoint nobody needs (the weights of an MLP held as constants, say).
pub(crate) fn reverse_sweep(
    g: &mut Graph,
    seeds: &[(NodeId, NodeId)],
    wanted: &[NodeId],
) -> Result<Vec<Option<NodeId>>, DiffError> {
    check(g, seeds.iter().flat_map(|&(a, b)| [a, b]))?;
    check(g, wanted.iter().copied())?;
    let roots: Vec<NodeId> = seeds.iter().map(|s| s.0).collect();
    let mask = reach(g, &roots);
    let mut active = vec![false; mask.len()];
    for w in wanted {
        if w.index() < mask.len() {
            active[w.index()] = true;
        }
    }
    for i in 0..mask.len() {
        if mask[i] && !active[i] {
            let node = g.node(NodeId::new(i as u32));
            active[i] = node.args().iter().any(|a| active[a.index()]);
        }
    }
    g.reserve(active.iter().filter(|&&a| a).count());
    let mut adjoint: Vec<Option<Signed>> = vec![None; mask.len()];
    let mut c = SignedCalculus { graph: g };
    for &(id, s) in seeds {
        if active[id.index()] {
            let s = Signed::of(c.graph, s);
            adjoint[id.index()] = accumulate(&mut c, adjoint[id.index()], s)?;
        }
    }
    for i in (0..mask.len()).rev() {
        if !(mask[i] && active[i]) {
            continue;
        }
        let Some(s) = adjoint[i] else {
            continue;
        };
        let id = NodeId::new(i as u32);
        let node = *c.graph.node(id);
        let args = node.args();
        // Contributions to an operand that appears twice (`x * x`) are summed here
        // first, so they meet as `d + d` and become `2 * d`.
        let mut local: [Option<Signed>; 3] = [None; 3];
        for (k, a) in args.iter().enumerate() {
            if !active[a.index()] {
                continue;
            }
            if let Some(d) = contribution(&mut c, &node, id, k, s)? {
                let first = args.iter().position(|b| b == a).unwrap_or(k);
                local[first] = accumulate(&mut c, local[first], d)?;
            }
        }
        for (a, d) in args.iter().zip(local) {
            if let Some(d) = d {
                adjoint[a.index()] = accumulate(&mut c, adjoint[a.index()], d)?;
            }
        }
    }
    let at_wanted = wanted
        .iter()
        .map(|w| adjoint.get(w.index()).copied().flatten())
        .collect();
    finish(g, at_wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_and_reverse_agree_on_a_product() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let p = g.mul(x, y).unwrap();
        let one = g.constant(1.0).unwrap();
        let t = forward_sweep(&mut g, &[p], &[(x, one)]).unwrap();
        assert_eq!(t, vec![Some(y)]);
        let a = reverse_sweep(&mut g, &[(p, one)], &[x, y]).unwrap();
        assert_eq!(a, vec![Some(y), Some(x)]);
    }

    #[test]
    fn zeros_are_not_built() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let s = g.apply(Op::Sin, &[y]).unwrap();
        let p = g.mul(x, s).unwrap();
        let one = g.constant(1.0).unwrap();
        let before = g.len();
        // d/dx (x * sin y) = sin y: an existing node, nothing new.
        let a = reverse_sweep(&mut g, &[(p, one)], &[x]).unwrap();
        assert_eq!(a, vec![Some(s)]);
        assert_eq!(g.len(), before);
        // Nothing depends on a constant: no adjoint, no node.
        let a = reverse_sweep(&mut g, &[(p, one)], &[one]).unwrap();
        assert_eq!(a, vec![None]);
        let t = forward_sweep(&mut g, &[p], &[]).unwrap();
        assert_eq!(t, vec![None]);
        assert_eq!(g.len(), before);
    }

    #[test]
    fn unknown_ids_are_errors() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let bad = NodeId::new(5);
        assert!(forward_sweep(&mut g, &[bad], &[]).is_err());
        assert!(reverse_sweep(&mut g, &[(x, bad)], &[x]).is_err());
        assert!(reverse_sweep(&mut g, &[(x, x)], &[bad]).is_err());
    }
}
