//! The guide (docs/guide.md) shows real output: this test runs every `$ adgraph ...`
//! line of its ```console blocks with the built binary and compares what it prints
//! with the text that follows the line in the guide. Commands run through `sh` (the
//! guide has a pipe and redirections) in a scratch folder where `examples/` and
//! `docs/` are the repository's, so files they write land there. Blocks marked
//! ```console timed hold measured times: their lines are compared by count and
//! first word only. Blocks of other commands (`cargo run --example ...`) are left to
//! the examples' own tests. The guide's snapshot example must be the file it says.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// One command of the guide and the output printed under it.
struct Case {
    command: String,
    expected: String,
    timed: bool,
}

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `$ adgraph` commands of `guide`'s ```console blocks with their outputs.
fn cases(guide: &str) -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    let mut block: Option<bool> = None; // Some(timed) inside a console block
    let mut current: Option<Case> = None;
    for line in guide.lines() {
        match block {
            None => {
                if let Some(info) = line.strip_prefix("```console") {
                    block = Some(info.trim() == "timed");
                }
            }
            Some(timed) => {
                if line.starts_with("```") || line.starts_with("$ ") {
                    out.extend(current.take());
                }
                if line.starts_with("```") {
                    block = None;
                } else if let Some(cmd) = line.strip_prefix("$ ") {
                    if cmd.starts_with("adgraph ") {
                        current = Some(Case {
                            command: cmd.to_string(),
                            expected: String::new(),
                            timed,
                        });
                    }
                } else if let Some(c) = current.as_mut() {
                    c.expected.push_str(line);
                    c.expected.push('\n');
                }
            }
        }
    }
    out
}

/// Runs `command` with `sh` in `dir`, the built binary first on the `PATH`; returns
/// the exit status and standard output followed by standard error.
fn run(dir: &Path, command: &str) -> (Option<i32>, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_adgraph"));
    let bin_dir = bin.parent().expect("the binary's folder");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).expect("a PATH"))
        .output()
        .expect("sh runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

/// The first word of each line.
fn shape(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect()
}

#[test]
#[cfg(unix)] // sh, and the scratch folder links the repository's folders
fn every_guide_command_prints_what_the_guide_shows() {
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).expect("docs/guide.md");
    let cases = cases(&guide);
    assert!(cases.len() >= 20, "only {} commands found", cases.len());
    let dir = common::scratch("guide");
    for name in ["examples", "docs"] {
        let target = root().join(name).canonicalize().unwrap();
        std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
    }
    let mut failures = Vec::new();
    for c in &cases {
        let (status, got) = run(&dir, &c.command);
        let expected_error = c.expected.starts_with("error: ");
        let status_ok = if expected_error {
            status == Some(2)
        } else {
            status == Some(0)
        };
        let same = if c.timed {
            shape(&got) == shape(&c.expected)
        } else {
            got == c.expected
        };
        if !status_ok || !same {
            failures.push(format!(
                "$ {}\nstatus {status:?}\n--- the guide shows\n{}--- it printed\n{got}",
                c.command, c.expected
            ));
        }
    }
    assert!(
        dir.join("pareto.svg").exists(),
        "the --svg command wrote its chart"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_guide_shows_the_snapshot_test_as_it_is() {
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).expect("docs/guide.md");
    for file in [
        "tests/guide_snapshot.rs",
        "snapshots/guide/guide_snapshot__seed_gradient_graph.snap",
        "examples/seed.adg",
        "docs/seed_nodes.adg",
    ] {
        let text = std::fs::read_to_string(root().join(file)).expect(file);
        assert!(
            guide.contains(text.trim_end()),
            "docs/guide.md does not show {file} as it is"
        );
    }
}

#[test]
fn cases_are_read_from_console_blocks_only() {
    let text = "```console\n$ adgraph a\n1\n2\n$ cargo x\nno\n```\n```text\n$ adgraph b\n```\n```console timed\n$ adgraph c\n```\n";
    let c = cases(text);
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].command.as_str(), c[0].expected.as_str(), c[0].timed),
        ("adgraph a", "1\n2\n", false)
    );
    assert_eq!(
        (c[1].command.as_str(), c[1].expected.as_str(), c[1].timed),
        ("adgraph c", "", true)
    );
}
