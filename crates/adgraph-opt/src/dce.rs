//! `eliminate_dead_nodes`: rebuild only the nodes some output reaches.
//!
//! A node no function's outputs reach is not copied (the inputs of every function
//! are kept, even unused ones: they are part of its signature). Rewrites leave such
//! nodes behind (`x * 1` still holds the constant `1`), as do unused `let`s.

use crate::rebuild::{rebuild, Keep};
use crate::{OptError, Optimized};
use adgraph_ir::{FloatMode, Function, Graph};

/// Rebuilds, in `mode`, only the nodes `functions` reach, and maps them over.
///
/// ```
/// use adgraph_ir::{parse, FloatMode};
/// let (g, f) = parse("input x, y\nlet unused = sin(y) * 2\noutput z = x + 1")?;
/// assert_eq!(g.len(), 7);
/// let r = adgraph_opt::eliminate_dead_nodes(&g, &[f], FloatMode::Strict)?;
/// assert_eq!(r.graph.len(), 4); // x, y, 1, x + 1
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn eliminate_dead_nodes(
    g: &Graph,
    functions: &[Function],
    mode: FloatMode,
) -> Result<Optimized, OptError> {
    rebuild(g, functions, mode, Keep::Reachable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::parse;

    #[test]
    fn only_reached_nodes_survive_and_inputs_stay() {
        let (g, f) = parse("input x, y, unused\nlet d = exp(y)\noutput z = x * 2\n").unwrap();
        let r = eliminate_dead_nodes(&g, &[f], FloatMode::Strict).unwrap();
        let f2 = &r.functions[0];
        assert_eq!(f2.input_names(&r.graph), vec!["x", "y", "unused"]);
        assert_eq!(r.graph.len(), 5, "x, y, unused, 2, x * 2");
    }

    #[test]
    fn a_long_chain_is_a_loop_not_recursion() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let mut v = x;
        for _ in 0..200_000 {
            v = g.apply(adgraph_ir::Op::Sin, &[v]).unwrap();
        }
        let f = Function::new(&g, vec![x], vec![("y".into(), v)]).unwrap();
        let r = eliminate_dead_nodes(&g, &[f], FloatMode::Strict).unwrap();
        assert_eq!(r.graph.len(), g.len());
    }
}
