//! Property tests: every function prints as `.adg` that parses back to the same
//! function, node for node, and the parser never panics on any text.
//!
//! Random graphs use every operator (integer powers with negative and extreme
//! exponents, `select`, comparisons), special constants (±0, ±inf, ±NaN, subnormals,
//! huge values), inputs created in any order and output names that collide with the
//! printer's `let` names. The number of cases is kept small enough for a debug run in a
//! few seconds; set `ADGRAPH_PROPTEST_CASES` for more.

use adgraph_ir::{dump, evaluate, parse, parse_into, FloatMode, Function, Graph, Node, NodeId, Op};
use proptest::prelude::*;

mod common;
use common::cases;

/// Input names; `v0` and `v2` collide with the printer's default `let` names.
const INPUT_NAMES: [&str; 5] = ["x", "y", "v0", "z", "v2"];

/// Output names; `v1` collides with a `let` name, `x` with an input name.
const OUTPUT_NAMES: [&str; 5] = ["f", "v1", "x", "g_2", "out0"];

/// Values that exercise every corner of binary64 printing and evaluation.
const SPECIALS: [f64; 18] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    0.5,
    3.0,
    0.1,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    5e-324,
    -2.2250738585072014e-308,
    1e300,
    -1.7976931348623157e308,
    123456.789,
    -7.0,
    1e-7,
];

/// Exponents of integer powers, including the extremes of `i32`.
const EXPONENTS: [i32; 11] = [-3, -2, -1, 0, 1, 2, 3, 7, -8, i32::MAX, i32::MIN];

/// One step of building a random graph.
#[derive(Clone, Debug)]
enum Step {
    /// Create (or fetch) input `INPUT_NAMES[i]`.
    Input(usize),
    /// A constant: a special value, or any finite-or-not bit pattern but NaN.
    Const(f64),
    /// The `k`-th non-leaf operator over operands picked from the pool.
    Apply(usize, [usize; 3]),
    /// `pool[a] ^ EXPONENTS[e]`.
    PowI(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    let constant = prop_oneof![
        3 => (0..SPECIALS.len()).prop_map(|i| SPECIALS[i]),
        1 => any::<f64>().prop_map(|x| if x.is_nan() { -f64::NAN } else { x }),
    ];
    prop_oneof![
        1 => (0..INPUT_NAMES.len()).prop_map(Step::Input),
        2 => constant.prop_map(Step::Const),
        6 => (any::<usize>(), any::<[usize; 3]>()).prop_map(|(k, a)| Step::Apply(k, a)),
        1 => (any::<usize>(), 0..EXPONENTS.len()).prop_map(|(a, e)| Step::PowI(a, e)),
    ]
}

/// The operators `Graph::apply` builds (every operator but leaves and `PowI`).
fn applicable() -> Vec<Op> {
    Op::ALL
        .iter()
        .copied()
        .filter(|op| !matches!(op, Op::Input | Op::Const | Op::PowI))
        .collect()
}

/// A random graph and a function over it: `inputs` inputs (all declared, in name
/// order, whatever order they were created in), outputs picked from every node built.
fn build(mode: FloatMode, inputs: usize, steps: &[Step], outputs: &[usize]) -> (Graph, Function) {
    let ops = applicable();
    let mut g = Graph::with_mode(mode);
    let mut pool: Vec<NodeId> = Vec::new();
    for s in steps {
        let id = match *s {
            Step::Input(i) => g.input(INPUT_NAMES[i % inputs]),
            Step::Const(x) => g.constant(x),
            Step::Apply(_, _) | Step::PowI(_, _) if pool.is_empty() => continue,
            Step::Apply(k, picks) => {
                let op = ops[k % ops.len()];
                let args: Vec<NodeId> = picks[..op.arity()]
                    .iter()
                    .map(|&p| pool[p % pool.len()])
                    .collect();
                g.apply(op, &args)
            }
            Step::PowI(a, e) => g.powi(pool[a % pool.len()], EXPONENTS[e]),
        };
        pool.push(id.expect("far below the node limit"));
    }
    let declared: Vec<NodeId> = INPUT_NAMES[..inputs]
        .iter()
        .map(|n| g.input(n).unwrap())
        .collect();
    if pool.is_empty() {
        pool.push(declared[0]);
    }
    let outs = outputs
        .iter()
        .enumerate()
        .map(|(k, &p)| (OUTPUT_NAMES[k].to_string(), pool[p % pool.len()]))
        .collect();
    let f = Function::new(&g, declared, outs).expect("a valid function");
    (g, f)
}

fn graph_and_function(mode: FloatMode) -> impl Strategy<Value = (Graph, Function)> {
    (
        1..=INPUT_NAMES.len(),
        prop::collection::vec(step(), 0..48),
        prop::collection::vec(any::<usize>(), 1..=OUTPUT_NAMES.len()),
    )
        .prop_map(move |(inputs, steps, outputs)| build(mode, inputs, &steps, &outputs))
}

/// Whether two results are the same: equal bits, or both NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Maps every node of `f` in `g` to the equal node of `g2` (same operator, same
/// payload, operands mapped in the same order), or says which node has no match.
fn node_for_node(g: &Graph, f: &Function, g2: &Graph, f2: &Function) -> Result<(), String> {
    let nodes = f.nodes(g);
    let nodes2 = f2.nodes(g2);
    if nodes.len() != nodes2.len() {
        return Err(format!("{} nodes became {}", nodes.len(), nodes2.len()));
    }
    let mut map: Vec<Option<NodeId>> = vec![None; g.len()];
    for &id in &nodes {
        let node = g.node(id);
        let args: Vec<NodeId> = node
            .args()
            .iter()
            .map(|a| map[a.index()].expect("operands are mapped first"))
            .collect();
        let mapped = match node.op() {
            Op::Input => g2.find_input(g.input_name(id).unwrap()),
            Op::Const => g2.find(node),
            Op::PowI => g2.find(&Node::powi(args[0], node.exponent())),
            op => g2.find(&Node::apply(op, &args)),
        };
        map[id.index()] = Some(mapped.ok_or_else(|| format!("no match for {id} = {node:?}"))?);
    }
    let outs: Vec<_> = f.output_ids().map(|id| map[id.index()]).collect();
    let outs2: Vec<_> = f2.output_ids().map(Some).collect();
    if outs != outs2 {
        return Err(format!("outputs {outs:?} became {outs2:?}"));
    }
    let ins: Vec<_> = f.inputs().iter().map(|id| map[id.index()]).collect();
    let ins2: Vec<_> = f2.inputs().iter().copied().map(Some).collect();
    if ins != ins2 {
        return Err(format!("inputs {ins:?} became {ins2:?}"));
    }
    Ok(())
}

/// A point for `n` inputs: ordinary values and specials.
fn point(n: usize) -> impl Strategy<Value = Vec<f64>> {
    let value = prop_oneof![
        2 => (0..SPECIALS.len()).prop_map(|i| SPECIALS[i]),
        1 => -10.0..10.0f64,
        1 => any::<f64>(),
    ];
    prop::collection::vec(value, n)
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn dump_parses_back_to_the_same_function(
        (g, f) in graph_and_function(FloatMode::Strict),
        points in prop::collection::vec(point(INPUT_NAMES.len()), 4),
    ) {
        let text = dump(&g, &f);
        let (g2, f2) = match parse(&text) {
            Ok(parsed) => parsed,
            Err(e) => return Err(TestCaseError::fail(e.render("dump", &text))),
        };
        prop_assert_eq!(dump(&g2, &f2), text.clone(), "dump is not a fixed point");
        prop_assert_eq!(f.input_names(&g), f2.input_names(&g2));
        if let Err(e) = node_for_node(&g, &f, &g2, &f2) {
            return Err(TestCaseError::fail(format!("{e}\n{text}")));
        }
        prop_assert_eq!(f.op_count(&g), f2.op_count(&g2));
        for p in &points {
            let p = &p[..f.inputs().len()];
            let want = evaluate(&g, &f, p).unwrap();
            let got = evaluate(&g2, &f2, p).unwrap();
            prop_assert!(
                want.iter().zip(&got).all(|(&a, &b)| same(a, b)),
                "at {:?}: {:?} vs {:?}\n{}", p, want, got, text
            );
        }
    }

    /// A function built in `Fast` mode, parsed into a `Fast` graph: the same function.
    #[test]
    fn fast_dump_parses_back_to_the_same_function((g, f) in graph_and_function(FloatMode::Fast)) {
        let text = dump(&g, &f);
        let mut g2 = Graph::with_mode(FloatMode::Fast);
        let f2 = parse_into(&mut g2, &text).map_err(|e| TestCaseError::fail(e.render("dump", &text)))?;
        prop_assert_eq!(dump(&g2, &f2), text.clone());
        if let Err(e) = node_for_node(&g, &f, &g2, &f2) {
            return Err(TestCaseError::fail(format!("{e}\n{text}")));
        }
    }

    /// Text made of the language's own tokens, glued at random: the parser returns a
    /// function or an error whose position lies inside the text, and rendering the
    /// error never panics.
    #[test]
    fn parser_never_panics(
        pieces in prop::collection::vec(prop_oneof![
            Just("input "), Just("let "), Just("output "), Just("x"), Just("y"), Just(", "),
            Just(" = "), Just("+"), Just("-"), Just("*"), Just("/"), Just("^"), Just("("),
            Just(")"), Just("<"), Just("<="), Just("=="), Just("!="), Just("2"), Just("0.5"),
            Just("1e3"), Just("1e999"), Just("inf"), Just("nan"), Just("sin"), Just("max"),
            Just("select"), Just("\n"), Just("# c\n"), Just("é"), Just("\t"), Just("."),
            Just("$"), Just("3."), Just("\r\n"),
        ], 0..40),
    ) {
        let text: String = pieces.concat();
        match parse(&text) {
            Ok((g, f)) => {
                let again = dump(&g, &f);
                let (g2, f2) = parse(&again).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(dump(&g2, &f2), again);
            }
            Err(e) => {
                let lines = text.split('\n').count();
                prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {}", e.line, lines);
                let line = text.split('\n').nth(e.line - 1).unwrap_or("");
                prop_assert!(e.column >= 1 && e.column <= line.chars().count() + 1);
                let shown = e.render("t.adg", &text);
                prop_assert!(shown.ends_with('^'));
            }
        }
    }
}

#[test]
fn inputs_created_out_of_order_still_round_trip() {
    // `y` and the constant exist before `sin(x)`; the dump declares `x, y` and writes
    // the constant where it is used, so a reparse creates them in another order.
    let mut g = Graph::new();
    let y = g.input("y").unwrap();
    let two = g.constant(2.0).unwrap();
    let x = g.input("x").unwrap();
    let s = g.apply(Op::Sin, &[x]).unwrap();
    let a = g.mul(two, s).unwrap();
    let b = g.mul(y, x).unwrap();
    let c = g.add(a, b).unwrap();
    let f = Function::new(&g, vec![x, y], vec![("c".into(), c)]).unwrap();
    let text = dump(&g, &f);
    assert_eq!(
        text,
        "input x, y\nlet v0 = sin(x)\nlet v1 = v0 * 2\nlet v2 = x * y\noutput c = v1 + v2\n"
    );
    let (g2, f2) = parse(&text).unwrap();
    assert_eq!(dump(&g2, &f2), text);
    node_for_node(&g, &f, &g2, &f2).unwrap();
}
