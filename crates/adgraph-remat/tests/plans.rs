//! Plans as values: their printed form (snapshots), strategy spelling, the backward
//! needs table against the derivative rule, and the Pareto sweep.

use adgraph_ir::{derivative, Numbers, Op};
use adgraph_remat::{
    backward_needs, operand_needs, pareto, plan_checkpoints, tapes, CostModel, RematError,
    Strategy, Trace, NEEDS_RESULT, NO_SLOT,
};

fn snapshot(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../snapshots/remat"
    ));
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| insta::assert_snapshot!(name, text));
}

fn trace(w: &adgraph_workloads::Workload) -> Trace {
    Trace::from_function(&w.graph, &w.function).unwrap()
}

#[test]
fn plan_prints() {
    let cases = [
        (
            adgraph_workloads::seed(),
            vec!["store-all", "recompute-all"],
        ),
        (
            adgraph_workloads::van_der_pol(12),
            vec![
                "store-all",
                "recompute-all",
                "periodic:4",
                "revolve:3",
                "budget:2KiB",
            ],
        ),
        (
            adgraph_workloads::lennard_jones(4),
            vec!["store-all", "revolve:2"],
        ),
    ];
    for (w, strategies) in cases {
        let t = trace(&w);
        let mut text = String::new();
        for s in strategies {
            let p = plan_checkpoints(&t, s.parse().unwrap(), &CostModel::unit()).unwrap();
            text.push_str(&p.to_string());
        }
        snapshot(&format!("plans-{}", w.name), &text);
    }
}

#[test]
fn pareto_table_of_the_rk4_chain() {
    let w = adgraph_workloads::van_der_pol(40);
    let f = pareto(&trace(&w), &CostModel::unit(), &w.name).unwrap();
    snapshot("pareto-vdp-rk4-40", &f.table());
    let svg = f.svg();
    assert!(svg.contains("peak bytes held") && svg.contains("recomputation cost"));
    assert_eq!(svg.matches("<title>").count(), f.points.len());
}

#[test]
fn strategies_parse_and_print_back() {
    for s in [
        "store-all",
        "recompute-all",
        "periodic:7",
        "revolve:20",
        "budget:64KiB",
        "budget:3MiB",
        "budget:100B",
    ] {
        let parsed: Strategy = s.parse().unwrap();
        assert_eq!(parsed.to_string(), s);
    }
    assert_eq!(
        "budget:65536".parse::<Strategy>().unwrap(),
        Strategy::Budget(65536)
    );
    for bad in [
        "periodic:0",
        "revolve:x",
        "budget:12kb",
        "budget:",
        "store_all",
        "",
    ] {
        let e = bad.parse::<Strategy>().unwrap_err();
        assert!(
            matches!(
                e,
                RematError::BadParameter { .. } | RematError::UnknownStrategy { .. }
            ),
            "{bad}"
        );
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn infeasible_budget_names_the_smallest() {
    let w = adgraph_workloads::van_der_pol(12);
    let e = plan_checkpoints(&trace(&w), Strategy::Budget(10), &CostModel::unit()).unwrap_err();
    snapshot("budget-too-small", &e.to_string());
}

/// Points every rule is tried at (operand values; the arity's first are used).
const NEEDS_POINTS: [[f64; 3]; 6] = [
    [0.7, 1.3, 1.0],
    [-0.4, 2.5, 0.0],
    [2.0, 2.0, 1.0],
    [0.0, -1.5, 0.0],
    [1e-3, 3.0, 1.0],
    [0.0, 0.0, 1.0],
];

/// Every operator but inputs and constants, with the exponents that matter for it.
fn ops_and_exponents() -> impl Iterator<Item = (Op, i32)> {
    Op::ALL
        .iter()
        .filter(|op| !matches!(op, Op::Input | Op::Const))
        .flat_map(|&op| {
            [0, 1, 2, 3, -2]
                .into_iter()
                .filter(move |&e| e == 0 || op == Op::PowI)
                .map(move |e| (op, e))
        })
}

/// Asserts that the contribution to operand `i` of `op` at `args` is bit-identical when
/// every value `needs` does not name (operands by bit, the result by
/// [`NEEDS_RESULT`]) is replaced by NaN or by another number; returns the contribution.
fn assert_reads_only(op: Op, exponent: i32, args: &[f64], i: usize, needs: u8) -> Option<f64> {
    let r = op.eval(args, exponent);
    let full = derivative(&mut Numbers, op, exponent, args, r, i, 0.75).unwrap();
    for filler in [f64::NAN, 123.25] {
        let mut masked = [filler; 3];
        for (k, m) in masked.iter_mut().enumerate().take(args.len()) {
            if needs & (1 << k) != 0 {
                *m = args[k];
            }
        }
        let mr = if needs & NEEDS_RESULT != 0 { r } else { filler };
        let part = derivative(
            &mut Numbers,
            op,
            exponent,
            &masked[..args.len()],
            mr,
            i,
            0.75,
        )
        .unwrap();
        assert_eq!(
            full.map(f64::to_bits),
            part.map(f64::to_bits),
            "{op:?}^{exponent} operand {i} at {args:?}"
        );
    }
    full
}

/// Values the needs table says a rule does not read can be anything: replacing them by
/// NaN (or by another number) leaves every contribution bit-identical.
#[test]
fn needs_table_covers_what_the_derivative_reads() {
    for (op, exponent) in ops_and_exponents() {
        let needs = backward_needs(op, exponent);
        for x in NEEDS_POINTS {
            for i in 0..op.arity() {
                assert_reads_only(op, exponent, &x[..op.arity()], i, needs);
            }
        }
    }
}

/// Per operand: values [`operand_needs`] does not name for operand `i` can be anything
/// for that operand's contribution (so a step keeps only what the operands taking an
/// adjoint read), and a structurally zero contribution names none.
#[test]
fn operand_needs_cover_what_each_contribution_reads() {
    for (op, exponent) in ops_and_exponents() {
        for i in 0..op.arity() {
            let needs = operand_needs(op, exponent, i);
            assert_eq!(needs & !backward_needs(op, exponent), 0, "{op:?} {i}");
            for x in NEEDS_POINTS {
                if assert_reads_only(op, exponent, &x[..op.arity()], i, needs).is_none() {
                    assert_eq!(needs, 0, "{op:?} {i}: structurally zero");
                }
            }
        }
    }
}

/// A product by a constant keeps only the constant's side: `4 * x` reads no `x`, so
/// nothing goes on the tape for it.
#[test]
fn a_product_by_a_constant_keeps_nothing() {
    let (g, f) = adgraph_ir::parse("input x\noutput z = 4 * sin(x)").unwrap();
    let t = Trace::from_function(&g, &f).unwrap();
    let mul = t.steps().iter().find(|s| s.op == Op::Mul).unwrap();
    let constant = mul.arg_adjoints.iter().position(|&a| a == NO_SLOT).unwrap();
    assert_eq!(mul.needs, 1 << constant);
    let n = t.steps().len() as u32;
    assert_eq!(tapes(&t, &[0, n]), vec![Vec::<u32>::new()]);
}

#[test]
fn more_snapshots_never_recompute_more() {
    let w = adgraph_workloads::van_der_pol(30);
    let t = trace(&w);
    let mut last = u64::MAX;
    for s in 1..40 {
        let p = plan_checkpoints(&t, Strategy::Revolve(s), &CostModel::unit()).unwrap();
        assert!(p.prediction().recomputed_ops <= last);
        last = p.prediction().recomputed_ops;
    }
}
