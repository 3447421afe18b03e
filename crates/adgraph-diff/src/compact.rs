//! `compact`: copy the nodes a function reaches into a fresh graph.
//!
//! A derivative built into the function's arena leaves behind whatever the sweeps
//! built and the outputs do not use. Copying the reachable nodes, ids ascending,
//! through the smart constructors ([`Graph::rebuild`]) drops them and renumbers
//! densely; it is what `adgraph diff` prints and what the size figures count.

use adgraph_ir::{Function, Graph, GraphError, NodeId, Op};

/// The nodes `f` reaches, copied into a fresh graph of the same float mode, and `f`
/// over them: inputs in the same order (unused ones kept), outputs with the same
/// names. One loop over ids ascending.
///
/// ```
/// use adgraph_diff::{compact, grad};
/// use adgraph_ir::parse;
/// let (mut g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let df = grad(&mut g, &f, None)?;
/// let (h, dh) = compact(&g, &df)?;
/// assert_eq!(h.len(), dh.nodes(&h).len()); // nothing unreachable is left
/// assert_eq!(dh.op_count(&h), df.op_count(&g));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compact(g: &Graph, f: &Function) -> Result<(Graph, Function), GraphError> {
    for id in f.output_ids().chain(f.inputs().iter().copied()) {
        if !g.contains(id) {
            return Err(GraphError::UnknownNode { id });
        }
    }
    let mask = f.reachable(g);
    let mut h = Graph::with_mode(g.mode());
    h.set_node_limit(g.node_limit());
    h.reserve(mask.iter().filter(|&&m| m).count());
    let mut map = vec![NodeId::new(0); mask.len()];
    for &x in f.inputs() {
        map[x.index()] = h.input(g.input_name(x).unwrap_or("_"))?;
    }
    let mut args = [NodeId::new(0); 3];
    for (i, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
        let node = g.node(NodeId::new(i as u32));
        if node.op() == Op::Input {
            continue;
        }
        let n = node.args().len();
        for (slot, a) in args.iter_mut().zip(node.args()) {
            *slot = map[a.index()];
        }
        map[i] = h.rebuild(g, node, &args[..n])?;
    }
    let inputs = f.inputs().iter().map(|x| map[x.index()]).collect();
    let outputs = f
        .outputs()
        .iter()
        .map(|o| (o.name.clone(), map[o.id.index()]))
        .collect();
    let f = Function::new(&h, inputs, outputs)?;
    Ok((h, f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{dump, evaluate, parse};

    #[test]
    fn keeps_meaning_and_drops_the_rest() {
        let (mut g, f) = parse("input x, y, unused\nlet junk = sin(y)\noutput z = x*y").unwrap();
        let c = g.apply(Op::Cos, &[g.find_input("x").unwrap()]).unwrap();
        assert!(g.contains(c));
        let (h, k) = compact(&g, &f).unwrap();
        assert_eq!(h.len(), 4);
        assert_eq!(dump(&h, &k), dump(&g, &f));
        let p = [2.0, 5.0, 9.0];
        assert_eq!(evaluate(&h, &k, &p).unwrap(), evaluate(&g, &f, &p).unwrap());
    }
}
