//! Tangents against central finite differences on the workloads, and the Jacobian
//! against directional derivatives.

use adgraph_exec::Program;
use adgraph_workloads::Rng;

/// Central difference of output 0 along `dir` with step `h`.
fn central(p: &Program, x: &[f64], dir: &[f64], h: f64) -> f64 {
    let at = |s: f64| {
        let y: Vec<f64> = x.iter().zip(dir).map(|(a, d)| a + s * d).collect();
        p.eval(&y).unwrap()[0]
    };
    (at(h) - at(-h)) / (2.0 * h)
}

#[test]
fn jvp_matches_central_differences_on_every_workload() {
    let mut all = adgraph_workloads::small();
    all.push(adgraph_workloads::van_der_pol(300));
    for w in all {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let mut rng = Rng::new(17);
        for _ in 0..3 {
            let dir: Vec<f64> = (0..p.input_count()).map(|_| rng.next_f64()).collect();
            let t = p.jvp(&w.point, &dir).unwrap().tangents[0];
            let fd = central(&p, &w.point, &dir, 1e-6);
            assert!(
                (t - fd).abs() <= 1e-6 * (1.0 + t.abs()),
                "{}: jvp {t} vs central difference {fd}",
                w.name
            );
        }
    }
}

#[test]
fn jacobian_rows_are_gradients() {
    let w = adgraph_workloads::rosenbrock(7);
    let p = Program::compile(&w.graph, &w.function).unwrap();
    let j = p.jacobian(&w.point).unwrap();
    assert_eq!((j.rows, j.columns), (1, 7));
    let x = &w.point;
    // The closed-form gradient of the chained Rosenbrock function.
    for i in 0..7 {
        let mut g = 0.0;
        if i + 1 < 7 {
            g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        }
        if i > 0 {
            g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        }
        assert!(
            (j.get(0, i) - g).abs() <= 1e-12 * (1.0 + g.abs()),
            "d/dx{i}"
        );
    }
    // Several outputs: the Jacobian of (x*y, x+y, sin x).
    let (g, f) =
        adgraph_ir::parse("input x, y\noutput a = x*y\noutput b = x+y\noutput c = sin(x)").unwrap();
    let p = Program::compile(&g, &f).unwrap();
    let j = p.jacobian_chunked(&[2.0, 3.0], 1).unwrap();
    assert_eq!(j.values, vec![3.0, 2.0, 1.0, 1.0, 2.0f64.cos(), 0.0]);
    assert_eq!(j.row(2), &[2.0f64.cos(), 0.0]);
}

#[test]
fn kinks_follow_the_language_conventions() {
    let (g, f) = adgraph_ir::parse(
        "input x, y\noutput a = abs(x)\noutput m = min(x, y)\noutput s = select(x < y, x, y)\noutput c = x < y",
    )
    .unwrap();
    let p = Program::compile(&g, &f).unwrap();
    // At x = y = 0: abs'(0) = 0; min splits evenly; select sends all to the chosen
    // branch (y, since x < y is false); comparisons have derivative 0.
    let j = p.jacobian(&[0.0, 0.0]).unwrap();
    assert_eq!(j.values, vec![0.0, 0.0, 0.5, 0.5, 0.0, 1.0, 0.0, 0.0]);
}
