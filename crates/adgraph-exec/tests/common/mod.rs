//! Shared helpers of the integration tests: random graphs built from a recipe, points
//! with special values, and bit comparison that counts every NaN as equal.

#![allow(dead_code)]

use adgraph_ir::{Function, Graph, NodeId, Op};
use proptest::prelude::*;

/// Values that exercise kinks and IEEE corner cases.
pub const SPECIAL: [f64; 12] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324,
    1e300,
    -3.5,
];

/// Equal bits, or both NaN.
pub fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Asserts two slices are [`same`] element by element.
pub fn assert_same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(same(*g, *w), "{what}[{i}]: {g:?} vs {w:?}");
    }
}

/// One step of a recipe: an operator index, operand picks (indices into the nodes so
/// far, taken modulo their count), an exponent, and a constant pick.
pub type Step = (usize, [usize; 3], i32, usize);

/// A recipe: number of inputs, steps, and how many of the last nodes are outputs.
pub fn recipe() -> impl Strategy<Value = (usize, Vec<Step>, usize)> {
    (
        1usize..4,
        prop::collection::vec(
            (0usize..64, [any::<usize>(); 3], -3i32..5, 0usize..64),
            1..40,
        ),
        1usize..3,
    )
}

/// Builds the graph of a recipe through the smart constructors: inputs `x0..`, then
/// per step an operator over earlier nodes (or a constant), outputs `y0..` the last
/// `outputs` nodes.
pub fn build(inputs: usize, steps: &[Step], outputs: usize) -> (Graph, Function) {
    let mut g = Graph::new();
    let mut nodes: Vec<NodeId> = (0..inputs)
        .map(|i| g.input(&format!("x{i}")).unwrap())
        .collect();
    let ins = nodes.clone();
    let ops: Vec<Op> = Op::ALL
        .iter()
        .copied()
        .filter(|op| !matches!(op, Op::Input | Op::Const))
        .collect();
    for &(o, picks, n, k) in steps {
        let id = if o >= 56 {
            g.constant(SPECIAL[k % SPECIAL.len()]).unwrap()
        } else {
            let op = ops[o % ops.len()];
            let args: Vec<NodeId> = picks[..op.arity()]
                .iter()
                .map(|&p| nodes[p % nodes.len()])
                .collect();
            if op == Op::PowI {
                g.powi(args[0], n).unwrap()
            } else {
                g.apply(op, &args).unwrap()
            }
        };
        nodes.push(id);
    }
    let outs = nodes
        .iter()
        .rev()
        .take(outputs)
        .enumerate()
        .map(|(i, &id)| (format!("y{i}"), id))
        .collect();
    let f = Function::new(&g, ins, outs).unwrap();
    (g, f)
}

/// Points for a recipe with `inputs` inputs: `k`-th point mixes special and ordinary
/// values.
pub fn point(inputs: usize, k: usize, ordinary: &[f64]) -> Vec<f64> {
    (0..inputs)
        .map(|i| {
            let j = k * 7 + i * 3;
            if (j / 3) * 3 == j {
                SPECIAL[j % SPECIAL.len()]
            } else {
                ordinary[j % ordinary.len()]
            }
        })
        .collect()
}

/// Forward mode by the rule over the graph itself (the oracle for `jvp`): values by
/// `Op::eval`, tangents by `adgraph_exec::tangent_by_rule`, inputs seeded with
/// `direction`; where an output tangent is NaN, again by
/// `adgraph_exec::tangent_skipping_zeros` (the interpreter's documented fallback).
pub fn forward_by_rule(
    g: &Graph,
    f: &Function,
    point: &[f64],
    direction: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let dense = forward_pass(g, f, point, direction, adgraph_exec::tangent_by_rule);
    if dense.1.iter().any(|t| t.is_nan()) {
        return forward_pass(g, f, point, direction, adgraph_exec::tangent_skipping_zeros);
    }
    dense
}

/// One forward pass over the graph with the tangent rule `rule`.
fn forward_pass(
    g: &Graph,
    f: &Function,
    point: &[f64],
    direction: &[f64],
    rule: fn(Op, i32, &[f64], f64, &[f64]) -> f64,
) -> (Vec<f64>, Vec<f64>) {
    let n = g.len();
    let mut v = vec![f64::NAN; n];
    let mut t = vec![0.0; n];
    for (k, id) in f.inputs().iter().enumerate() {
        v[id.index()] = point[k];
        t[id.index()] = direction[k];
    }
    for id in f.nodes(g) {
        let node = g.node(id);
        match node.op() {
            Op::Input => {}
            Op::Const => v[id.index()] = node.constant_value().unwrap(),
            op => {
                let args: Vec<f64> = node.args().iter().map(|a| v[a.index()]).collect();
                let ts: Vec<f64> = node.args().iter().map(|a| t[a.index()]).collect();
                let r = op.eval(&args, node.exponent());
                t[id.index()] = rule(op, node.exponent(), &args, r, &ts);
                v[id.index()] = r;
            }
        }
    }
    (
        f.output_ids().map(|id| v[id.index()]).collect(),
        f.output_ids().map(|id| t[id.index()]).collect(),
    )
}
