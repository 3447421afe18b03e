//! `adgraph eval`, `dump` and `dot` on good input: the values agree with the library's
//! reference evaluator, JSON keeps the function's order, `--points` agrees with
//! one-point runs whatever the thread count, and dumps read back.

mod common;

use adgraph::ir::{evaluate, format_number, parse};
use common::{adgraph, adgraph_with_stdin, scratch};

/// `name = value` lines as pairs.
fn named_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| {
            let (n, v) = l.split_once(" = ").expect("a `name = value` line");
            (n.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn the_seed_evaluates_to_23_from_a_file_and_from_an_expression() {
    let run = adgraph(&["eval", "tests/data/seed.adg", "--at", "x=3,y=4"]);
    assert_eq!(run.assert_ok(), "z = 23\n");
    let run = adgraph(&["eval", "-e", "x*x + x*y + 2", "--at", "x=3,y=4"]);
    assert_eq!(run.assert_ok(), "out0 = 23\n");
    let run = adgraph(&[
        "eval",
        "-e",
        "x*x + x*y + 2",
        "--at",
        "x=3",
        "--at",
        "y=4",
        "--json",
    ]);
    assert_eq!(run.assert_ok(), "{\"outputs\": {\"out0\": 23}}\n");
}

#[test]
fn eval_agrees_with_the_reference_evaluator_on_every_example() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut files: Vec<_> = std::fs::read_dir(examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "adg"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the examples are there");
    for file in files {
        let (g, f) = parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let names = f.input_names(&g);
        let point: Vec<f64> = (0..names.len()).map(|i| 0.25 + 0.125 * i as f64).collect();
        let at: Vec<String> = names
            .iter()
            .zip(&point)
            .map(|(n, x)| format!("{n}={}", format_number(*x)))
            .collect();
        let expected = evaluate(&g, &f, &point).unwrap();
        let at = at.join(",");
        let run = adgraph(&["eval", file.to_str().unwrap(), "--at", &at]);
        let got = named_values(run.assert_ok());
        assert_eq!(got.len(), f.outputs().len());
        for ((name, value), (output, want)) in got.iter().zip(f.outputs().iter().zip(&expected)) {
            assert_eq!(name, &output.name);
            assert_eq!(value, &format_number(*want), "{}: {name}", file.display());
        }
    }
}

#[test]
fn json_keeps_output_order_and_spells_non_finite_numbers() {
    let run = adgraph(&[
        "eval",
        "tests/data/two_outputs.adg",
        "--at",
        "c=0,b=inf,a=0",
        "--json",
    ]);
    // ratio = inf / 0 = inf; wave = sin(0) * exp(inf) - 0 = 0 * inf = nan.
    assert_eq!(
        run.assert_ok(),
        "{\"outputs\": {\"ratio\": \"inf\", \"wave\": \"nan\"}}\n"
    );
    let run = adgraph(&[
        "eval",
        "tests/data/two_outputs.adg",
        "--at",
        "a=-1,b=0,c=1e300",
        "--json",
    ]);
    assert_eq!(
        run.assert_ok(),
        format!(
            "{{\"outputs\": {{\"ratio\": {}, \"wave\": \"-inf\"}}}}\n",
            format_number(-1.0 / 1e300)
        )
    );
}

#[test]
fn points_agree_with_one_point_runs() {
    let run = adgraph(&[
        "eval",
        "tests/data/seed.adg",
        "--points",
        "tests/data/points.csv",
    ]);
    let csv = run.assert_ok();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("z"));
    let points = ["x=3,y=4", "x=1,y=2", "x=-inf,y=nan", "x=0.5,y=-0"];
    for (line, at) in lines.zip(points) {
        let one = adgraph(&["eval", "tests/data/seed.adg", "--at", at]);
        assert_eq!(format!("z = {line}\n"), one.assert_ok(), "{at}");
    }
}

#[test]
fn points_are_the_same_whatever_the_thread_count_and_go_to_a_file_with_o() {
    let dir = scratch("threads");
    let input = dir.join("in.csv");
    let mut text = String::from("b,c,a\n");
    for i in 0..10_000 {
        let x = i as f64;
        text.push_str(&format!("{},{},{}\n", x * 0.001, 1.0 + x, -x * 0.5));
    }
    std::fs::write(&input, text).unwrap();
    let input = input.to_str().unwrap();
    let one = adgraph(&["eval", "tests/data/two_outputs.adg", "--points", input]);
    let one = one.assert_ok().to_string();
    assert_eq!(one.lines().count(), 10_001);
    assert!(one.starts_with("ratio,wave\n"));
    for threads in ["2", "3"] {
        let out = dir.join(format!("out{threads}.csv"));
        let out = out.to_str().unwrap();
        let run = adgraph(&[
            "eval",
            "tests/data/two_outputs.adg",
            "--points",
            input,
            "--threads",
            threads,
            "-o",
            out,
        ]);
        assert_eq!(run.assert_ok(), "", "results go to the file, not stdout");
        assert_eq!(std::fs::read_to_string(out).unwrap(), one);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn points_can_come_from_standard_input() {
    let run = adgraph_with_stdin(
        &["eval", "tests/data/seed.adg", "--points", "-"],
        b"y,x\n4,3\n",
    );
    assert_eq!(run.assert_ok(), "z\n23\n");
}

#[test]
fn a_dump_reads_back_to_the_same_dump() {
    for file in ["tests/data/seed.adg", "tests/data/two_outputs.adg"] {
        let first = adgraph(&["dump", file]);
        let first = first.assert_ok();
        let again = adgraph_with_stdin(&["dump", "-"], first.as_bytes());
        assert_eq!(again.assert_ok(), first);
    }
}

#[test]
fn dot_is_a_digraph_of_the_function() {
    let run = adgraph(&["dot", "-e", "sin(x) * y"]);
    let text = run.assert_ok();
    assert!(text.starts_with("digraph adgraph {"), "{text}");
    assert!(text.contains("label=\"sin\""));
    assert!(text.trim_end().ends_with('}'));
}

#[test]
fn a_function_without_inputs_needs_no_point() {
    let run = adgraph(&["eval", "-e", "2 ^ 10 + 1"]);
    assert_eq!(run.assert_ok(), "out0 = 1025\n");
}
