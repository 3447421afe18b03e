//! Property test: [`Graph::extend_indexed`] builds exactly what the smart constructors
//! build one call at a time: the same id for every entry and the same graph, node for
//! node, in both float modes, however the steps are cut into batches and whether an
//! operand is named by id or as an earlier entry of its batch.
//!
//! Set `ADGRAPH_PROPTEST_CASES` for more cases than the default.

use adgraph_ir::{BatchArg, BatchNode, FloatMode, Graph, GraphError, NodeId, Op};
use proptest::prelude::*;

mod common;
use common::cases;

const INPUTS: usize = 4;

/// Constants that trigger folds and rewrites (0, ±1, 2, powers of two, NaN, inf).
const CONSTANTS: [f64; 10] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    0.5,
    4.0,
    f64::INFINITY,
    f64::NAN,
    3.25,
];

/// One step: operands index every node built before it (inputs first).
#[derive(Clone, Debug)]
enum Step {
    Constant(usize),
    Apply(usize, [usize; 3]),
    PowI(usize, i32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..CONSTANTS.len()).prop_map(Step::Constant),
        6 => (any::<usize>(), any::<[usize; 3]>()).prop_map(|(k, a)| Step::Apply(k, a)),
        1 => (any::<usize>(), -3i32..5).prop_map(|(a, n)| Step::PowI(a, n)),
    ]
}

/// Every operator `Graph::apply` takes.
fn applicable() -> Vec<Op> {
    Op::ALL
        .iter()
        .copied()
        .filter(|op| !matches!(op, Op::Input | Op::Const | Op::PowI))
        .collect()
}

/// A graph with the inputs, and their ids.
fn start(mode: FloatMode) -> (Graph, Vec<NodeId>) {
    let mut g = Graph::with_mode(mode);
    let ids = (0..INPUTS)
        .map(|i| g.input(&format!("x{i}")).unwrap())
        .collect();
    (g, ids)
}

/// Builds `steps` after `filler` constants (which nobody uses) one call at a time,
/// and through batches, and checks the two agree. The filler puts a graph past the
/// size from which a batch prefetches.
fn agree(mode: FloatMode, filler: usize, steps: &[Step], cuts: &[usize]) {
    let fill = |g: &mut Graph| {
        for k in 0..filler {
            g.constant(1e6 + k as f64).unwrap();
        }
    };
    let (g, ids) = one_by_one(mode, steps, fill);
    let (h, hids) = batched(mode, steps, cuts, fill);
    assert_eq!(ids, hids);
    assert!(same(&g, &h));
}

/// The step's operator and operand indices (into all earlier steps' ids).
fn resolve(ops: &[Op], i: usize, s: &Step) -> (Option<Op>, [usize; 3]) {
    let before = INPUTS + i;
    match *s {
        Step::Constant(_) => (None, [0; 3]),
        Step::Apply(k, a) => (Some(ops[k % ops.len()]), a.map(|x| x % before)),
        Step::PowI(a, _) => (None, [a % before, 0, 0]),
    }
}

fn one_by_one(mode: FloatMode, steps: &[Step], fill: impl Fn(&mut Graph)) -> (Graph, Vec<NodeId>) {
    let ops = applicable();
    let (mut g, mut ids) = start(mode);
    fill(&mut g);
    for (i, s) in steps.iter().enumerate() {
        let (op, a) = resolve(&ops, i, s);
        let id = match *s {
            Step::Constant(c) => g.constant(CONSTANTS[c]),
            Step::PowI(_, n) => g.powi(ids[a[0]], n),
            Step::Apply(..) => {
                let op = op.unwrap();
                let args = a.map(|x| ids[x]);
                g.apply(op, &args[..op.arity()])
            }
        };
        ids.push(id.unwrap());
    }
    (g, ids)
}

fn batched(
    mode: FloatMode,
    steps: &[Step],
    cuts: &[usize],
    fill: impl Fn(&mut Graph),
) -> (Graph, Vec<NodeId>) {
    let ops = applicable();
    let (mut g, mut ids) = start(mode);
    fill(&mut g);
    let mut from = 0;
    let mut cuts = cuts
        .iter()
        .map(|c| c % (steps.len() + 1))
        .collect::<Vec<_>>();
    cuts.push(steps.len());
    cuts.sort_unstable();
    for to in cuts {
        let begin = ids.len();
        let batch: Vec<BatchNode> = (from..to)
            .map(|i| {
                let (op, a) = resolve(&ops, i, &steps[i]);
                // Every way to name an operand: by id or by position in `ids` before
                // the batch, by entry or by position in `ids` in it.
                let arg = |x: usize| match (x < begin, (x + i).is_multiple_of(2)) {
                    (true, true) => BatchArg::Id(ids[x]),
                    (false, true) => BatchArg::Entry((x - begin) as u32),
                    (_, false) => BatchArg::Out(x as u32),
                };
                match steps[i] {
                    Step::Constant(c) => BatchNode::Constant(CONSTANTS[c]),
                    Step::PowI(_, n) => BatchNode::PowI(arg(a[0]), n),
                    Step::Apply(..) => BatchNode::Apply(op.unwrap(), a.map(arg)),
                }
            })
            .collect();
        g.extend_indexed(&batch, &mut ids).unwrap();
        from = to.max(from);
    }
    (g, ids)
}

fn same(a: &Graph, b: &Graph) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ia, na), (ib, nb))| ia == ib && na == nb)
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn batches_build_what_the_constructors_build(
        steps in prop::collection::vec(step(), 1..300),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        fast in any::<bool>(),
        reserved in any::<bool>(),
    ) {
        let mode = if fast { FloatMode::Fast } else { FloatMode::Strict };
        // A graph that reserved room for 2^18 nodes prefetches from its first entry.
        let fill = |g: &mut Graph| {
            if reserved {
                g.reserve(1 << 18);
            }
        };
        let (g, ids) = one_by_one(mode, &steps, fill);
        let (h, hids) = batched(mode, &steps, &cuts, fill);
        prop_assert_eq!(&ids, &hids);
        prop_assert!(same(&g, &h));
    }
}

#[test]
fn large_batches_match() {
    // Deterministic steps, more than the prefetch distance, in both modes, as one
    // batch and as a few; in a small graph and in one past 2^18 nodes, where the
    // batch prefetches.
    let mut state = 5u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let steps: Vec<Step> = (0..20_000)
        .map(|_| match next() % 10 {
            0 => Step::Constant(next() % CONSTANTS.len()),
            1 => Step::PowI(next(), (next() % 7) as i32 - 3),
            _ => Step::Apply(next(), [next(), next(), next()]),
        })
        .collect();
    for mode in [FloatMode::Strict, FloatMode::Fast] {
        for cuts in [vec![], vec![7, 64, 65, 9000]] {
            agree(mode, 0, &steps, &cuts);
        }
    }
    agree(FloatMode::Strict, 1 << 18, &steps, &[1000]);
    agree(FloatMode::Fast, 1 << 18, &steps[..5000], &[]);
}

#[test]
fn errors_are_the_same_where_a_batch_prefetches() {
    // Each bad entry after twelve good ones (more than the prefetch distance), in a
    // graph too small to prefetch and in one past 2^18 nodes: the same error, after
    // the same entries.
    let unknown = BatchArg::Id(NodeId::new(u32::MAX - 1));
    let bad = [
        (
            BatchNode::apply(Op::Sin, &[unknown]).unwrap(),
            GraphError::UnknownNode {
                id: NodeId::new(u32::MAX - 1),
            },
        ),
        (
            BatchNode::PowI(unknown, 3),
            GraphError::UnknownNode {
                id: NodeId::new(u32::MAX - 1),
            },
        ),
        (
            BatchNode::Apply(Op::Const, [BatchArg::Entry(0); 3]),
            GraphError::Arity {
                op: Op::Const,
                found: 0,
            },
        ),
        (
            BatchNode::apply(Op::Cos, &[BatchArg::Entry(40)]).unwrap(),
            GraphError::ForwardEntry {
                entry: 12,
                operand: 40,
            },
        ),
        (
            // `ids` holds the twelve entries before: position 12 is this entry's own.
            BatchNode::apply(Op::Cos, &[BatchArg::Out(12)]).unwrap(),
            GraphError::ForwardEntry {
                entry: 12,
                operand: 12,
            },
        ),
    ];
    for filler in [0, 1 << 18] {
        for (entry, want) in &bad {
            let mut g = Graph::new();
            for k in 0..filler {
                g.constant(k as f64).unwrap();
            }
            let x = g.input("x").unwrap();
            let mut batch: Vec<BatchNode> = (0..12)
                .map(|k| match k {
                    0 => BatchNode::apply(Op::Sin, &[BatchArg::Id(x)]).unwrap(),
                    _ => BatchNode::apply(Op::Exp, &[BatchArg::Entry(k - 1)]).unwrap(),
                })
                .collect();
            batch.push(*entry);
            batch.extend_from_within(..12);
            let mut ids = Vec::new();
            assert_eq!(g.extend_indexed(&batch, &mut ids), Err(want.clone()));
            assert_eq!(ids.len(), 12, "the entries before the bad one are built");
            assert_eq!(g.len(), filler + 13);
        }
    }
}

#[test]
fn positions_name_ids_of_earlier_calls() {
    // A DAG as a list whose operands are positions in it, built in two calls into one
    // `out`: the second names ids the first pushed.
    let mut g = Graph::new();
    let x = g.input("x").unwrap();
    let mut out = vec![x];
    let first = [
        BatchNode::apply(Op::Sin, &[BatchArg::Out(0)]).unwrap(), // 1: sin(x)
        BatchNode::apply(Op::Mul, &[BatchArg::Out(1), BatchArg::Out(0)]).unwrap(), // 2
    ];
    g.extend_indexed(&first, &mut out).unwrap();
    let second = [
        BatchNode::apply(Op::Add, &[BatchArg::Out(2), BatchArg::Out(1)]).unwrap(), // 3
        BatchNode::PowI(BatchArg::Out(3), 3),                                      // 4
        BatchNode::apply(Op::Mul, &[BatchArg::Out(0), BatchArg::Out(1)]).unwrap(), // = 2
    ];
    g.extend_indexed(&second, &mut out).unwrap();
    let s = g.apply(Op::Sin, &[x]).unwrap();
    let m = g.mul(s, x).unwrap();
    let a = g.add(m, s).unwrap();
    let p = g.powi(a, 3).unwrap();
    assert_eq!(out, [x, s, m, a, p, m]);
}

#[test]
fn errors_stop_where_the_constructors_stop() {
    let mut g = Graph::new();
    g.set_node_limit(6);
    let x = g.input("x").unwrap();
    let mut ids = Vec::new();
    let batch = [
        BatchNode::apply(Op::Sin, &[BatchArg::Id(x)]).unwrap(),
        BatchNode::apply(Op::Cos, &[BatchArg::Entry(0)]).unwrap(),
        BatchNode::apply(Op::Sin, &[BatchArg::Id(x)]).unwrap(),
        BatchNode::Constant(1.0),
        BatchNode::apply(Op::Exp, &[BatchArg::Entry(1)]).unwrap(),
        BatchNode::apply(Op::Log, &[BatchArg::Entry(4)]).unwrap(),
        BatchNode::apply(Op::Tanh, &[BatchArg::Entry(5)]).unwrap(),
    ];
    let err = g.extend_indexed(&batch, &mut ids).unwrap_err();
    assert_eq!(err, GraphError::CapacityExceeded { limit: 6 });
    assert_eq!(ids.len(), 6, "entries before the full graph are built");
    assert_eq!(ids[2], ids[0], "an equal node is shared");
    assert_eq!(g.len(), 6);
}
