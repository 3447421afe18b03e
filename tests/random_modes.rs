//! Random graphs: every derivative mode agrees with every other, and with central
//! differences where the graph is smooth.
//!
//! Graphs are drawn from a seed (proptest shrinks the seed and the size): a few inputs,
//! then nodes of random smooth operators over random earlier nodes, several outputs.
//! Operands of `log`, `sqrt`, `/` and negative powers are kept away from their
//! singular points by construction (`log(1 + x*x)`, `sqrt(1 + x*x)`,
//! `x / (2 + sin(y))`), so every partial is finite; at singular points the modes may
//! differ in NaN against a finite value (see the zoo). The case count
//! is bounded for CI; `ADGRAPH_PROPTEST_CASES` raises it.

use adgraph::ir::{NodeId, Op};
use adgraph::workloads::Rng;
use adgraph::{check, Builder, Expr, Function, Graph};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("ADGRAPH_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500)
}

fn pick<'b>(nodes: &[Expr<'b>], rng: &mut Rng) -> Expr<'b> {
    let u = (rng.next_f64() + 1.0) / 2.0;
    nodes[((u * nodes.len() as f64) as usize).min(nodes.len() - 1)]
}

/// Builds a random smooth function; returns its graph, function and a point.
fn random_function(
    seed: u64,
    inputs: usize,
    size: usize,
) -> (adgraph::Graph, adgraph::Function, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let b = Builder::new();
    let mut nodes: Vec<Expr> = (0..inputs).map(|i| b.input(&format!("x{i}"))).collect();
    for _ in 0..size {
        let (a, c) = (pick(&nodes, &mut rng), pick(&nodes, &mut rng));
        let k = ((rng.next_f64() + 1.0) * 7.0) as usize;
        let e = match k {
            0 => a + c,
            1 => a - c,
            2 => a * c,
            3 => a / (2.0 + c.sin()),
            4 => (1.0 + a * a).log(),
            5 => (1.0 + a * a).sqrt(),
            6 => a.tanh() * c.cos(),
            7 => a.sigmoid() + c.atan2(1.5),
            8 => (0.1 * a).exp() - c.powi(2),
            9 => a.powi(3) * 0.01 + c.abs(),
            10 => a.max(c) + a.min(c) * 0.5,
            11 => a.lt(c).select(a * 2.0, c - 1.0),
            12 => (1.0 + a * a).pow(0.5 + 0.1 * c.sin()),
            _ => (2.0 + a.sin()).powi(-1 - (k as i32 % 2)) + c,
        };
        nodes.push(e);
    }
    let last = nodes.len();
    let outs = [
        ("f", nodes[last - 1]),
        ("g", nodes[last / 2 + inputs / 2]),
        ("h", nodes[last - 2] * nodes[last - 3]),
    ];
    let (g, f) = b.finish(outs).unwrap();
    let point = (0..inputs).map(|_| 1.5 * rng.next_f64() + 0.05).collect();
    (g, f, point)
}

/// Whether `point` is within a finite-difference step of a kink or a jump: a
/// comparison, `min` or `max` whose operands (nearly) tie, or `abs` near 0, among the
/// nodes the function reaches, their values from `evaluate_nodes`.
/// Expressions that are equal in exact arithmetic but not in rounding (`(x + y) - x`
/// against `y`) make such a tie at every point, and no finite difference across it
/// means anything.
fn near_a_kink(g: &Graph, f: &Function, point: &[f64]) -> bool {
    let values = adgraph::ir::evaluate_nodes(g, f, point).unwrap();
    let reached = f.reachable(g);
    let close = |a: f64, c: f64| (a - c).abs() <= 1e-5 * (1.0 + a.abs() + c.abs());
    (0..values.len()).filter(|&i| reached[i]).any(|i| {
        let node = g.node(NodeId::new(i as u32));
        let arg = |k: usize| values[node.args()[k].index()];
        match node.op() {
            Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne | Op::Min | Op::Max => {
                close(arg(0), arg(1))
            }
            Op::Abs => close(arg(0), 0.0),
            _ => false,
        }
    })
}

/// Whether central differences at `point` are stable: the step `check` uses and half
/// of it give the same derivatives to 1e-6, so the step's error is below the tolerance
/// (it shrinks as the step squared). They are not where the function turns
/// faster than the step resolves (`sin` of an argument whose derivative is 1e6), and
/// there no finite difference is a reference.
fn differences_are_stable(g: &Graph, f: &Function, point: &[f64]) -> bool {
    let p = adgraph::Program::compile(g, f).unwrap();
    let (d1, d2) = (
        check::central_differences(&p, point, 1.0).unwrap(),
        check::central_differences(&p, point, 0.5).unwrap(),
    );
    d1.iter()
        .flatten()
        .zip(d2.iter().flatten())
        .all(|(a, b)| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn all_modes_agree(seed in any::<u64>(), inputs in 1usize..5, size in 3usize..40) {
        let (g, f, point) = random_function(seed, inputs, size);
        let r = check::gradients(&g, &f, &point).unwrap();
        prop_assert!(r.worst_error() <= 1e-11, "{r}");
    }

    #[test]
    fn finite_differences_agree_where_smooth(seed in any::<u64>(), inputs in 1usize..4, size in 3usize..25) {
        let (g, f, point) = random_function(seed, inputs, size);
        // abs, min, max and select(a < c) have kinks; a point within a difference step
        // of one disagrees with any finite difference. Such a point is rare, so it is
        // enough that the differences agree at the point or at one shifted off it; a
        // point next to a tie, or where the differences are not stable, is skipped.
        let shifted: Vec<f64> = point.iter().map(|x| x + 1e-3 * (1.0 + x.abs())).collect();
        let mut worst = f64::INFINITY;
        for p in [&point, &shifted] {
            if near_a_kink(&g, &f, p) || !differences_are_stable(&g, &f, p) {
                continue;
            }
            let r = check::gradients(&g, &f, p).unwrap();
            let moderate = r.reference().iter().flatten().all(|v| v.is_finite() && v.abs() < 1e6);
            if !moderate {
                worst = 0.0;
                break;
            }
            worst = worst.min(r.worst_fd_error());
        }
        // Both points near a kink: nothing to compare (`worst` stays infinite).
        prop_assert!(
            worst <= 1e-5 || worst == f64::INFINITY,
            "finite differences off by {worst:e} at and next to the point"
        );
    }

}
