//! Derivative subcommands against central finite differences computed from
//! `adgraph eval` itself, on the seed and the example workloads.

mod common;

use adgraph::ir::{format_number, parse};
use common::adgraph;

/// The value of every output of `file` at `point` (input order), through the CLI.
fn eval_cli(file: &str, names: &[&str], point: &[f64]) -> Vec<f64> {
    let at = assignments(names, point);
    let run = adgraph(&["eval", file, "--at", &at]);
    run.assert_ok()
        .lines()
        .map(|l| l.split_once(" = ").unwrap().1.parse::<f64>().unwrap())
        .collect()
}

/// `a=1,b=2` for `names` and `values`.
fn assignments(names: &[&str], values: &[f64]) -> String {
    let parts: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, x)| format!("{n}={}", format_number(*x)))
        .collect();
    parts.join(",")
}

/// Values of the indented `name = value` lines under `title` in a sectioned report.
fn section_values(text: &str, title: &str) -> Vec<(String, f64)> {
    text.lines()
        .skip_while(|l| *l != title)
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let (n, v) = l.trim().split_once(" = ").unwrap();
            (n.to_string(), v.parse::<f64>().unwrap())
        })
        .collect()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * (1.0 + a.abs().max(b.abs()))
}

/// (file, relative path from the crate) of the functions the derivative tests use.
const FILES: &[&str] = &[
    "tests/data/seed.adg",
    "tests/data/two_outputs.adg",
    "../../examples/rosenbrock.adg",
    "../../examples/vanderpol.adg",
    "../../examples/lennard_jones.adg",
];

/// The inputs of `file` and a point in the middle of its domain.
fn inputs_and_point(file: &str) -> (Vec<String>, Vec<f64>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let (g, f) = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let names: Vec<String> = f.input_names(&g).iter().map(|s| s.to_string()).collect();
    // Spread points (Lennard-Jones needs particles apart).
    let point = (0..names.len()).map(|i| 0.3 + 0.7 * i as f64).collect();
    (names, point)
}

#[test]
fn jvp_tangents_match_central_differences() {
    for file in FILES {
        let (names, point) = inputs_and_point(file);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        // Direction: 1 on the first input, -0.5 on the last.
        let mut direction = vec![0.0; names.len()];
        direction[0] = 1.0;
        *direction.last_mut().unwrap() -= 0.5;
        let run = adgraph(&[
            "jvp",
            file,
            "--at",
            &assignments(&names, &point),
            "--dir",
            &assignments(&names, &direction),
        ]);
        let text = run.assert_ok();
        let tangents = section_values(text, "tangents");
        let h = 1e-5;
        let shifted = |s: f64| -> Vec<f64> {
            point
                .iter()
                .zip(&direction)
                .map(|(x, d)| x + s * d)
                .collect()
        };
        let plus = eval_cli(file, &names, &shifted(h));
        let minus = eval_cli(file, &names, &shifted(-h));
        for (o, (name, t)) in tangents.iter().enumerate() {
            let fd = (plus[o] - minus[o]) / (2.0 * h);
            assert!(close(*t, fd, 1e-6), "{file}: {name}: jvp {t}, fd {fd}");
        }
        let outputs = section_values(text, "outputs");
        let values = eval_cli(file, &names, &point);
        let printed: Vec<f64> = outputs.iter().map(|(_, v)| *v).collect();
        assert_eq!(printed, values, "{file}: jvp's outputs are eval's");
    }
}

#[test]
fn jvp_of_the_seed_is_2x_plus_y_and_x() {
    let dx = adgraph(&[
        "jvp",
        "tests/data/seed.adg",
        "--at",
        "x=3,y=4",
        "--dir",
        "x=1",
        "--json",
    ]);
    assert_eq!(
        dx.assert_ok(),
        "{\"outputs\": {\"z\": 23}, \"tangents\": {\"z\": 10}}\n"
    );
    let dy = adgraph(&[
        "jvp",
        "tests/data/seed.adg",
        "--at",
        "x=3,y=4",
        "--dir",
        "y=1",
        "--json",
    ]);
    assert_eq!(
        dy.assert_ok(),
        "{\"outputs\": {\"z\": 23}, \"tangents\": {\"z\": 3}}\n"
    );
}

/// Runs `adgraph diff file args...`, then evaluates the printed function at `point`
/// with `adgraph eval -`; the (name, value) pairs.
fn diff_then_eval(file: &str, args: &[&str], names: &[&str], point: &[f64]) -> Vec<(String, f64)> {
    let mut diff_args = vec!["diff", file];
    diff_args.extend_from_slice(args);
    let derivative = adgraph(&diff_args);
    let text = derivative.assert_ok().to_string();
    let at = assignments(names, point);
    let run = common::adgraph_with_stdin(&["eval", "-", "--at", &at], text.as_bytes());
    run.assert_ok()
        .lines()
        .map(|l| {
            let (n, v) = l.split_once(" = ").unwrap();
            (n.to_string(), v.parse::<f64>().unwrap())
        })
        .collect()
}

#[test]
fn diff_prints_a_function_whose_derivatives_match_central_differences() {
    for file in FILES {
        let (names, point) = inputs_and_point(file);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let outputs = eval_cli(file, &names, &point);
        for mode in ["forward", "reverse"] {
            let values = diff_then_eval(file, &["--mode", mode], &names, &point);
            assert_eq!(values.len(), outputs.len() * (1 + names.len()), "{file}");
            // The original outputs first, unchanged.
            for (o, value) in outputs.iter().enumerate() {
                assert_eq!(values[o].1, *value, "{file}");
            }
            // Then d<out>_d<in>, outputs slowest, inputs in input order.
            let h = 1e-6;
            for i in 0..names.len() {
                let mut plus = point.clone();
                plus[i] += h;
                let mut minus = point.clone();
                minus[i] -= h;
                let (up, down) = (
                    eval_cli(file, &names, &plus),
                    eval_cli(file, &names, &minus),
                );
                for o in 0..outputs.len() {
                    let (name, d) = &values[outputs.len() + o * names.len() + i];
                    assert!(name.ends_with(&format!("_d{}", names[i])), "{name}");
                    let fd = (up[o] - down[o]) / (2.0 * h);
                    assert!(close(*d, fd, 1e-5), "{file} {mode}: {name} = {d}, fd {fd}");
                }
            }
        }
    }
}

#[test]
fn diff_of_the_seed_gives_2x_plus_y_and_x_and_second_derivatives() {
    let first = diff_then_eval("tests/data/seed.adg", &[], &["x", "y"], &[3.0, 4.0]);
    let expect = [("z", 23.0), ("dz_dx", 10.0), ("dz_dy", 3.0)];
    assert_eq!(first, expect.map(|(n, v)| (n.to_string(), v)));
    let second = diff_then_eval(
        "tests/data/seed.adg",
        &["--order", "2"],
        &["x", "y"],
        &[3.0, 4.0],
    );
    let names: Vec<&str> = second.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["z", "dz_dx_dx", "dz_dx_dy", "dz_dy_dx", "dz_dy_dy"]);
    let values: Vec<f64> = second.iter().map(|(_, v)| *v).collect();
    assert_eq!(values, [23.0, 2.0, 1.0, 1.0, 0.0]);
}

#[test]
fn hessian_matches_differences_of_the_gradient_and_is_symmetric() {
    for file in [
        "tests/data/seed.adg",
        "../../examples/rosenbrock.adg",
        "../../examples/lennard_jones.adg",
    ] {
        let (names, point) = inputs_and_point(file);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let at = assignments(&names, &point);
        let run = adgraph(&["hessian", file, "--at", &at, "--json"]);
        let text = run.assert_ok();
        let matrix_text = text
            .split("\"hessian\": ")
            .nth(1)
            .unwrap()
            .trim_end()
            .trim_end_matches('}');
        let matrix: Vec<Vec<f64>> = matrix_text
            .trim_start_matches("[[")
            .trim_end_matches("]]")
            .split("], [")
            .map(|row| row.split(", ").map(|c| c.parse::<f64>().unwrap()).collect())
            .collect();
        let n = names.len();
        assert_eq!(matrix.len(), n);
        let gradient = |p: &[f64]| -> Vec<f64> {
            diff_then_eval(file, &[], &names, p)[1..]
                .iter()
                .map(|(_, v)| *v)
                .collect()
        };
        let h = 1e-6;
        for j in 0..n {
            let mut plus = point.clone();
            plus[j] += h;
            let mut minus = point.clone();
            minus[j] -= h;
            let (up, down) = (gradient(&plus), gradient(&minus));
            for i in 0..n {
                let fd = (up[i] - down[i]) / (2.0 * h);
                assert!(
                    close(matrix[i][j], fd, 1e-5),
                    "{file}: H[{i}][{j}] = {}, fd {fd}",
                    matrix[i][j]
                );
                assert!(
                    close(matrix[i][j], matrix[j][i], 1e-12),
                    "{file}: not symmetric at {i},{j}"
                );
            }
        }
    }
}
