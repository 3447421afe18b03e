//! Snapshots of derivative dumps of small functions: what `adgraph diff` prints.
//! Each snapshot is valid `.adg`; the test also parses it back and checks its values.

use adgraph_diff::{differentiate, hessian_function, optimize, DiffOptions, Mode};
use adgraph_ir::{dump, evaluate, parse};

fn snapshot(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/diff"));
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| insta::assert_snapshot!(name, text));
}

/// The derivative dump of `src` under `options`, snapshotted; returns its values at
/// `point` after a round trip through the parser.
fn diff(name: &str, src: &str, options: DiffOptions, point: &[f64]) -> Vec<f64> {
    let (g, f) = parse(src).unwrap();
    let (h, d) = differentiate(&g, &f, &options).unwrap();
    let text = dump(&h, &d);
    snapshot(name, &format!("# {src:?} {options:?}\n{text}"));
    let (g2, f2) = parse(&text).unwrap();
    let a = evaluate(&h, &d, point).unwrap();
    assert_eq!(evaluate(&g2, &f2, point).unwrap(), a);
    a
}

const SEED: &str = "input x, y\nlet u = x * x\noutput z = u + x * y + 2";

#[test]
fn seed_gradient() {
    // dz/dx = 2x + y, dz/dy = x.
    let v = diff("seed_gradient", SEED, DiffOptions::default(), &[3.0, 4.0]);
    assert_eq!(v, [23.0, 10.0, 3.0]);
    let fwd = DiffOptions {
        mode: Mode::Forward,
        ..DiffOptions::default()
    };
    let v = diff("seed_gradient_forward", SEED, fwd, &[3.0, 4.0]);
    assert_eq!(v, [23.0, 10.0, 3.0]);
}

#[test]
fn seed_hessian() {
    // [[2, 1], [1, 0]].
    let o = DiffOptions {
        order: 2,
        ..DiffOptions::default()
    };
    let v = diff("seed_order_2", SEED, o, &[3.0, 4.0]);
    assert_eq!(v, [23.0, 2.0, 1.0, 1.0, 0.0]);
    let (mut g, f) = parse(SEED).unwrap();
    let h = hessian_function(&mut g, &f, None).unwrap();
    let (g, h) = optimize(&g, &h).unwrap();
    snapshot("seed_hessian", &dump(&g, &h));
    assert_eq!(evaluate(&g, &h, &[3.0, 4.0]).unwrap(), [2.0, 1.0, 1.0, 0.0]);
}

#[test]
fn small_functions() {
    let o = DiffOptions::default;
    diff(
        "sin_times_y",
        "input x, y\noutput f = sin(x) * y",
        o(),
        &[0.5, 2.0],
    );
    diff(
        "exp_2x_order_3",
        "input x\noutput f = exp(2*x)",
        DiffOptions { order: 3, ..o() },
        &[0.5],
    );
    diff(
        "x5_order_3",
        "input x\noutput f = x^5",
        DiffOptions { order: 3, ..o() },
        &[2.0],
    );
    diff(
        "two_outputs",
        "input x, y\noutput s = x + y\noutput p = x * y / (1 + x*x)",
        o(),
        &[1.0, 2.0],
    );
    diff(
        "wrt_y",
        "input x, y\noutput f = tanh(x * y) + sigmoid(y)",
        DiffOptions {
            wrt: Some(vec!["y".into()]),
            ..o()
        },
        &[0.3, -0.7],
    );
    diff(
        "conventions",
        "input x, y\noutput f = abs(x) + max(x, y) + select(x < y, sqrt(y), log(y))",
        o(),
        &[0.0, 2.0],
    );
    diff(
        "powers",
        "input x, y\noutput f = pow(x, y) + atan2(y, x) + x^-2",
        o(),
        &[1.5, 0.5],
    );
}
