//! The forward interpreter against the oracles: values bit-identical to the reference
//! evaluator, tangents bit-identical to forward mode by the one derivative rule, on
//! every workload and on random graphs at points full of special values.

mod common;

use adgraph_exec::Program;
use adgraph_ir::evaluate;
use common::{assert_same, build, forward_by_rule, point, recipe};
use proptest::prelude::*;

#[test]
fn every_workload_evaluates_bit_identically() {
    let mut all = adgraph_workloads::small();
    all.push(adgraph_workloads::rosenbrock(1000));
    all.push(adgraph_workloads::van_der_pol(500));
    all.push(adgraph_workloads::lennard_jones(12));
    for w in all {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let mut rng = adgraph_workloads::Rng::new(3);
        for k in 0..4 {
            let x: Vec<f64> = w
                .point
                .iter()
                .map(|&x| if k == 0 { x } else { x + rng.next_f64() })
                .collect();
            let want = evaluate(&w.graph, &w.function, &x).unwrap();
            assert_same(&p.eval(&x).unwrap(), &want, &w.name);
        }
        // Special values everywhere.
        for k in 0..6 {
            let x = point(p.input_count(), k, &w.point);
            let want = evaluate(&w.graph, &w.function, &x).unwrap();
            assert_same(&p.eval(&x).unwrap(), &want, &w.name);
        }
    }
}

#[test]
fn every_workload_jvp_follows_the_rule() {
    for w in adgraph_workloads::small() {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let mut rng = adgraph_workloads::Rng::new(9);
        let dir: Vec<f64> = (0..p.input_count()).map(|_| rng.next_f64()).collect();
        let (v, t) = forward_by_rule(&w.graph, &w.function, &w.point, &dir);
        let got = p.jvp(&w.point, &dir).unwrap();
        assert_same(&got.outputs, &v, &w.name);
        assert_same(&got.tangents, &t, &w.name);
    }
}

#[test]
fn fused_tangents_follow_the_rule_on_large_workloads() {
    // Long runs of fused pairs (Rosenbrock's terms, the RK4 chain's stages, the MLP's
    // sums) in one and in three directions.
    for w in [
        adgraph_workloads::rosenbrock(300),
        adgraph_workloads::van_der_pol(40),
        adgraph_workloads::mlp(),
        adgraph_workloads::lennard_jones(6),
    ] {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        assert!(p.step_count() < p.instruction_count(), "{}", w.name);
        let ni = p.input_count();
        let mut rng = adgraph_workloads::Rng::new(17);
        let dirs: Vec<f64> = (0..3 * ni).map(|_| rng.next_f64() - 0.5).collect();
        let all = p.jvp_multi(&w.point, &dirs, 3).unwrap();
        for j in 0..3 {
            let dir = &dirs[j * ni..(j + 1) * ni];
            let (v, t) = forward_by_rule(&w.graph, &w.function, &w.point, dir);
            let one = p.jvp(&w.point, dir).unwrap();
            assert_same(&one.outputs, &v, &w.name);
            assert_same(&one.tangents, &t, &w.name);
            let col: Vec<f64> = (0..p.output_count()).map(|o| all.tangent(o, j)).collect();
            assert_same(&col, &t, &w.name);
        }
    }
}

#[test]
fn outputs_may_be_inputs_or_constants() {
    let (g, f) =
        adgraph_ir::parse("input x, y\noutput a = x\noutput b = 2.5\noutput c = x * y").unwrap();
    let p = Program::compile(&g, &f).unwrap();
    assert_eq!(p.eval(&[3.0, 4.0]).unwrap(), vec![3.0, 2.5, 12.0]);
    let t = p.jvp(&[3.0, 4.0], &[1.0, 0.0]).unwrap();
    assert_eq!(t.tangents, vec![1.0, 0.0, 4.0]);
    assert_eq!(
        p.eval_batch(&[3.0, 4.0, 1.0, 1.0]).unwrap(),
        vec![3.0, 2.5, 12.0, 1.0, 2.5, 1.0]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_graphs_evaluate_bit_identically((inputs, steps, outputs) in recipe()) {
        let (g, f) = build(inputs, &steps, outputs);
        let p = Program::compile(&g, &f).unwrap();
        let ordinary = [0.3, -1.7, 2.9, 0.01];
        for k in 0..8 {
            let x = point(inputs, k, &ordinary);
            let want = evaluate(&g, &f, &x).unwrap();
            assert_same(&p.eval(&x).unwrap(), &want, "eval");
            let dir: Vec<f64> = (0..inputs).map(|i| [1.0, -0.5, 0.0, 2.0][(i + k) % 4]).collect();
            let (v, t) = forward_by_rule(&g, &f, &x, &dir);
            let got = p.jvp(&x, &dir).unwrap();
            assert_same(&got.outputs, &v, "jvp outputs");
            assert_same(&got.tangents, &t, "jvp tangents");
        }
    }

    #[test]
    fn vector_mode_equals_one_direction_at_a_time((inputs, steps, outputs) in recipe()) {
        let (g, f) = build(inputs, &steps, outputs);
        let p = Program::compile(&g, &f).unwrap();
        let x = point(inputs, 1, &[0.7, -0.2]);
        let k = 3;
        let dirs: Vec<f64> = (0..k * inputs).map(|i| [1.0, 0.0, -2.0, 0.25, f64::NAN][i % 5]).collect();
        let all = p.jvp_multi(&x, &dirs, k).unwrap();
        for j in 0..k {
            let one = p.jvp(&x, &dirs[j * inputs..(j + 1) * inputs]).unwrap();
            for o in 0..p.output_count() {
                assert!(common::same(all.tangent(o, j), one.tangents[o]));
            }
        }
    }
}
