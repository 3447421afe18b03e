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
