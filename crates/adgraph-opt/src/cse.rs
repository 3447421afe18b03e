//! `eliminate_common_subexpressions`: rebuild every node into one fresh arena, so
//! nodes that have become equal are one node, across all the functions given.
//!
//! Hash-consing is CSE: building a node that exists returns the existing id. A graph
//! straight from the constructors has no duplicates; a rewrite can create them
//! (`x * 1 + y` and `x + y` become equal once `x * 1` is `x`), and rebuilding merges
//! them, and with them every node above that only differed through them. Functions
//! passed together share every node they have in common.

use crate::rebuild::{rebuild, Keep};
use crate::{OptError, Optimized};
use adgraph_ir::{FloatMode, Function, Graph};

/// Rebuilds all of `g` in `mode` into a fresh arena, merging equal nodes; `functions`
/// are mapped over and share what they have in common.
///
/// ```
/// use adgraph_ir::{FloatMode, Function, Graph};
/// let mut g = Graph::new();
/// let x = g.input("x")?;
/// let y = g.input("y")?;
/// let a = g.add(x, y)?;
/// let b = g.mul(a, a)?;
/// let f1 = Function::new(&g, vec![x, y], vec![("a".into(), a)])?;
/// let f2 = Function::new(&g, vec![x, y], vec![("b".into(), b)])?;
/// let r = adgraph_opt::eliminate_common_subexpressions(&g, &[f1, f2], FloatMode::Strict)?;
/// let shared = r.functions[0].outputs()[0].id;
/// assert_eq!(r.graph.node(r.functions[1].outputs()[0].id).args(), &[shared, shared]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn eliminate_common_subexpressions(
    g: &Graph,
    functions: &[Function],
    mode: FloatMode,
) -> Result<Optimized, OptError> {
    rebuild(g, functions, mode, Keep::All)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::Op;

    #[test]
    fn a_mode_change_merges_what_became_equal() {
        // Built in Strict: x + 0 stays, so (x + 0) * y and x * y are different nodes.
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let zero = g.constant(0.0).unwrap();
        let x0 = g.add(x, zero).unwrap();
        let a = g.mul(x0, y).unwrap();
        let b = g.mul(x, y).unwrap();
        let s = g.apply(Op::Sin, &[a]).unwrap();
        let c = g.apply(Op::Sin, &[b]).unwrap();
        let f = Function::new(&g, vec![x, y], vec![("s".into(), s), ("c".into(), c)]).unwrap();
        let r = eliminate_common_subexpressions(&g, &[f], FloatMode::Fast).unwrap();
        let o = r.functions[0].outputs();
        assert_eq!(o[0].id, o[1].id, "sin(x * y) once");
        assert_eq!(r.functions[0].op_count(&r.graph), 2);
    }
}
