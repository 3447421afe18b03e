//! File-driven tests of the optimizing passes: every `tests/cases/opt/*.adg` file is
//! parsed, optimized as its first comment line says, checked against the original
//! by evaluation, and its output compared with an insta snapshot under
//! `snapshots/opt/`.
//!
//! The first line is `# run: opt [--fast] [--passes a,b,...]`, like the CLI. The
//! snapshot holds the function as parsed (the constructors have already applied the
//! Strict rules), the optimized function, and the pass report without timings.
//! Semantics: in Strict every output must be bit-identical (NaN equal to NaN) at
//! every combination of special values (up to three inputs; the first three
//! otherwise); in Fast, equal within 1e-12 relative (absolute below 1) at ordinary
//! points where the original is finite.

use adgraph_ir::{dump, evaluate, parse, FloatMode, Function, Graph};
use adgraph_opt::{Pass, Pipeline};
use std::path::Path;

const SPECIALS: [f64; 14] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    -3.75,
    0.1,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    5e-324,
    -2.2250738585072014e-308,
    1.7976931348623157e308,
    1.0000000000000002,
];

const ORDINARY: [f64; 5] = [0.75, 1.5, 2.25, 0.3, 1.9];

/// The pipeline a case's first line asks for.
fn pipeline(path: &Path, source: &str) -> Pipeline {
    let line = source.lines().next().unwrap_or("");
    let command = line
        .strip_prefix("# run: opt")
        .unwrap_or_else(|| panic!("{}: first line must be `# run: opt ...`", path.display()));
    let mut p = Pipeline::new(FloatMode::Strict);
    let mut words = command.split_whitespace();
    while let Some(w) = words.next() {
        match w {
            "--fast" => p.mode = FloatMode::Fast,
            "--passes" => {
                let list = words.next().expect("--passes needs a list");
                p = p.with_passes(Pass::parse_list(list).expect("known passes"));
            }
            other => panic!("{}: unknown flag {other}", path.display()),
        }
    }
    p
}

/// Every point of `values` in `n` dimensions (at most three; others fixed to 1.5).
fn grid(values: &[f64], n: usize) -> Vec<Vec<f64>> {
    let mut points = vec![vec![]];
    for i in 0..n {
        let column: Vec<f64> = if i < 3 { values.to_vec() } else { vec![1.5] };
        points = points
            .into_iter()
            .flat_map(|p| {
                column.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    points
}

fn check_semantics(
    name: &str,
    mode: FloatMode,
    g: &Graph,
    f: &Function,
    g2: &Graph,
    f2: &Function,
) {
    let n = f.inputs().len();
    let values: &[f64] = match mode {
        FloatMode::Strict => &SPECIALS,
        FloatMode::Fast => &ORDINARY,
    };
    for p in grid(values, n) {
        let a = evaluate(g, f, &p).unwrap();
        let b = evaluate(g2, f2, &p).unwrap();
        for (k, (&x, &y)) in a.iter().zip(&b).enumerate() {
            let ok = match mode {
                FloatMode::Strict => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                FloatMode::Fast => !x.is_finite() || (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            };
            assert!(ok, "{name}: output {k} at {p:?}: {x:e} before, {y:e} after");
        }
    }
}

#[test]
fn opt_cases() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/opt"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("cases/opt/*.adg", |path| {
            let source = std::fs::read_to_string(path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let p = pipeline(path, &source);
            let (g, f) = parse(&source).unwrap_or_else(|e| panic!("{name}: {e}"));
            let (r, report) = p.run(&g, std::slice::from_ref(&f)).unwrap();
            let f2 = &r.functions[0];
            check_semantics(&name, p.mode, &g, &f, &r.graph, f2);
            let text = format!(
                "--- as parsed\n{}--- optimized\n{}--- report\n{}",
                dump(&g, &f),
                dump(&r.graph, f2),
                report.without_times()
            );
            insta::assert_snapshot!("case", text);
        });
    });
}
