//! Derivative subcommands against central finite differences computed from
//! `adgraph eval` itself, on the seed and the example workloads.

mod common;

use adgraph_ir::{format_number, parse};
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
