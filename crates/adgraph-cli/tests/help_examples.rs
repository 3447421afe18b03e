//! Every example invocation that `adgraph --help` and each subcommand's `--help`
//! show actually runs: each is run from a scratch folder where `examples/` is the
//! repository's, with a CSV standing in for `in.csv`, and must exit with status 0
//! (a pipe `a | b` runs `a`, and `b` too when it is `adgraph` reading `-`).

mod common;

use std::process::{Command, Stdio};

/// The `adgraph ...` lines of a help text's example section.
fn example_lines(help: &str) -> Vec<String> {
    help.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("adgraph "))
        .map(str::to_string)
        .collect()
}

/// Splits a shell line into words, honouring single quotes (all the examples use).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

/// Runs `adgraph args` in `dir` with `stdin`; (status, stdout).
fn run_in(dir: &std::path::Path, args: &[String], stdin: &[u8]) -> (Option<i32>, Vec<u8>, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_adgraph"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
#[cfg(unix)] // the scratch folder links `examples/` with a symlink
fn every_help_example_runs() {
    let dir = common::scratch("help-examples");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    std::os::unix::fs::symlink(examples.canonicalize().unwrap(), dir.join("examples")).unwrap();
    std::fs::write(dir.join("in.csv"), "x,y\n3,4\n1,2\n").unwrap();
    let top = common::adgraph(&["--help"]);
    let mut lines = example_lines(top.assert_ok());
    for sub in common::SUBCOMMANDS {
        let help = common::adgraph(&[sub.name, "--help"]);
        let found = example_lines(help.assert_ok());
        assert!(
            !found.is_empty(),
            "`adgraph {} --help` has no example",
            sub.name
        );
        lines.extend(found);
    }
    let mut ran = 0;
    for line in &lines {
        let mut stages = line.split(" | ");
        let first = words(stages.next().unwrap());
        let (status, stdout, stderr) = run_in(&dir, &first[1..], b"");
        assert_eq!(status, Some(0), "`{line}` failed: {stderr}");
        ran += 1;
        for stage in stages {
            let next = words(stage);
            if next.first().map(String::as_str) == Some("adgraph")
                && next.contains(&"-".to_string())
            {
                let (status, _, stderr) = run_in(&dir, &next[1..], &stdout);
                assert_eq!(status, Some(0), "`{line}` failed in `{stage}`: {stderr}");
            }
        }
    }
    assert!(
        ran >= 2 * common::SUBCOMMANDS.len(),
        "only {ran} examples ran"
    );
    assert!(
        dir.join("out.csv").exists(),
        "the -o example wrote its file"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shell_words_split_like_a_shell() {
    assert_eq!(
        words("adgraph eval -e 'x*x + 2' --at x=3"),
        ["adgraph", "eval", "-e", "x*x + 2", "--at", "x=3"]
    );
    assert_eq!(words("a ''"), ["a", ""]);
}
