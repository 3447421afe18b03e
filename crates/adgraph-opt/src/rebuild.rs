//! The step every pass takes: copy nodes into a fresh graph through its smart
//! constructors, mapping old ids to new ones, then map the functions over.
//!
//! Because the constructors fold constants, apply the local rewrites of the target
//! [`FloatMode`] and hash-cons, a rebuild is where folding and sharing happen; which
//! nodes are copied (all, or only those the functions reach) is what tells the passes
//! apart. One loop over ids in ascending (topological) order: no recursion.

use crate::OptError;
use adgraph_ir::{
    FloatMode, Function, Graph, GraphError, Node, NodeId, Op, PREFETCH_AHEAD, PREFETCH_FROM,
};

/// The result of a pass: a fresh graph and the functions mapped into it, in the order
/// they were given.
#[derive(Clone, Debug)]
pub struct Optimized {
    /// The rebuilt graph.
    pub graph: Graph,
    /// The functions, same order, names and inputs as given, over `graph`.
    pub functions: Vec<Function>,
}

/// Which nodes a rebuild copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every node of the graph, used or not (other functions may still need them).
    All,
    /// Only the nodes some function reaches (its outputs' operands, and its inputs).
    Reachable,
}

/// No new id yet.
pub(crate) const UNMAPPED: u32 = u32::MAX;

/// Checks that every function refers only to nodes of `g`.
pub(crate) fn check_functions(g: &Graph, functions: &[Function]) -> Result<(), OptError> {
    for f in functions {
        for id in f.output_ids().chain(f.inputs().iter().copied()) {
            if !g.contains(id) {
                return Err(GraphError::UnknownNode { id }.into());
            }
        }
    }
    Ok(())
}

/// Marks the nodes any of `functions` reaches (and their inputs): one backward loop.
pub(crate) fn reachable(g: &Graph, functions: &[Function]) -> Vec<bool> {
    let mut mask = vec![false; g.len()];
    for f in functions {
        for id in f.output_ids().chain(f.inputs().iter().copied()) {
            mask[id.index()] = true;
        }
    }
    for i in (0..mask.len()).rev() {
        if mask[i] {
            for a in g.node(NodeId::new(i as u32)).args() {
                mask[a.index()] = true;
            }
        }
    }
    mask
}

/// An empty graph in `mode` with the node limit of `like`.
pub(crate) fn fresh_graph(like: &Graph, mode: FloatMode, capacity: usize) -> Graph {
    let mut g = Graph::with_mode(mode);
    g.set_node_limit(like.node_limit());
    g.reserve(capacity);
    g
}

/// The operands of `node`, mapped through `map` (all already mapped: ids ascend).
#[inline]
pub(crate) fn mapped_args(args: &[NodeId], map: &[u32]) -> ([NodeId; 3], usize) {
    let mut out = [NodeId::new(0); 3];
    for (o, a) in out.iter_mut().zip(args) {
        *o = NodeId::new(map[a.index()]);
    }
    (out, args.len())
}

/// Asks `out` to fetch what building the copy of `g`'s node [`PREFETCH_AHEAD`] places
/// after `id` will read ([`Graph::prefetch`]), if that node's operands are already
/// mapped: in a large graph the misses of several nodes then overlap (the prefetch of
/// [`Graph::extend_indexed`], done here over the old graph's ids). A hint only.
#[inline]
pub(crate) fn prefetch_ahead(out: &Graph, g: &Graph, map: &[u32], id: NodeId) {
    let next = u32::try_from(id.index() + PREFETCH_AHEAD).map(NodeId::new);
    let Some(node) = next.ok().and_then(|n| g.get(n)) else {
        return;
    };
    let mut ids = [NodeId::new(0); 3];
    for (slot, a) in ids.iter_mut().zip(node.args()) {
        match map.get(a.index()) {
            Some(&m) if m != UNMAPPED => *slot = NodeId::new(m),
            _ => return,
        }
    }
    let copy = match node.op() {
        Op::Input => return,
        Op::Const => *node,
        Op::PowI => Node::powi(ids[0], node.exponent()),
        op => Node::apply(op, &ids[..op.arity()]),
    };
    out.prefetch(&copy);
}

/// Maps each function's inputs and outputs through `map` into `g`.
pub(crate) fn map_functions(
    g: &Graph,
    functions: &[Function],
    map: &[u32],
) -> Result<Vec<Function>, OptError> {
    functions
        .iter()
        .map(|f| {
            let inputs = f
                .inputs()
                .iter()
                .map(|id| NodeId::new(map[id.index()]))
                .collect();
            let outputs = f
                .outputs()
                .iter()
                .map(|o| (o.name.clone(), NodeId::new(map[o.id.index()])))
                .collect();
            Ok(Function::new(g, inputs, outputs)?)
        })
        .collect()
}

/// Rebuilds the `keep` nodes of `g` into a fresh graph in `mode`, through the smart
/// constructors, and maps `functions` over.
pub(crate) fn rebuild(
    g: &Graph,
    functions: &[Function],
    mode: FloatMode,
    keep: Keep,
) -> Result<Optimized, OptError> {
    check_functions(g, functions)?;
    let mask = match keep {
        Keep::All => None,
        Keep::Reachable => Some(reachable(g, functions)),
    };
    let mut out = fresh_graph(g, mode, g.len());
    let mut map = vec![UNMAPPED; g.len()];
    let prefetching = g.len() >= PREFETCH_FROM;
    for (id, node) in g.iter() {
        if prefetching {
            prefetch_ahead(&out, g, &map, id);
        }
        if mask.as_ref().is_some_and(|m| !m[id.index()]) {
            continue;
        }
        let (args, n) = mapped_args(node.args(), &map);
        map[id.index()] = out.rebuild(g, node, &args[..n])?.as_u32();
    }
    let functions = map_functions(&out, functions, &map)?;
    Ok(Optimized {
        graph: out,
        functions,
    })
}

/// The nodes of `g` marked in `mask` copied into a fresh graph as they are (see
/// [`Graph::compacted`]), and `functions` mapped over: for a graph the constructors
/// built in `g`'s mode, the same graph a rebuild of those nodes gives.
pub(crate) fn compact(
    g: &Graph,
    functions: &[Function],
    mask: &[bool],
) -> Result<Optimized, OptError> {
    let (out, map) = g.compacted(mask)?;
    let map: Vec<u32> = map
        .iter()
        .map(|m| m.map_or(UNMAPPED, NodeId::as_u32))
        .collect();
    let functions = map_functions(&out, functions, &map)?;
    Ok(Optimized {
        graph: out,
        functions,
    })
}

/// Whether two results are node for node the same (a fixed point of the pipeline).
pub(crate) fn same(a: &Graph, fa: &[Function], b: &Graph, fb: &[Function]) -> bool {
    a.len() == b.len()
        && fa == fb
        && a.iter().zip(b.iter()).all(|((ia, na), (_, nb))| {
            na == nb && (na.input_symbol().is_none() || a.input_name(ia) == b.input_name(ia))
        })
}
