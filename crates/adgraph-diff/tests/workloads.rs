//! Symbolic derivatives of every workload against the oracles: the numeric reading of
//! the rule (1e-12 relative), central finite differences, and each other (forward,
//! reverse, Hessian, Hessian-vector product); and that no structural zero is built.

mod common;

use adgraph_diff::{compact, grad, hessian, hvp, jacobian, jvp, optimize, Mode};
use adgraph_ir::{FloatMode, Function, Graph, NodeId, Op};
use adgraph_workloads::{small, Rng, Workload};
use common::*;

/// Inputs to check by finite differences: all of them, or a spread of 40.
fn sample(n: usize) -> Vec<usize> {
    let step = n.div_ceil(40).max(1);
    (0..n).step_by(step).collect()
}

fn gradient_ids(w: &Workload, g: &mut Graph) -> Vec<NodeId> {
    let df = grad(g, &w.function, None).unwrap();
    df.outputs()[1..].iter().map(|o| o.id).collect()
}

#[test]
fn gradients_match_the_numeric_rule_and_finite_differences() {
    for w in small() {
        let mut g = w.graph.clone();
        let ids = gradient_ids(&w, &mut g);
        let sym = eval_ids(&g, &w.function, &ids, &w.point);
        let num = numeric_gradient(&w.graph, &w.function, &w.point, 0);
        let scale = sym.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, (s, n)) in sym.iter().zip(&num).enumerate() {
            assert!(close(*s, *n, 1e-12), "{} d/d{i}: {s} vs rule {n}", w.name);
        }
        for i in sample(w.point.len()) {
            let fd = central(&w.graph, &w.function, &w.point, 0, i);
            assert!(
                fd_close(sym[i], fd, scale),
                "{} d/d{i}: {} vs fd {fd}",
                w.name,
                sym[i]
            );
        }
    }
}

#[test]
fn forward_and_reverse_agree() {
    for w in small().into_iter().filter(|w| w.point.len() <= 100) {
        let mut g = w.graph.clone();
        let fwd = jacobian(&mut g, &w.function, Mode::Forward)
            .unwrap()
            .concat();
        let rev = jacobian(&mut g, &w.function, Mode::Reverse)
            .unwrap()
            .concat();
        let a = eval_ids(&g, &w.function, &fwd, &w.point);
        let b = eval_ids(&g, &w.function, &rev, &w.point);
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(
                close(*x, *y, 1e-12),
                "{} entry {i}: forward {x} reverse {y}",
                w.name
            );
        }
    }
}

#[test]
fn jvp_matches_the_numeric_rule() {
    let mut rng = Rng::new(11);
    for w in small() {
        let mut g = w.graph.clone();
        let dir: Vec<f64> = w.point.iter().map(|_| rng.next_f64()).collect();
        let nodes: Vec<Option<NodeId>> =
            dir.iter().map(|&d| Some(g.constant(d).unwrap())).collect();
        let t = jvp(&mut g, &w.function, &nodes).unwrap();
        let sym = eval_ids(&g, &w.function, &t, &w.point);
        let dir_opt: Vec<Option<f64>> = dir.iter().map(|&d| Some(d)).collect();
        let num = numeric_jvp(&w.graph, &w.function, &w.point, &dir_opt);
        assert!(
            close(sym[0], num[0], 1e-12),
            "{}: {} vs {}",
            w.name,
            sym[0],
            num[0]
        );
        // And along the direction, the gradient's dot product.
        let grad = numeric_gradient(&w.graph, &w.function, &w.point, 0);
        let dot: f64 = grad.iter().zip(&dir).map(|(a, b)| a * b).sum();
        let scale = grad
            .iter()
            .zip(&dir)
            .map(|(a, b)| (a * b).abs())
            .sum::<f64>();
        assert!(
            (sym[0] - dot).abs() <= 1e-12 * scale.max(1e-300),
            "{}",
            w.name
        );
    }
}

#[test]
fn hessians_match_finite_differences_of_the_gradient() {
    for w in small().into_iter().filter(|w| w.point.len() <= 20) {
        let mut g = w.graph.clone();
        let h = hessian(&mut g, &w.function, None).unwrap();
        let n = w.point.len();
        let hv = eval_ids(&g, &w.function, &h.concat(), &w.point);
        let scale = hv.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for j in 0..n {
            let step = 1e-6 * w.point[j].abs().max(1.0);
            let mut p = w.point.clone();
            p[j] += step;
            let up = numeric_gradient(&w.graph, &w.function, &p, 0);
            p[j] -= 2.0 * step;
            let down = numeric_gradient(&w.graph, &w.function, &p, 0);
            for i in 0..n {
                let fd = (up[i] - down[i]) / (2.0 * step);
                let got = hv[i * n + j];
                assert!(
                    fd_close(got, fd, scale),
                    "{} H[{i}][{j}]: {got} vs fd {fd}",
                    w.name
                );
                assert!(close(got, hv[j * n + i], 1e-10), "{} not symmetric", w.name);
            }
        }
    }
}

#[test]
fn hvp_matches_finite_differences_of_the_gradient() {
    // The large workload (1,633 weights) whose Hessian is not formed.
    let w = adgraph_workloads::mlp_weights();
    let mut rng = Rng::new(5);
    let mut g = w.graph.clone();
    let v: Vec<f64> = w.point.iter().map(|_| rng.next_f64()).collect();
    let nodes: Vec<Option<NodeId>> = v.iter().map(|&x| Some(g.constant(x).unwrap())).collect();
    let hv = hvp(&mut g, &w.function, None, &nodes).unwrap();
    let got = eval_ids(&g, &w.function, &hv, &w.point);
    let step = 1e-5;
    let shifted = |s: f64| -> Vec<f64> {
        let p: Vec<f64> = w.point.iter().zip(&v).map(|(x, d)| x + s * d).collect();
        numeric_gradient(&w.graph, &w.function, &p, 0)
    };
    let (up, down) = (shifted(step), shifted(-step));
    let scale = got.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for i in sample(got.len()) {
        let fd = (up[i] - down[i]) / (2.0 * step);
        assert!(
            fd_close(got[i], fd, scale),
            "Hv[{i}]: {} vs fd {fd}",
            got[i]
        );
    }
}

/// Whether a node of `f` has a constant-zero operand in a `+`, `-` or `*`.
fn builds_a_zero(g: &Graph, f: &Function) -> Option<String> {
    f.nodes(g).into_iter().find_map(|id| {
        let node = g.node(id);
        let zero_operand = node
            .args()
            .iter()
            .any(|&a| g.constant_value(a).is_some_and(|c| c == 0.0));
        (matches!(node.op(), Op::Add | Op::Sub | Op::Mul) && zero_operand)
            .then(|| format!("{id}: {node:?}"))
    })
}

#[test]
fn structural_zeros_are_never_built_in_either_mode() {
    for mode in [FloatMode::Strict, FloatMode::Fast] {
        for w in small() {
            let mut g = w.graph.clone();
            assert_eq!(builds_a_zero(&g, &w.function), None, "{} primal", w.name);
            g.set_mode(mode);
            let df = grad(&mut g, &w.function, None).unwrap();
            let (h, d) = compact(&g, &df).unwrap();
            assert_eq!(builds_a_zero(&h, &d), None, "{} {mode:?}", w.name);
            if w.point.len() <= 20 {
                let mut g = w.graph.clone();
                g.set_mode(mode);
                let hs = hessian(&mut g, &w.function, None).unwrap().concat();
                let outputs = hs
                    .iter()
                    .enumerate()
                    .map(|(i, &id)| (format!("h{i}"), id))
                    .collect();
                let hf = Function::new(&g, w.function.inputs().to_vec(), outputs).unwrap();
                assert_eq!(builds_a_zero(&g, &hf), None, "{} Hessian {mode:?}", w.name);
            }
        }
    }
}

#[test]
fn fast_mode_derivatives_agree_with_strict() {
    for w in small() {
        let mut strict = w.graph.clone();
        let a = gradient_ids(&w, &mut strict);
        let mut fast = w.graph.clone();
        fast.set_mode(FloatMode::Fast);
        let b = gradient_ids(&w, &mut fast);
        let x = eval_ids(&strict, &w.function, &a, &w.point);
        let y = eval_ids(&fast, &w.function, &b, &w.point);
        let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (u, v) in x.iter().zip(&y) {
            assert!((u - v).abs() <= 1e-12 * scale, "{}: {u} vs {v}", w.name);
        }
    }
}

/// The ops of `[f, grad f]` over the ops of `f`, both after the default passes.
fn size_ratio(w: &Workload) -> f64 {
    let mut g = w.graph.clone();
    let df = grad(&mut g, &w.function, None).unwrap();
    let (h, d) = optimize(&g, &df).unwrap();
    let (h0, f0) = optimize(&w.graph, &w.function).unwrap();
    d.op_count(&h) as f64 / f0.op_count(&h0) as f64
}

#[test]
fn gradient_sizes_stay_where_the_readme_says() {
    // The README's table (sizes as in the bench); a regression here loses sharing.
    let cases = [
        (adgraph_workloads::rosenbrock(1000), 1.751),
        (adgraph_workloads::van_der_pol(100), 2.31),
        (adgraph_workloads::mlp(), 2.01),
        (adgraph_workloads::mlp_weights(), 2.20),
        (adgraph_workloads::lennard_jones(20), 2.34),
    ];
    for (w, limit) in cases {
        let r = size_ratio(&w);
        assert!(r <= limit, "{}: [f, grad f] / f = {r:.3} > {limit}", w.name);
    }
}
