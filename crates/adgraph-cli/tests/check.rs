//! `adgraph check`: the CLI reports what `adgraph::check::gradients` finds, per input,
//! worst over the points; its point arguments are checked like every other's.

mod common;

use common::adgraph;

#[test]
fn check_reports_the_library_checker_per_input() {
    let file = "../../examples/rosenbrock.adg";
    let at = "x0=-1.2,x1=1,x2=-1.2,x3=1";
    let run = adgraph(&["check", file, "--at", at, "--json"]);
    let text = run.assert_ok();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let (g, f) = adgraph::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let report = adgraph::check::gradients(&g, &f, &[-1.2, 1.0, -1.2, 1.0]).unwrap();
    assert!(
        text.starts_with(&format!(
            "{{\"points\": 1, \"modes\": {}, \"inputs\": {{\"x0\": {{\"worst_error\": ",
            report.modes.len() - 1
        )),
        "{text}"
    );
    for c in &report.per_input {
        let key = format!(
            "\"{}\": {{\"worst_error\": {}, ",
            c.input,
            adgraph_cli::json::number(c.worst_error)
        );
        assert!(text.contains(&key), "{key} in {text}");
        let fd = format!("\"fd_error\": {}}}", adgraph_cli::json::number(c.fd_error));
        assert!(text.contains(&fd), "{fd} in {text}");
    }
    assert!(
        report.worst_error() < 1e-12,
        "the modes agree on Rosenbrock"
    );
}

#[test]
fn more_points_take_the_worst_and_default_to_one_half() {
    let one = adgraph(&["check", "tests/data/two_outputs.adg", "--json"]);
    let explicit = adgraph(&[
        "check",
        "tests/data/two_outputs.adg",
        "--at",
        "a=0.5,b=0.5,c=0.5",
        "--json",
    ]);
    assert_eq!(one.assert_ok(), explicit.assert_ok());
    let many = adgraph(&["check", "tests/data/two_outputs.adg", "--points", "4"]);
    let text = many.assert_ok();
    assert!(
        text.starts_with("tests/data/two_outputs.adg: 4 points, "),
        "{text}"
    );
    assert_eq!(
        text.lines().count(),
        2 + 3 + 1,
        "title, header, a row per input, total"
    );
    let worst = |t: &str| -> f64 {
        let fd = t.trim_end().rsplit(' ').next().unwrap();
        fd.parse().unwrap()
    };
    let single = adgraph(&["check", "tests/data/two_outputs.adg"]);
    assert!(
        worst(text) >= worst(single.assert_ok()),
        "more points, no smaller worst"
    );
}

#[test]
fn check_points_are_checked() {
    let run = adgraph(&["check", "tests/data/seed.adg", "--at", "x=abc,y=1"]);
    assert!(run.assert_user_error().contains("`abc` is not a number"));
    let run = adgraph(&["check", "tests/data/seed.adg", "--at", "x=1"]);
    assert!(run.assert_user_error().contains("no value for input `y`"));
    let run = adgraph(&["check", "tests/data/seed.adg", "--points", "0"]);
    assert!(run.assert_user_error().contains("from 1 to"));
}

#[test]
fn a_tolerance_fails_the_run_only_when_modes_disagree() {
    // Rosenbrock: every mode agrees to rounding, so a tight tolerance passes and the
    // findings print exactly as without it.
    let file = "../../examples/rosenbrock.adg";
    let plain = adgraph(&["check", file, "--points", "3"]);
    let judged = adgraph(&["check", file, "--points", "3", "--tolerance", "1e-12"]);
    assert_eq!(judged.assert_ok(), plain.assert_ok());

    // Through a pole the modes part: `(2x*0)^-1` is -inf for x < 0, so the function is
    // x - 1 there; the reverse sweep skips the zero adjoint and gives 1, while forward
    // mode multiplies the infinite partial by a zero tangent and gives NaN.
    let pole = ["check", "-e", "x + tanh((2*x*0)^-1)", "--at", "x=-0.39"];
    let report = adgraph(&pole);
    assert!(
        report.assert_ok().contains("worst error inf"),
        "{}",
        report.transcript()
    );
    let failed = adgraph(&[&pole[..], &["--tolerance", "1e-6"]].concat());
    assert_eq!(failed.status, 1, "{}", failed.transcript());
    assert_eq!(failed.stdout, report.stdout, "the findings still print");
    assert!(
        failed.stderr.starts_with("check failed: the modes disagree on the derivative with respect to `x`: worst error inf"),
        "{}",
        failed.transcript()
    );

    for bad in ["-1", "nan", "inf", "x"] {
        let flag = format!("--tolerance={bad}");
        let run = adgraph(&["check", file, &flag]);
        assert!(
            run.assert_user_error().contains("expected a finite number"),
            "{bad}"
        );
    }
}
