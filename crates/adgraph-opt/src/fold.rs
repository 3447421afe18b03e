//! `fold_constants`: rebuild every node through the constructors of the target mode.
//!
//! The smart constructors fold an op whose operands are all constants (with exactly
//! the bits [`Op::eval`](adgraph_ir::Op::eval) gives) and apply the local rewrites of
//! the target [`FloatMode`]. A graph built in that mode is already folded, so this
//! pass matters when the mode changes (a Strict graph optimized in Fast gets the Fast
//! rules) and after passes that produce new constants. Unused nodes are kept: that
//! is the business of [`eliminate_dead_nodes`](crate::eliminate_dead_nodes).

use crate::rebuild::{rebuild, Keep};
use crate::{OptError, Optimized};
use adgraph_ir::{FloatMode, Function, Graph};

/// Rebuilds all of `g` in `mode`, folding constants and applying the mode's local
/// rewrites; `functions` are mapped over.
///
/// ```
/// use adgraph_ir::{dump, parse, FloatMode};
/// let (g, f) = parse("input x\noutput y = x * 0 + x * 3 * 2")?;
/// let r = adgraph_opt::fold_constants(&g, &[f], FloatMode::Fast)?;
/// assert_eq!(dump(&r.graph, &r.functions[0]), "input x\noutput y = x * 6\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fold_constants(
    g: &Graph,
    functions: &[Function],
    mode: FloatMode,
) -> Result<Optimized, OptError> {
    rebuild(g, functions, mode, Keep::All)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{evaluate, parse, Op};

    #[test]
    fn strict_graph_folds_further_in_fast() {
        let (g, f) = parse("input x\noutput y = (x - x) + 2 * 3\n").unwrap();
        assert_eq!(f.op_count(&g), 2, "Strict keeps x - x");
        let r = fold_constants(&g, &[f], FloatMode::Fast).unwrap();
        let out = r.functions[0].outputs()[0].id;
        assert_eq!(r.graph.constant_value(out), Some(6.0));
        assert_eq!(r.graph.mode(), FloatMode::Fast);
    }

    #[test]
    fn strict_fold_keeps_unused_nodes_and_values() {
        let (g, f) = parse("input x, y\nlet u = sin(y)\noutput z = x * 1 + 0.5\n").unwrap();
        let r = fold_constants(&g, std::slice::from_ref(&f), FloatMode::Strict).unwrap();
        assert_eq!(r.graph.len(), g.len(), "sin(y) is kept");
        assert!(r.graph.iter().any(|(_, n)| n.op() == Op::Sin));
        let f2 = &r.functions[0];
        for p in [[1.0, 2.0], [f64::NAN, 0.0], [-0.0, 1.0]] {
            let a = evaluate(&g, &f, &p).unwrap()[0];
            let b = evaluate(&r.graph, f2, &p).unwrap()[0];
            assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        }
    }
}
