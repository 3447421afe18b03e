//! Transcripts (command, status, stdout, stderr) of representative runs, as insta
//! snapshots under `snapshots/cli/`: the help texts, each subcommand's normal output,
//! and the error messages users see.

mod common;

use common::adgraph;

fn snapshot(name: &str, args: &[&str]) {
    let text = without_times(&adgraph(args).transcript());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/cli"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// `text` with every duration (`0.118 ms`, `12.5 ns`) replaced by `[time]`, so
/// transcripts of reports that time themselves stay deterministic.
fn without_times(text: &str) -> String {
    let units = [" ms", " us", " ns", " s"];
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let words: Vec<&str> = line.split(' ').collect();
        let mut kept: Vec<String> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let next = words.get(i + 1).map(|w| w.trim_end());
            let is_number = !word.is_empty()
                && word.chars().all(|c| c.is_ascii_digit() || c == '.')
                && word.contains('.');
            if is_number
                && next.is_some_and(|n| units.iter().any(|u| u.trim() == n.trim_end_matches(',')))
            {
                kept.push("[time]".to_string());
            } else {
                kept.push(word.to_string());
            }
        }
        out.push_str(&kept.join(" "));
    }
    // Right-aligned columns pad a time by its width: drop the padding too.
    while out.contains("  [time]") {
        out = out.replace("  [time]", " [time]");
    }
    out
}

#[test]
fn times_are_redacted() {
    assert_eq!(
        without_times("round 1 fold  0.020 ms\n2 round(s), 0.118 ms in all\n"),
        "round 1 fold [time] ms\n2 round(s), [time] ms in all\n"
    );
}

#[test]
fn help_texts() {
    snapshot("help", &["--help"]);
    for sub in common::SUBCOMMANDS {
        snapshot(&format!("help_{}", sub.name), &[sub.name, "--help"]);
    }
}

#[test]
fn normal_runs() {
    snapshot("dump_seed", &["dump", "tests/data/seed.adg"]);
    snapshot("dump_expression", &["dump", "-e", "x*x + x*y + 2"]);
    snapshot("dot_seed", &["dot", "tests/data/seed.adg"]);
    snapshot(
        "eval_seed",
        &["eval", "tests/data/seed.adg", "--at", "x=3,y=4"],
    );
    snapshot(
        "eval_expression",
        &["eval", "-e", "x*x + x*y + 2", "--at", "x=3,y=4"],
    );
    snapshot("opt_fast", &["opt", "-e", "x*y + y*x + 0*x", "--fast"]);
    snapshot(
        "opt_strict_stats",
        &["opt", "-e", "x*y + y*x + 0*x", "--stats"],
    );
    snapshot(
        "jvp_seed",
        &[
            "jvp",
            "tests/data/seed.adg",
            "--at",
            "x=3,y=4",
            "--dir",
            "x=1",
        ],
    );
    snapshot(
        "jvp_json",
        &[
            "jvp",
            "tests/data/two_outputs.adg",
            "--at",
            "a=0,b=0,c=2",
            "--dir",
            "c=1",
            "--json",
        ],
    );
    snapshot("diff_seed", &["diff", "tests/data/seed.adg"]);
    snapshot(
        "diff_seed_second_order",
        &["diff", "tests/data/seed.adg", "--order", "2"],
    );
    snapshot(
        "diff_two_outputs_wrt",
        &[
            "diff",
            "tests/data/two_outputs.adg",
            "--wrt",
            "c,a",
            "--mode",
            "reverse",
        ],
    );
    snapshot(
        "hessian_seed",
        &["hessian", "tests/data/seed.adg", "--at", "x=3,y=4"],
    );
    snapshot(
        "hessian_json",
        &[
            "hessian",
            "tests/data/two_outputs.adg",
            "--at",
            "a=1,b=2,c=3",
            "--output",
            "ratio",
            "--json",
        ],
    );
    snapshot(
        "grad_seed",
        &["grad", "tests/data/seed.adg", "--at", "x=3,y=4"],
    );
    snapshot(
        "grad_json",
        &["grad", "tests/data/seed.adg", "--at", "x=3,y=4", "--json"],
    );
    snapshot(
        "grad_revolve",
        &[
            "grad",
            "../../examples/vanderpol.adg",
            "--at",
            "x0=2,y0=0,mu=1",
            "--plan",
            "revolve:3",
        ],
    );
    snapshot(
        "grad_points",
        &[
            "grad",
            "tests/data/seed.adg",
            "--points",
            "tests/data/points.csv",
        ],
    );
    snapshot("plan_seed", &["plan", "tests/data/seed.adg"]);
    snapshot(
        "plan_revolve",
        &[
            "plan",
            "../../examples/vanderpol.adg",
            "--plan",
            "revolve:4",
        ],
    );
    snapshot(
        "plan_budget",
        &[
            "plan",
            "../../examples/vanderpol.adg",
            "--plan",
            "budget:512B",
        ],
    );
    snapshot(
        "plan_budget_json",
        &[
            "plan",
            "../../examples/vanderpol.adg",
            "--plan",
            "budget:512B",
            "--json",
        ],
    );
    snapshot(
        "check_seed",
        &["check", "tests/data/seed.adg", "--at", "x=3,y=4"],
    );
    snapshot(
        "eval_json",
        &[
            "eval",
            "tests/data/two_outputs.adg",
            "--at",
            "a=1,b=-0,c=-0",
            "--json",
        ],
    );
    snapshot(
        "eval_points",
        &[
            "eval",
            "tests/data/seed.adg",
            "--points",
            "tests/data/points.csv",
        ],
    );
}

#[test]
fn error_runs() {
    snapshot(
        "error_parse",
        &["eval", "tests/data/unknown_name.adg", "--at", "x=1"],
    );
    snapshot("error_expression", &["dump", "-e", "x * (y + 2"]);
    snapshot("error_missing_file", &["dump", "tests/data/nope.adg"]);
    snapshot(
        "error_bad_value",
        &["eval", "tests/data/seed.adg", "--at", "x=abc,y=1"],
    );
    snapshot(
        "error_missing_input",
        &["eval", "tests/data/seed.adg", "--at", "x=1"],
    );
    snapshot(
        "error_missing_column",
        &[
            "eval",
            "tests/data/seed.adg",
            "--points",
            "tests/data/missing_column.csv",
        ],
    );
    snapshot("error_no_subcommand", &[]);
    snapshot(
        "error_budget",
        &[
            "grad",
            "tests/data/seed.adg",
            "--at",
            "x=3,y=4",
            "--plan",
            "budget:16B",
        ],
    );
    snapshot(
        "error_plan",
        &[
            "grad",
            "tests/data/seed.adg",
            "--at",
            "x=3,y=4",
            "--plan",
            "keep-some",
        ],
    );
    snapshot(
        "error_wrt",
        &["diff", "tests/data/seed.adg", "--wrt", "x,q"],
    );
    snapshot(
        "error_not_scalar",
        &[
            "hessian",
            "tests/data/two_outputs.adg",
            "--at",
            "a=1,b=2,c=3",
        ],
    );
}
