//! Symbolic derivatives against the interpreters of `adgraph-exec`: the forward
//! interpreter's Jacobian (tangents) and the reverse interpreter's gradient (adjoints,
//! StoreAll plan), to 1e-12 relative on every workload and on a Hessian-vector product.

mod common;

use adgraph_diff::{grad, hvp, jacobian, Mode};
use adgraph_exec::{gradient, Program};
use adgraph_ir::NodeId;
use adgraph_remat::Strategy;
use adgraph_workloads::{small, Rng};
use common::*;

#[test]
fn gradients_match_both_interpreters() {
    for w in small() {
        let mut g = w.graph.clone();
        let df = grad(&mut g, &w.function, None).unwrap();
        let ids: Vec<NodeId> = df.outputs()[1..].iter().map(|o| o.id).collect();
        let sym = eval_ids(&g, &w.function, &ids, &w.point);
        let program = Program::compile(&w.graph, &w.function).unwrap();
        let forward = program.jacobian(&w.point).unwrap();
        let reverse = gradient(&w.graph, &w.function, &w.point, 0, Strategy::StoreAll).unwrap();
        for (i, s) in sym.iter().enumerate() {
            let (f, r) = (forward.get(0, i), reverse.adjoints[i]);
            assert!(
                close(*s, f, 1e-12),
                "{} d/d{i}: symbolic {s} forward {f}",
                w.name
            );
            assert!(
                close(*s, r, 1e-12),
                "{} d/d{i}: symbolic {s} reverse {r}",
                w.name
            );
        }
    }
}

#[test]
fn forward_jacobians_match_the_forward_interpreter() {
    let src = "input x, y, z\noutput a = sin(x*y) + abs(z)\noutput b = max(x, y) / (1 + z*z)\noutput c = select(x < y, pow(y, z), atan2(x, z))";
    let (g, f) = adgraph_ir::parse(src).unwrap();
    let program = Program::compile(&g, &f).unwrap();
    let mut rng = Rng::new(3);
    for _ in 0..20 {
        let p: Vec<f64> = (0..3).map(|_| 2.0 * rng.next_f64()).collect();
        let mut h = g.clone();
        let j = jacobian(&mut h, &f, Mode::Forward).unwrap().concat();
        let sym = eval_ids(&h, &f, &j, &p);
        let num = program.jacobian(&p).unwrap();
        // Where an output is NaN (pow of a negative base on the branch taken), the
        // interpreter's dense zero tangents give `0 * NaN = NaN` where the symbolic
        // derivative has a structural zero (0): the two differ by design there.
        if num.outputs.iter().any(|v| v.is_nan()) {
            continue;
        }
        for (k, s) in sym.iter().enumerate() {
            let e = num.values[k];
            assert!(
                close(*s, e, 1e-12),
                "entry {k} at {p:?}: symbolic {s} interpreter {e}"
            );
        }
    }
}

#[test]
fn hvp_matches_the_forward_interpreter_over_the_gradient() {
    // Forward over reverse, twice: the symbolic hvp, and the forward interpreter's
    // tangent of the symbolic gradient function along the same vector.
    for w in small().into_iter().filter(|w| w.point.len() <= 40) {
        let mut rng = Rng::new(9);
        let v: Vec<f64> = w.point.iter().map(|_| rng.next_f64()).collect();
        let mut g = w.graph.clone();
        let nodes: Vec<Option<NodeId>> = v.iter().map(|&x| Some(g.constant(x).unwrap())).collect();
        let hv = hvp(&mut g, &w.function, None, &nodes).unwrap();
        let sym = eval_ids(&g, &w.function, &hv, &w.point);
        let df = grad(&mut g, &w.function, None).unwrap();
        let program = Program::compile(&g, &df).unwrap();
        let t = program.jvp(&w.point, &v).unwrap();
        for (i, s) in sym.iter().enumerate() {
            let e = t.tangent(1 + i, 0);
            let scale = sym.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert!(
                (s - e).abs() <= 1e-12 * scale.max(1e-300),
                "{} (Hv)[{i}]: {s} vs {e}",
                w.name
            );
        }
    }
}
