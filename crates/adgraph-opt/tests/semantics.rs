//! The passes preserve meaning: property tests over random programs and over the
//! workloads.
//!
//! A random program is a list of instructions over three inputs and a few constants.
//! The oracle runs it directly in `f64` with the op table ([`Op::eval`]), with no
//! graph and no rewriting; the candidate is the program built through the smart
//! constructors and then optimized by the full pipeline. So the constructors' local
//! rules and the passes are checked together.
//!
//! - Strict: every output bit-identical (NaN equal to NaN) at random points drawn
//!   from NaN, ±inf, ±0.0, subnormals, extremes and arbitrary bit patterns, on
//!   programs over every operator.
//! - Fast: within 1e-12 relative at finite points where the original is finite. Fast
//!   re-associates, so an ill-conditioned program (a difference of nearly equal
//!   values) can amplify a last-bit change without bound; the Fast programs are
//!   therefore drawn from well-conditioned operators on positive values (`+`, `*`,
//!   `/`, `sqrt`, integer powers, `sigmoid`, `exp` of bounded values), plus the
//!   patterns Fast rewrites exactly in real arithmetic (`x - x`, `x / x`, `x * 0`,
//!   `exp(log x)`, `(v + v) - v`, `(v * w) / w`, like terms, repeated sums).

use adgraph_ir::{evaluate, Function, Graph, NodeId, Op};
use adgraph_opt::{optimize, FloatMode};
use proptest::prelude::*;

/// One instruction: an operator and operand choices (indices into the values so far,
/// taken modulo their number).
#[derive(Clone, Debug)]
struct Instruction {
    op: Op,
    args: [usize; 3],
    exponent: i32,
    /// Whether the value is an output (a pattern's inner steps are not: `log(v)`
    /// inside `exp(log(v))` may be ill-conditioned where the whole is not).
    visible: bool,
}

#[derive(Clone, Debug)]
struct Program {
    constants: Vec<f64>,
    body: Vec<Instruction>,
    /// Extra outputs (indices into all values); every instruction's value is an
    /// output too, so no rewrite hides behind an unused node.
    outputs: Vec<usize>,
}

const INPUTS: usize = 3;

const SPECIALS: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    0.5,
    3.0,
    -2.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    5e-324,
    -1e-310,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    0.1,
];

impl Program {
    fn leaves(&self) -> usize {
        INPUTS + self.constants.len()
    }

    /// The values of the visible instructions.
    fn visible<T: Copy>(&self, values: &[T]) -> Vec<T> {
        values
            .iter()
            .zip(&self.body)
            .filter(|(_, ins)| ins.visible)
            .map(|(&v, _)| v)
            .collect()
    }

    /// Runs the program in plain `f64`: the oracle.
    fn run(&self, point: &[f64]) -> Vec<f64> {
        let mut v: Vec<f64> = point.to_vec();
        v.extend(&self.constants);
        for ins in &self.body {
            let n = v.len();
            let a: Vec<f64> = (0..ins.op.arity()).map(|i| v[ins.args[i] % n]).collect();
            v.push(ins.op.eval(&a, ins.exponent));
        }
        let shown = self.visible(&v[self.leaves()..]);
        self.outputs
            .iter()
            .map(|&o| v[o % v.len()])
            .chain(shown)
            .collect()
    }

    /// Builds the program through the smart constructors of a Strict graph.
    fn build(&self) -> (Graph, Function) {
        let mut g = Graph::new();
        let inputs: Vec<NodeId> = (0..INPUTS)
            .map(|i| g.input(&format!("x{i}")).unwrap())
            .collect();
        let mut ids = inputs.clone();
        for &c in &self.constants {
            ids.push(g.constant(c).unwrap());
        }
        for ins in &self.body {
            let n = ids.len();
            let a: Vec<NodeId> = (0..ins.op.arity()).map(|i| ids[ins.args[i] % n]).collect();
            let id = match ins.op {
                Op::PowI => g.powi(a[0], ins.exponent).unwrap(),
                op => g.apply(op, &a).unwrap(),
            };
            ids.push(id);
        }
        let leaves = self.leaves();
        let outputs = self
            .outputs
            .iter()
            .map(|&o| ids[o % ids.len()])
            .chain(self.visible(&ids[leaves..]))
            .enumerate()
            .map(|(k, id)| (format!("y{k}"), id))
            .collect();
        let f = Function::new(&g, inputs, outputs).unwrap();
        (g, f)
    }
}

fn any_op() -> impl Strategy<Value = Op> {
    let ops: Vec<Op> = Op::ALL
        .iter()
        .copied()
        .filter(|op| !matches!(op, Op::Input | Op::Const))
        .collect();
    proptest::sample::select(ops)
}

fn instruction(ops: BoxedStrategy<Op>) -> impl Strategy<Value = Instruction> {
    (ops, any::<[usize; 3]>(), -3i32..=4).prop_map(|(op, args, exponent)| Instruction {
        op,
        args,
        exponent,
        visible: true,
    })
}

fn strict_program() -> impl Strategy<Value = Program> {
    (
        proptest::collection::vec(proptest::sample::select(CONSTANTS.to_vec()), 1..5),
        proptest::collection::vec(instruction(any_op().boxed()), 1..24),
        proptest::collection::vec(any::<usize>(), 1..4),
    )
        .prop_map(|(constants, body, outputs)| Program {
            constants,
            body,
            outputs,
        })
}

fn special_or_any() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => proptest::sample::select(SPECIALS.to_vec()),
        1 => any::<f64>(),
        1 => -10.0..10.0f64,
    ]
}

/// Constants of Strict programs: the values rewrites key on, and special ones.
const CONSTANTS: [f64; 10] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    0.5,
    4.0,
    3.0,
    f64::NAN,
    f64::INFINITY,
];

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// A Fast program: well-conditioned operators on positive values, and the patterns
/// Fast removes (each instruction may wrap its result in one).
fn fast_program() -> impl Strategy<Value = Program> {
    let ops = proptest::sample::select(vec![
        Op::Add,
        Op::Add,
        Op::Mul,
        Op::Mul,
        Op::Div,
        Op::Sqrt,
        Op::PowI,
        Op::Sigmoid,
        Op::Min,
        Op::Max,
    ])
    .boxed();
    (
        proptest::collection::vec(0.25..4.0f64, 1..4),
        proptest::collection::vec((instruction(ops), 0u8..12), 1..30),
        proptest::collection::vec(any::<usize>(), 1..4),
    )
        .prop_map(|(constants, body, outputs)| {
            let mut program = Program {
                constants,
                body: Vec::new(),
                outputs,
            };
            for (mut ins, pattern) in body {
                if ins.op == Op::PowI {
                    ins.exponent = ins.exponent.clamp(-2, 3);
                }
                let at = program.leaves() + program.body.len();
                program.body.push(ins.clone());
                // Resolve the second operand now: indices are taken modulo the
                // number of values, which grows as the pattern adds instructions.
                wrap(&mut program.body, at, ins.args[1] % (at + 1), pattern);
            }
            program
        })
}

/// Appends instructions that turn value `at` into an equal value in real arithmetic
/// (`other` picks a second operand): what Fast should simplify away.
fn wrap(body: &mut Vec<Instruction>, at: usize, other: usize, pattern: u8) {
    let ins = |op, a: usize, b: usize| Instruction {
        op,
        args: [a, b, 0],
        exponent: 0,
        visible: false,
    };
    let start = body.len();
    match pattern {
        // (v + v) - v (a difference of values of one scale: well-conditioned)
        0 => {
            body.push(ins(Op::Add, at, at));
            body.push(ins(Op::Sub, at + 1, at));
        }
        // v + (v - v)
        1 => {
            body.push(ins(Op::Sub, at, at));
            body.push(ins(Op::Add, at, at + 1));
        }
        // (v * w) / w
        2 => {
            body.push(ins(Op::Mul, at, other));
            body.push(ins(Op::Div, at + 1, other));
        }
        // exp(log(v))
        3 => {
            body.push(ins(Op::Log, at, 0));
            body.push(ins(Op::Exp, at + 1, 0));
        }
        // v + v + v (a repeated sum)
        4 => {
            body.push(ins(Op::Add, at, at));
            body.push(ins(Op::Add, at + 1, at));
        }
        // v * v * v / v
        5 => {
            body.push(ins(Op::Mul, at, at));
            body.push(ins(Op::Mul, at + 1, at));
            body.push(ins(Op::Div, at + 2, at));
        }
        _ => {}
    }
    if body.len() > start {
        if let Some(last) = body.last_mut() {
            last.visible = true;
        }
    }
}

fn check_fast(p: &Program, point: &[f64]) -> Result<(), TestCaseError> {
    let (g, f) = p.build();
    let (r, _) = optimize(&g, std::slice::from_ref(&f), FloatMode::Fast).unwrap();
    let want = p.run(point);
    let got = evaluate(&r.graph, &r.functions[0], point).unwrap();
    for (k, (&w, &x)) in want.iter().zip(&got).enumerate() {
        // Relative where |w| >= 1, absolute below: a result that is the rounding
        // residue of an exact cancellation (log((x/c/x*c)^2) = -7e-16 where Fast gives
        // the exact 0) has no relative digits to keep.
        if w.is_finite() && (w - x).abs() > 1e-12 * w.abs().max(1.0) {
            let one = |g: &Graph, f: &Function| {
                let o = &f.outputs()[k];
                let single = Function::new(g, f.inputs().to_vec(), vec![(o.name.clone(), o.id)]);
                single.map(|s| adgraph_ir::dump(g, &s)).unwrap_or_default()
            };
            prop_assert!(
                false,
                "output {k} at {point:?}: {w:e} vs {x:e}\nbuilt:\n{}optimized:\n{}",
                one(&g, &f),
                one(&r.graph, &r.functions[0])
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn strict_pipeline_is_bit_exact(
        p in strict_program(),
        points in proptest::collection::vec(proptest::collection::vec(special_or_any(), INPUTS), 8),
    ) {
        let (g, f) = p.build();
        let (r, _) = optimize(&g, std::slice::from_ref(&f), FloatMode::Strict).unwrap();
        for point in &points {
            let want = p.run(point);
            let built = evaluate(&g, &f, point).unwrap();
            let got = evaluate(&r.graph, &r.functions[0], point).unwrap();
            for k in 0..want.len() {
                prop_assert!(same(want[k], built[k]), "constructors, output {k} at {point:?}: {:e} vs {:e}", want[k], built[k]);
                prop_assert!(same(want[k], got[k]), "pipeline, output {k} at {point:?}: {:e} vs {:e}", want[k], got[k]);
            }
        }
    }

    #[test]
    fn fast_pipeline_is_close_at_finite_points(
        p in fast_program(),
        points in proptest::collection::vec(proptest::collection::vec(0.25..4.0f64, INPUTS), 4),
    ) {
        for point in &points {
            check_fast(&p, point)?;
        }
    }
}

/// Points near a workload's own point, and (for Strict) special values.
fn perturbed(point: &[f64], k: u64) -> Vec<f64> {
    let mut rng = adgraph_workloads::Rng::new(k);
    point
        .iter()
        .map(|&x| x * (1.0 + 0.05 * rng.next_f64()))
        .collect()
}

#[test]
fn workloads_keep_their_values() {
    for w in adgraph_workloads::small() {
        let fs = std::slice::from_ref(&w.function);
        let (strict, _) = optimize(&w.graph, fs, FloatMode::Strict).unwrap();
        let (fast, _) = optimize(&w.graph, fs, FloatMode::Fast).unwrap();
        let mut points = vec![w.point.clone()];
        points.extend((1..6).map(|k| perturbed(&w.point, k)));
        for (k, &s) in SPECIALS.iter().enumerate() {
            let mut p = w.point.clone();
            let at = k % p.len();
            p[at] = s;
            points.push(p);
        }
        for (i, point) in points.iter().enumerate() {
            let want = evaluate(&w.graph, &w.function, point).unwrap();
            let got = evaluate(&strict.graph, &strict.functions[0], point).unwrap();
            for (a, b) in want.iter().zip(&got) {
                assert!(
                    same(*a, *b),
                    "{} strict at point {i}: {a:e} vs {b:e}",
                    w.name
                );
            }
            if i < 6 {
                let got = evaluate(&fast.graph, &fast.functions[0], point).unwrap();
                for (a, b) in want.iter().zip(&got) {
                    assert!(
                        !a.is_finite() || (a - b).abs() <= 1e-12 * a.abs(),
                        "{} fast at point {i}: {a:e} vs {b:e}",
                        w.name
                    );
                }
            }
        }
    }
}

/// Whether two graphs and their functions are node for node the same.
fn identical(a: &adgraph_opt::Optimized, b: &adgraph_opt::Optimized) -> bool {
    a.functions == b.functions
        && a.graph.len() == b.graph.len()
        && a.graph
            .iter()
            .zip(b.graph.iter())
            .all(|((ia, na), (_, nb))| na == nb && a.graph.input_name(ia) == b.graph.input_name(ia))
}

/// The nodes the functions of `r` reach (and their inputs), copied by
/// `Graph::compacted`, and the functions mapped over.
fn compacted(r: &adgraph_opt::Optimized) -> adgraph_opt::Optimized {
    let g = &r.graph;
    let mut keep = vec![false; g.len()];
    for f in &r.functions {
        for id in f.output_ids().chain(f.inputs().iter().copied()) {
            keep[id.index()] = true;
        }
    }
    for i in (0..g.len()).rev() {
        if keep[i] {
            for a in g.node(NodeId::new(i as u32)).args() {
                keep[a.index()] = true;
            }
        }
    }
    let (graph, map) = g.compacted(&keep).unwrap();
    let at = |id: NodeId| map[id.index()].unwrap();
    let functions = r
        .functions
        .iter()
        .map(|f| {
            let inputs = f.inputs().iter().map(|&i| at(i)).collect();
            let outputs = f
                .outputs()
                .iter()
                .map(|o| (o.name.clone(), at(o.id)))
                .collect();
            Function::new(&graph, inputs, outputs).unwrap()
        })
        .collect();
    adgraph_opt::Optimized { graph, functions }
}

/// The pipeline skips rebuilding every node of a graph it built itself (see
/// `run_segment` in pipeline.rs): that rebuild must give the graph back node for node,
/// whatever built it in the mode (a rebuild of all nodes, of the reachable ones, or
/// the Fast `simplify`).
fn rebuild_is_identity(g: &Graph, f: &Function) -> Result<(), TestCaseError> {
    use adgraph_opt::{eliminate_dead_nodes, fold_constants, simplify};
    let fs = std::slice::from_ref(f);
    for mode in [FloatMode::Strict, FloatMode::Fast] {
        for built in [
            fold_constants(g, fs, mode).unwrap(),
            eliminate_dead_nodes(g, fs, mode).unwrap(),
            simplify(g, fs, mode).unwrap(),
        ] {
            let again = fold_constants(&built.graph, &built.functions, mode).unwrap();
            prop_assert!(
                identical(&built, &again),
                "{mode:?}: a rebuild changed the graph"
            );
            // Rebuilding the reachable nodes is copying them.
            let dce = eliminate_dead_nodes(&built.graph, &built.functions, mode).unwrap();
            prop_assert!(
                identical(&dce, &compacted(&built)),
                "{mode:?}: dce is not a copy"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_rebuild_of_a_rebuilt_graph_is_the_same_graph(p in strict_program(), q in fast_program()) {
        let (g, f) = p.build();
        rebuild_is_identity(&g, &f)?;
        let (g, f) = q.build();
        rebuild_is_identity(&g, &f)?;
    }
}

/// Past 2^18 nodes a rebuild and `Graph::compacted` prefetch the lines of nodes ahead
/// (rebuild.rs, graph.rs): a hint that must change nothing. A Strict graph the
/// constructors built is its own rebuild, and its dead-node elimination its copy.
#[test]
fn large_rebuilds_are_identity() {
    let mut g = Graph::new();
    let mut ids: Vec<NodeId> = (0..16)
        .map(|i| g.input(&format!("x{i}")).unwrap())
        .collect();
    let ops = [
        Op::Add,
        Op::Sub,
        Op::Mul,
        Op::Div,
        Op::Sin,
        Op::Neg,
        Op::Max,
    ];
    let mut state = 9u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    while g.len() < 300_000 {
        let op = ops[next() % ops.len()];
        let (a, b) = (ids[next() % ids.len()], ids[next() % ids.len()]);
        let id = match next() % 50 {
            0 => g.constant((next() % 7) as f64 - 3.0).unwrap(),
            1 => g.powi(a, (next() % 5) as i32 - 2).unwrap(),
            _ => g.apply(op, &[a, b][..op.arity()]).unwrap(),
        };
        ids.push(id);
    }
    let outputs = (0..4)
        .map(|k| (format!("y{k}"), ids[ids.len() - 1 - 1000 * k]))
        .collect();
    let f = Function::new(&g, ids[..16].to_vec(), outputs).unwrap();
    let built = adgraph_opt::Optimized {
        graph: g.clone(),
        functions: vec![f],
    };
    let fs = &built.functions;
    let again = adgraph_opt::fold_constants(&g, fs, FloatMode::Strict).unwrap();
    assert!(identical(&built, &again), "a rebuild changed the graph");
    let dce = adgraph_opt::eliminate_dead_nodes(&g, fs, FloatMode::Strict).unwrap();
    let copy = compacted(&built);
    assert!(identical(&dce, &copy), "dce is not a copy");
    for (id, node) in copy.graph.iter() {
        assert_eq!(copy.graph.find(node), Some(id));
    }
}
