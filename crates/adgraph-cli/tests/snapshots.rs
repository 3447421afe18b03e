//! Transcripts (command, status, stdout, stderr) of representative runs, as insta
//! snapshots under `snapshots/cli/`: the help texts, each subcommand's normal output,
//! and the error messages users see.

mod common;

use common::adgraph;

fn snapshot(name: &str, args: &[&str]) {
    let text = adgraph(args).transcript();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/cli"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn help_texts() {
    snapshot("help", &["--help"]);
    for (sub, _) in common::SUBCOMMANDS {
        snapshot(&format!("help_{sub}"), &[sub, "--help"]);
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
}
