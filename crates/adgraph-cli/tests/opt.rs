//! `adgraph opt`: the optimized function is valid `.adg` that computes the same
//! values (bit for bit in Strict mode), the pass list and mode are honoured, and
//! `--stats` reports on standard error only.

mod common;

use common::{adgraph, adgraph_with_stdin};

#[test]
fn strict_optimization_keeps_every_value_bit_for_bit() {
    for file in [
        "../../examples/rosenbrock.adg",
        "../../examples/vanderpol.adg",
        "tests/data/two_outputs.adg",
    ] {
        let original =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .unwrap();
        let optimized = adgraph(&["opt", file]);
        let optimized = optimized.assert_ok().to_string();
        let (g, f) = adgraph::ir::parse(&original).unwrap();
        let names = f.input_names(&g);
        for value in ["0.3", "-1.5", "nan", "inf", "-0", "1e-310"] {
            let at: Vec<String> = names.iter().map(|n| format!("{n}={value}")).collect();
            let at = at.join(",");
            let before = adgraph(&["eval", file, "--at", &at, "--json"]);
            let after =
                adgraph_with_stdin(&["eval", "-", "--at", &at, "--json"], optimized.as_bytes());
            assert_eq!(after.assert_ok(), before.assert_ok(), "{file} at {value}");
        }
    }
}

#[test]
fn fast_mode_and_pass_lists_change_what_is_built() {
    // Strict keeps `x * 0` (it is NaN for x = inf); Fast drops it.
    let strict = adgraph(&["opt", "-e", "x*0 + x*y + y*x"]);
    assert!(strict.assert_ok().contains("x * 0"), "{}", strict.stdout);
    let fast = adgraph(&["opt", "-e", "x*0 + x*y + y*x", "--fast"]);
    assert!(!fast.assert_ok().contains("* 0"), "{}", fast.stdout);
    let fast_ops = fast.stdout.matches(" = ").count();
    assert!(fast_ops < strict.stdout.matches(" = ").count());
    // Only the `simplify` pass collects like terms across nodes (`x*y + z + y*x` is
    // `z + 2*(x*y)`), so a pass list without it leaves them apart.
    let all = adgraph(&["opt", "-e", "x*y + z + y*x", "--fast"]);
    assert!(all.assert_ok().contains("* 2"), "{}", all.stdout);
    let without_simplify = adgraph(&[
        "opt",
        "-e",
        "x*y + z + y*x",
        "--fast",
        "--passes",
        "fold,cse,dce",
    ]);
    assert!(
        !without_simplify.assert_ok().contains("* 2"),
        "{}",
        without_simplify.stdout
    );
}

#[test]
fn stats_go_to_standard_error() {
    let run = adgraph(&[
        "opt",
        "tests/data/seed.adg",
        "--stats",
        "--passes",
        "fold,cse",
    ]);
    assert_eq!(run.status, 0);
    let plain = adgraph(&["opt", "tests/data/seed.adg", "--passes", "fold,cse"]);
    assert_eq!(run.stdout, plain.assert_ok());
    let lines: Vec<&str> = run.stderr.lines().collect();
    // fold and cse only rebuild, so the pipeline runs them fused, as one row.
    assert!(lines[0].starts_with("round 1 fold+cse "), "{}", run.stderr);
    assert!(
        lines.last().unwrap().contains("fixed point"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_pass_lists_are_one_line_errors() {
    let run = adgraph(&["opt", "tests/data/seed.adg", "--passes", "fold,inline"]);
    assert!(run
        .assert_user_error()
        .contains("unknown pass `inline`; the passes are fold, simplify, cse, dce"));
    let run = adgraph(&["opt", "tests/data/seed.adg", "--passes", ","]);
    assert!(run.assert_user_error().contains("no passes given"));
}
