//! Native code against the oracles: outputs bit-identical to the reference evaluator
//! (and so to the interpreter) on every workload, on their symbolic gradients, and on
//! random graphs at points full of special values, with register pressure (every value
//! an output, so all stay live) and calls among them.
#![cfg(all(target_arch = "x86_64", unix))]

mod common;

use adgraph_exec::{ExecError, Program, Workspace};
use adgraph_ir::{evaluate, FloatMode, Function, Graph};
use common::{assert_same, build, point, Step};
use proptest::prelude::*;

/// Checks native evaluation of `f` against the reference at the workload's point,
/// points near it and points of special values.
fn check(g: &Graph, f: &Function, base: &[f64], what: &str) {
    let p = Program::compile(g, f).unwrap();
    let n = p.native().unwrap();
    assert_eq!(n.input_count(), p.input_count());
    assert_eq!(n.output_count(), p.output_count());
    let mut rng = adgraph_workloads::Rng::new(5);
    let mut ws = Workspace::new();
    let mut out = vec![0.0; p.output_count()];
    for k in 0..10 {
        let x: Vec<f64> = if k < 4 {
            base.iter()
                .map(|&x| if k == 0 { x } else { x + rng.next_f64() })
                .collect()
        } else {
            point(p.input_count(), k, base)
        };
        let want = evaluate(g, f, &x).unwrap();
        n.eval_with(&mut ws, &x, &mut out).unwrap();
        assert_same(&out, &want, what);
        assert_same(&n.eval(&x).unwrap(), &p.eval(&x).unwrap(), what);
    }
}

fn workloads() -> Vec<adgraph_workloads::Workload> {
    let mut all = adgraph_workloads::small();
    all.push(adgraph_workloads::rosenbrock(1000));
    all.push(adgraph_workloads::van_der_pol(300));
    all.push(adgraph_workloads::lennard_jones(12));
    all.push(adgraph_workloads::mlp());
    all.push(adgraph_workloads::mlp_weights());
    all
}

#[test]
fn every_workload_evaluates_bit_identically() {
    for w in workloads() {
        check(&w.graph, &w.function, &w.point, &w.name);
    }
}

#[test]
fn every_symbolic_gradient_evaluates_bit_identically() {
    // A gradient program keeps many values live across the sweep (the register file
    // overflows and values are written back and reloaded).
    for w in workloads() {
        let mut g = w.graph.clone();
        let grad = adgraph_diff::grad(&mut g, &w.function, None).unwrap();
        let (o, _) = adgraph_opt::optimize(&g, &[grad], FloatMode::Strict).unwrap();
        check(&o.graph, &o.functions[0], &w.point, &w.name);
    }
}

#[test]
fn outputs_may_be_inputs_or_constants() {
    let (g, f) =
        adgraph_ir::parse("input x, y\noutput a = x\noutput b = 2.5\noutput c = x * y").unwrap();
    let n = Program::compile(&g, &f).unwrap().native().unwrap();
    assert_eq!(n.eval(&[3.0, 4.0]).unwrap(), vec![3.0, 2.5, 12.0]);
}

#[test]
fn programs_without_instructions_run() {
    // No code between the prologue and the epilogue: outputs read straight from the
    // input and constant slots.
    let (g, f) = adgraph_ir::parse("input x\noutput a = x\noutput b = -1.5").unwrap();
    let p = Program::compile(&g, &f).unwrap();
    assert_eq!(p.instruction_count(), 0);
    assert_eq!(p.native().unwrap().eval(&[7.0]).unwrap(), vec![7.0, -1.5]);
}

#[test]
fn wrong_lengths_are_errors() {
    let w = adgraph_workloads::seed();
    let n = Program::compile(&w.graph, &w.function)
        .unwrap()
        .native()
        .unwrap();
    assert_eq!(
        n.eval(&[1.0]),
        Err(ExecError::WrongInputCount {
            expected: 2,
            found: 1
        })
    );
    let mut out = [0.0; 2];
    assert!(matches!(
        n.eval_with(&mut Workspace::new(), &[1.0, 2.0], &mut out),
        Err(ExecError::WrongLength { .. })
    ));
}

#[test]
fn a_chain_a_million_deep_runs() {
    // x -> sin(x) * 0.5 + x ... a million steps: one translation loop, no recursion.
    let mut g = Graph::new();
    let x = g.input("x").unwrap();
    let half = g.constant(0.5).unwrap();
    let mut v = x;
    for _ in 0..500_000 {
        let s = g.apply(adgraph_ir::Op::Sin, &[v]).unwrap();
        let m = g.apply(adgraph_ir::Op::Mul, &[s, half]).unwrap();
        v = g.apply(adgraph_ir::Op::Add, &[m, x]).unwrap();
    }
    let f = Function::new(&g, vec![x], vec![("y".into(), v)]).unwrap();
    let p = Program::compile(&g, &f).unwrap();
    let n = p.native().unwrap();
    assert_same(&n.eval(&[0.3]).unwrap(), &p.eval(&[0.3]).unwrap(), "chain");
}

#[test]
fn one_native_program_serves_several_threads() {
    let w = adgraph_workloads::lennard_jones(8);
    let p = Program::compile(&w.graph, &w.function).unwrap();
    let n = p.native().unwrap();
    let want = p.eval(&w.point).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut ws = Workspace::new();
                let mut out = vec![0.0];
                for _ in 0..100 {
                    n.eval_with(&mut ws, &w.point, &mut out).unwrap();
                    assert_same(&out, &want, "thread");
                }
            });
        }
    });
}

/// Wider recipes than the interpreter tests': up to 150 steps, up to 60 of the last
/// nodes outputs (each live to the end, so more values live at once than registers).
fn wide_recipe() -> impl Strategy<Value = (usize, Vec<Step>, usize)> {
    (
        1usize..6,
        prop::collection::vec(
            (0usize..64, [any::<usize>(); 3], -3i32..5, 0usize..64),
            1..150,
        ),
        1usize..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_graphs_evaluate_bit_identically((inputs, steps, outputs) in wide_recipe()) {
        let (g, f) = build(inputs, &steps, outputs);
        let p = Program::compile(&g, &f).unwrap();
        let n = p.native().unwrap();
        let ordinary = [0.3, -1.7, 2.9, 0.01];
        for k in 0..8 {
            let x = point(inputs, k, &ordinary);
            let want = evaluate(&g, &f, &x).unwrap();
            assert_same(&n.eval(&x).unwrap(), &want, "native");
        }
    }
}

#[test]
fn integer_powers_inline_match_powi() {
    // Every exponent the inline multiplications are unrolled for, at special values.
    let xs = [
        0.0,
        -0.0,
        1.5,
        -2.25,
        0.999,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        1e300,
    ];
    let mut exponents: Vec<i32> = (-40..=40).collect();
    exponents.extend([i32::MIN, i32::MIN + 1, i32::MAX, 1 << 20, -(1 << 20) - 1]);
    for n in exponents {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.powi(x, n).unwrap();
        let f = Function::new(&g, vec![x], vec![("y".into(), y)]).unwrap();
        let native = Program::compile(&g, &f).unwrap().native().unwrap();
        for &v in &xs {
            let want = adgraph_ir::op::powi(v, n);
            assert_same(&native.eval(&[v]).unwrap(), &[want], &format!("{v} ^ {n}"));
        }
    }
}
