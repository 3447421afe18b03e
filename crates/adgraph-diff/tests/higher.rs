//! Derivatives of order 3 (by composition: the derivative of the derivative of the
//! derivative) against closed forms, in every mode.

use adgraph_diff::{derivative_function, DiffOptions, Mode};
use adgraph_ir::{evaluate, parse};

/// Values of the order-`order` derivative function of `src` at `point`, past the
/// original outputs, in each mode; all modes must agree.
fn derivatives(src: &str, order: usize, point: &[f64]) -> Vec<f64> {
    let mut runs = Vec::new();
    for mode in [Mode::Auto, Mode::Forward, Mode::Reverse] {
        let (mut g, f) = parse(src).unwrap();
        let d = derivative_function(
            &mut g,
            &f,
            &DiffOptions {
                mode,
                order,
                wrt: None,
            },
        )
        .unwrap();
        let v = evaluate(&g, &d, point).unwrap();
        runs.push(v[f.outputs().len()..].to_vec());
    }
    for r in &runs[1..] {
        for (a, b) in r.iter().zip(&runs[0]) {
            assert!(
                (a - b).abs() <= 1e-13 * a.abs().max(1.0),
                "{src}: modes differ: {a} vs {b}"
            );
        }
    }
    runs.swap_remove(0)
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-13 * want.abs().max(1.0),
        "{what}: {got} vs {want}"
    );
}

#[test]
fn third_derivatives_of_one_variable() {
    for x in [-1.3, -0.2, 0.0, 0.7, 2.5] {
        let d = derivatives("input x\noutput f = sin(x)", 3, &[x]);
        assert_close(d[0], -x.cos(), "sin'''");
        let d = derivatives("input x\noutput f = exp(2*x)", 3, &[x]);
        assert_close(d[0], 8.0 * (2.0 * x).exp(), "exp(2x)'''");
        let d = derivatives("input x\noutput f = x^5", 3, &[x]);
        assert_close(d[0], 60.0 * x * x, "(x^5)'''");
        let d = derivatives("input x\noutput f = x^5", 5, &[x]);
        assert_close(d[0], 120.0, "(x^5)^(5)");
        let d = derivatives("input x\noutput f = tanh(x)", 3, &[x]);
        let t = x.tanh();
        assert_close(d[0], -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t), "tanh'''");
    }
}

#[test]
fn third_derivatives_of_x_y_cubed() {
    // f = x y^3; the eight third derivatives in order xxx, xxy, xyx, xyy, yxx, yxy,
    // yyx, yyy: f_xxx = 0, f_xxy = 0, f_xyy = 6y, f_yyy = 6x.
    for (x, y) in [(0.5, -1.5), (2.0, 3.0), (-1.0, 0.25)] {
        let d = derivatives("input x, y\noutput f = x * y^3", 3, &[x, y]);
        let want = [0.0, 0.0, 0.0, 6.0 * y, 0.0, 6.0 * y, 6.0 * y, 6.0 * x];
        for (k, (g, w)) in d.iter().zip(want).enumerate() {
            assert_close(*g, w, &format!("entry {k}"));
        }
    }
}

#[test]
fn order_n_names_and_counts() {
    let (mut g, f) = parse("input x, y\noutput f = x * y^3").unwrap();
    let d = derivative_function(
        &mut g,
        &f,
        &DiffOptions {
            order: 3,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    let names: Vec<&str> = d.outputs().iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names.len(), 1 + 8);
    assert_eq!(names[1], "df_dx_dx_dx");
    assert_eq!(names[4], "df_dx_dy_dy");
    assert_eq!(names[8], "df_dy_dy_dy");
}
