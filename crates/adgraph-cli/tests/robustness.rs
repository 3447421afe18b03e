//! Every subcommand on broken input: a missing file, an unreadable file, a directory,
//! text that is not UTF-8 or does not parse, bad `--at` values, bad CSVs and bad flag
//! values. Each must end with status 2 and a one-line message (parse errors: the
//! rendered three lines), never a panic.

mod common;

use common::{
    adgraph, adgraph_with_stdin, point_subcommands, CSV_SUBCOMMANDS, PLAN_SUBCOMMANDS, SUBCOMMANDS,
};

#[test]
fn every_subcommand_reports_a_missing_file() {
    for sub in SUBCOMMANDS {
        let run = adgraph(&sub.args("tests/data/nope.adg"));
        assert_eq!(
            run.assert_user_error(),
            "error: `tests/data/nope.adg`: cannot read it: no such file or directory"
        );
    }
}

#[test]
fn every_subcommand_reports_a_directory() {
    for sub in SUBCOMMANDS {
        let run = adgraph(&sub.args("tests/data/folder"));
        assert_eq!(
            run.assert_user_error(),
            "error: `tests/data/folder`: it is a directory, not a file"
        );
    }
}

#[test]
#[cfg(target_os = "linux")]
fn every_subcommand_reports_an_unreadable_file() {
    // /proc/self/mem opens but fails to read at offset 0, even for root (for whom a
    // file without read permission would still be readable).
    for sub in SUBCOMMANDS {
        let run = adgraph(&sub.args("/proc/self/mem"));
        assert_eq!(
            run.assert_user_error(),
            "error: `/proc/self/mem`: cannot read it: input/output error"
        );
    }
}

#[test]
#[cfg(unix)]
fn a_file_without_read_permission_is_a_user_error_unless_root_can_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::scratch("unreadable");
    let path = dir.join("secret.adg");
    std::fs::write(&path, "input x, y\noutput z = x*x + x*y + 2\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads the file anyway; then the run must simply succeed.
    let readable_anyway = std::fs::read(&path).is_ok();
    let path_text = path.to_str().unwrap();
    for sub in SUBCOMMANDS {
        let run = adgraph(&sub.args(path_text));
        if readable_anyway {
            run.assert_ok();
        } else {
            assert!(run
                .assert_user_error()
                .ends_with("cannot read it: permission denied"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_subcommand_renders_parse_errors_with_a_caret() {
    for sub in SUBCOMMANDS {
        let run = adgraph(&sub.args("tests/data/unknown_name.adg"));
        assert_eq!(run.status, 2, "{}", run.transcript());
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.stderr,
            "tests/data/unknown_name.adg:3:16: unknown name `y`\noutput z = u + y\n               ^\n"
        );
    }
}

#[test]
fn every_subcommand_reports_invalid_utf8_with_its_position() {
    for sub in SUBCOMMANDS {
        let run = adgraph(&sub.args("tests/data/not_utf8.adg"));
        assert_eq!(run.status, 2, "{}", run.transcript());
        let first = run.stderr.lines().next().unwrap_or("");
        assert_eq!(
            first,
            "tests/data/not_utf8.adg:2:14: the text is not valid UTF-8"
        );
    }
}

#[test]
fn every_subcommand_reads_standard_input_and_labels_its_errors() {
    for sub in SUBCOMMANDS {
        let args = sub.args("-");
        let ok = adgraph_with_stdin(&args, b"input x, y\noutput z = x*x + x*y + 2\n");
        assert!(!ok.assert_ok().is_empty());
        let bad = adgraph_with_stdin(&args, b"input x\noutput z = x +\n");
        assert_eq!(bad.status, 2, "{}", bad.transcript());
        assert!(bad.stderr.starts_with("<stdin>:2:"), "{}", bad.transcript());
    }
}

#[test]
fn every_subcommand_wants_exactly_one_source() {
    for sub in SUBCOMMANDS {
        let mut none = sub.args("");
        none.remove(1);
        let run = adgraph(&none);
        assert!(run.assert_user_error().contains("<FILE|--expr <EXPR>>"));
        let mut both = sub.args("tests/data/seed.adg");
        both.extend(["-e", "x*y"]);
        let run = adgraph(&both);
        assert!(run.assert_user_error().contains("cannot be used with"));
    }
}

#[test]
fn bad_point_values_are_one_line_errors() {
    let cases: &[(&str, &str)] = &[
        ("x=abc,y=4", "error: --at: value of `x`: `abc` is not a number (write e.g. 3, -0.5, 1e-3, inf, -inf or nan)"),
        ("x=1,x=2,y=4", "error: --at: input `x` is given twice"),
        ("x=1,y=2,w=3", "error: --at: unknown input `w`; the inputs are x, y"),
        ("x=1", "error: --at: no value for input `y`; give every input, e.g. --at x=0,y=0"),
        ("x=1,y", "error: --at: expected NAME=VALUE, found `y`"),
        ("x=1e999,y=0", "error: --at: value of `x`: `1e999` is out of range for binary64 (write inf)"),
    ];
    for sub in point_subcommands() {
        for (at, message) in cases {
            let run = adgraph(&sub.args_at("tests/data/seed.adg", at));
            assert_eq!(run.assert_user_error(), *message, "{} --at {at}", sub.name);
        }
        let mut no_point = sub.args("tests/data/seed.adg");
        no_point.drain(2..4);
        let run = adgraph(&no_point);
        assert_eq!(
            run.assert_user_error(),
            "error: --at: no value for inputs `x` and `y`; give every input, e.g. --at x=0,y=0"
        );
    }
}

#[test]
fn bad_csvs_are_one_line_errors() {
    let cases: &[(&str, &str)] = &[
        ("tests/data/empty.csv", "error: `tests/data/empty.csv`: the CSV is empty; its first row must name the inputs (x,y)"),
        ("tests/data/missing_column.csv", "error: `tests/data/missing_column.csv`:1: no column for input `y`; the header must name every input: x,y"),
        ("tests/data/extra_column.csv", "error: `tests/data/extra_column.csv`:1: header column `w` is not an input; the inputs are x, y"),
        ("tests/data/bad_cell.csv", "error: `tests/data/bad_cell.csv`:3: column 2 (`y`): `abc` is not a number (write e.g. 3, -0.5, 1e-3, inf, -inf or nan)"),
        ("tests/data/nope.csv", "error: `tests/data/nope.csv`: cannot read it: no such file or directory"),
        ("tests/data/folder", "error: `tests/data/folder`: it is a directory, not a file"),
    ];
    for sub in CSV_SUBCOMMANDS {
        for (csv, message) in cases {
            let run = adgraph(&[sub, "tests/data/seed.adg", "--points", csv]);
            assert_eq!(run.assert_user_error(), *message, "{sub} --points {csv}");
        }
        let run = adgraph(&[
            sub,
            "tests/data/seed.adg",
            "--points",
            "tests/data/points.csv",
            "-o",
            "tests/data/folder/nope/out.csv",
        ]);
        assert!(run
            .assert_user_error()
            .contains("cannot write it: no such file or directory"));
        let run = adgraph_with_stdin(&[sub, "-", "--points", "-"], b"input x\noutput x\n");
        assert!(run
            .assert_user_error()
            .contains("standard input already holds the function"));
    }
}

#[test]
fn bad_flags_are_one_line_errors() {
    for sub in SUBCOMMANDS {
        let mut args = sub.args("tests/data/seed.adg");
        args.push("--no-such-flag");
        let run = adgraph(&args);
        assert!(run
            .assert_user_error()
            .contains("unexpected argument '--no-such-flag'"));
    }
    for threads in ["0", "abc", "-3", "99999", ""] {
        let run = adgraph(&[
            "eval",
            "tests/data/seed.adg",
            "--points",
            "tests/data/points.csv",
            &format!("--threads={threads}"),
        ]);
        assert!(
            run.assert_user_error()
                .contains("expected a whole number of threads from 1 to 1024"),
            "{threads}"
        );
    }
    let run = adgraph(&[
        "eval",
        "tests/data/seed.adg",
        "--at",
        "x=1,y=2",
        "-o",
        "out.csv",
    ]);
    assert!(run.assert_user_error().contains("cannot be used with"));
    let run = adgraph(&["no-such-command"]);
    assert!(run
        .assert_user_error()
        .contains("unrecognized subcommand 'no-such-command'"));
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    // An expression whose dump is far larger than a pipe's buffer, so the binary must
    // write after the reader has gone.
    let terms: Vec<String> = (0..20_000).map(|i| format!("sin(x*{i})")).collect();
    let dir = common::scratch("closed-stdout");
    let path = dir.join("big.adg");
    std::fs::write(&path, format!("input x\noutput y = {}\n", terms.join("+"))).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_adgraph"))
        .arg("dump")
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_plans_are_one_line_errors() {
    for (sub, extra) in PLAN_SUBCOMMANDS {
        let run_with = |plan: &str| {
            let mut args = vec![*sub, "tests/data/seed.adg", "--plan", plan];
            args.extend_from_slice(extra);
            adgraph(&args)
        };
        let run = run_with("keep-some");
        assert!(
            run.assert_user_error().contains("unknown plan `keep-some`"),
            "{sub}"
        );
        let run = run_with("revolve:0");
        assert!(
            run.assert_user_error().contains("bad plan `revolve:0`"),
            "{sub}"
        );
        let run = run_with("budget:64KB");
        assert!(
            run.assert_user_error()
                .contains("a size like 65536B, 64KiB or 16MiB"),
            "{sub}"
        );
        let run = run_with("budget:8B");
        assert!(
            run.assert_user_error()
                .contains("the smallest feasible budget is"),
            "{sub}: {}",
            run.transcript()
        );
        assert!(!run_with("budget:64KiB").assert_ok().is_empty(), "{sub}");
    }
}

#[test]
fn several_outputs_need_output_for_a_gradient() {
    for sub in ["grad", "bench", "hessian"] {
        let run = adgraph(&[sub, "tests/data/two_outputs.adg", "--at", "a=1,b=2,c=3"]);
        assert!(run.assert_user_error().contains("ratio, wave"), "{sub}");
        let run = adgraph(&[
            sub,
            "tests/data/two_outputs.adg",
            "--at",
            "a=1,b=2,c=3",
            "--output",
            "nope",
        ]);
        assert!(
            run.assert_user_error().contains("`nope` is not an output"),
            "{sub}"
        );
    }
}

#[test]
fn a_derivative_too_large_to_build_is_refused() {
    let run = adgraph(&["diff", "../../examples/lennard_jones.adg", "--order", "6"]);
    assert!(run
        .assert_user_error()
        .contains("lower --order or name fewer inputs"));
    let run = adgraph(&[
        "diff",
        "../../examples/lennard_jones.adg",
        "--order",
        "6",
        "--wrt",
        "x0",
    ]);
    assert!(run.assert_ok().contains("de_dx0_dx0_dx0_dx0_dx0_dx0"));
}
