//! Random graphs (proptest): symbolic derivatives equal the numeric reading of the
//! rule for every op, kinks and NaNs included; on smooth graphs they agree with
//! central finite differences, and Hessians with differences of the gradient.

mod common;

use adgraph_diff::{derivative_function, grad, hessian, jvp, DiffOptions, Mode};
use adgraph_ir::{evaluate, Function, Graph, NodeId, Op};
use common::*;
use proptest::prelude::*;

/// One node to build: an operator (index into a list), operand picks, an exponent.
type Step = (usize, [usize; 3], i32);

const EVERY_OP: &[Op] = &[
    Op::Neg,
    Op::Exp,
    Op::Log,
    Op::Sqrt,
    Op::Sin,
    Op::Cos,
    Op::Tan,
    Op::Tanh,
    Op::Abs,
    Op::Sigmoid,
    Op::PowI,
    Op::Add,
    Op::Sub,
    Op::Mul,
    Op::Div,
    Op::Pow,
    Op::Min,
    Op::Max,
    Op::Atan2,
    Op::Lt,
    Op::Le,
    Op::Gt,
    Op::Ge,
    Op::Eq,
    Op::Ne,
    Op::Select,
];

const SMOOTH_OPS: &[Op] = &[
    Op::Add,
    Op::Sub,
    Op::Mul,
    Op::Sin,
    Op::Cos,
    Op::Tanh,
    Op::Sigmoid,
    Op::PowI,
];

/// Builds a graph of three inputs, a few constants and `steps`; its outputs are the
/// last two nodes built.
fn build(ops: &[Op], steps: &[Step]) -> (Graph, Function) {
    let mut g = Graph::new();
    let inputs: Vec<NodeId> = ["x", "y", "z"]
        .iter()
        .map(|n| g.input(n).unwrap())
        .collect();
    let mut pool = inputs.clone();
    for c in [0.5, -2.0, 0.0] {
        pool.push(g.constant(c).unwrap());
    }
    for &(op, picks, n) in steps {
        let op = ops[op % ops.len()];
        let args: Vec<NodeId> = picks
            .iter()
            .take(op.arity())
            .map(|&p| pool[p % pool.len()])
            .collect();
        let id = match op {
            Op::PowI => g.powi(args[0], n),
            _ => g.apply(op, &args),
        }
        .unwrap();
        pool.push(id);
    }
    let k = pool.len();
    let outputs = vec![
        ("a".to_string(), pool[k - 1]),
        ("b".to_string(), pool[k - 2]),
    ];
    let f = Function::new(&g, inputs, outputs).unwrap();
    (g, f)
}

fn steps(len: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (0usize..64, [0usize..64, 0usize..64, 0usize..64], -3i32..5),
        1..len,
    )
}

fn point() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![-2.0f64..2.0, Just(0.0), Just(1.0)], 3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn symbolic_equals_the_numeric_rule(s in steps(24), p in point(), d in prop::collection::vec(-1.0f64..1.0, 3)) {
        let (g, f) = build(EVERY_OP, &s);
        for out in 0..2 {
            let mut h = g.clone();
            let name = f.outputs()[out].name.clone();
            let df = grad(&mut h, &f, Some(&name)).unwrap();
            let sym = &evaluate(&h, &df, &p).unwrap()[2..];
            let num = numeric_gradient(&g, &f, &p, out);
            for i in 0..3 {
                prop_assert!(close(sym[i], num[i], 1e-12), "out {out} d/d{i}: {} vs {}", sym[i], num[i]);
            }
        }
        let mut h = g.clone();
        let dir: Vec<Option<NodeId>> = d.iter().map(|&x| Some(h.constant(x).unwrap())).collect();
        let t = jvp(&mut h, &f, &dir).unwrap();
        let sym = eval_ids(&h, &f, &t, &p);
        let num = numeric_jvp(&g, &f, &p, &d.iter().map(|&x| Some(x)).collect::<Vec<_>>());
        for k in 0..2 {
            prop_assert!(close(sym[k], num[k], 1e-12), "tangent {k}: {} vs {}", sym[k], num[k]);
        }
    }

    #[test]
    fn smooth_graphs_match_finite_differences(s in steps(14), p in prop::collection::vec(-1.5f64..1.5, 3)) {
        let (g, f) = build(SMOOTH_OPS, &s);
        let y = evaluate(&g, &f, &p).unwrap();
        prop_assume!(y.iter().all(|v| v.is_finite() && v.abs() < 1e6));
        // Smooth at the point: no node passes through an infinity or NaN on the way
        // (tanh((x * 0)^-1) is finite, but its chain rule multiplies inf by 0).
        let every: Vec<NodeId> = g.iter().map(|(id, _)| id).collect();
        prop_assume!(eval_ids(&g, &f, &every, &p).iter().all(|v| v.is_finite()));
        for mode in [Mode::Forward, Mode::Reverse] {
            let mut h = g.clone();
            let opts = DiffOptions { mode, ..DiffOptions::default() };
            let d = derivative_function(&mut h, &f, &opts).unwrap();
            let v = evaluate(&h, &d, &p).unwrap();
            for out in 0..2 {
                let scale = y[out].abs().max(1.0);
                for i in 0..3 {
                    // The difference's own error bound widens the tolerance only
                    // where the step is too coarse for the function (near a pole,
                    // or a fast oscillation such as sin(y^-2) near 0).
                    let (fd, fd_error) = central_with_error(&g, &f, &p, out, i);
                    // Where the differences at h and h/2 disagree by more than 1%, they
                    // measure no derivative: the graph can be discontinuous at the
                    // point (x * 0 is -0 for negative x, and (x * 0)^-1 jumps from
                    // -inf to inf), or the step straddles a pole.
                    prop_assume!(fd_error <= 1e-2 * fd.abs().max(scale));
                    let ad = v[2 + out * 3 + i];
                    prop_assert!((ad - fd).abs() <= (1e-5 * scale.max(ad.abs())).max(fd_error), "{mode:?} d{out}/d{i}: {ad} vs {fd} (difference error {fd_error:e})");
                }
            }
        }
    }

    #[test]
    fn smooth_hessians_match_differences_of_the_gradient(s in steps(12), p in prop::collection::vec(-1.5f64..1.5, 3)) {
        let (g, f) = build(SMOOTH_OPS, &s);
        let y = evaluate(&g, &f, &p).unwrap();
        prop_assume!(y.iter().all(|v| v.is_finite() && v.abs() < 1e4));
        // Smooth at the point: no node passes through an infinity or NaN.
        let every: Vec<NodeId> = g.iter().map(|(id, _)| id).collect();
        prop_assume!(eval_ids(&g, &f, &every, &p).iter().all(|v| v.is_finite()));
        let mut h = g.clone();
        let hs = hessian(&mut h, &f, Some("a")).unwrap().concat();
        let hv = eval_ids(&h, &f, &hs, &p);
        let scale = hv.iter().fold(y[0].abs().max(1.0), |m, x| m.max(x.abs()));
        // Differences of the gradient at steps h and h/2, one Richardson step, and the
        // gap between the two as the error bound (see `central_with_error`).
        let diff = |j: usize, step: f64| {
            let mut q = p.clone();
            q[j] += step;
            let up = numeric_gradient(&g, &f, &q, 0);
            q[j] -= 2.0 * step;
            let down = numeric_gradient(&g, &f, &q, 0);
            (0..3).map(|i| (up[i] - down[i]) / (2.0 * step)).collect::<Vec<_>>()
        };
        for j in 0..3 {
            let (wide, narrow) = (diff(j, 1e-6), diff(j, 5e-7));
            for i in 0..3 {
                let fd = (4.0 * narrow[i] - wide[i]) / 3.0;
                let fd_error = (narrow[i] - wide[i]).abs();
                prop_assume!(fd_error <= 1e-2 * scale);
                prop_assert!((hv[i * 3 + j] - fd).abs() <= (1e-5 * scale).max(fd_error), "H[{i}][{j}]: {} vs {fd} (difference error {fd_error:e})", hv[i * 3 + j]);
            }
        }
    }
}
