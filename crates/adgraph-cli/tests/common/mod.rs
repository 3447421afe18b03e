//! Running the built `adgraph` binary from integration tests: one run's status,
//! standard output and standard error, and a transcript of it for snapshots.
#![allow(dead_code)] // each test binary uses its own subset of these helpers

use std::io::Write;
use std::process::{Command, Stdio};

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The command line, as typed (`adgraph eval ...`).
    pub command: String,
    /// The exit status (-1 if killed by a signal).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The run as text: command, status, stdout and stderr, for a snapshot.
    pub fn transcript(&self) -> String {
        format!(
            "$ {}\nstatus: {}\n--- stdout\n{}--- stderr\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }

    /// Asserts a user error: status 2, nothing on stdout, one line on stderr starting
    /// `error: `; returns that line.
    pub fn assert_user_error(&self) -> &str {
        assert_eq!(self.status, 2, "{}", self.transcript());
        assert_eq!(self.stdout, "", "{}", self.transcript());
        assert!(
            self.stderr.starts_with("error: ")
                && self.stderr.ends_with('\n')
                && self.stderr.lines().count() == 1,
            "not a one-line error:\n{}",
            self.transcript()
        );
        self.stderr.trim_end()
    }

    /// Asserts success with an empty standard error.
    pub fn assert_ok(&self) -> &str {
        assert_eq!(self.status, 0, "{}", self.transcript());
        assert_eq!(self.stderr, "", "{}", self.transcript());
        &self.stdout
    }
}

/// Runs `adgraph args...` in the crate's folder (so `tests/data/...` paths work).
pub fn adgraph(args: &[&str]) -> Run {
    adgraph_with_stdin(args, b"")
}

/// Runs `adgraph args...` with `stdin` as standard input.
pub fn adgraph_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adgraph"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the adgraph binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may exit before reading: a broken pipe here is fine.
        let _ = input.write_all(&bytes);
    });
    let out = child
        .wait_with_output()
        .expect("the adgraph binary finishes");
    writer.join().expect("the stdin writer finishes");
    Run {
        command: shell_words(args),
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `adgraph` and `args` as a shell line, quoting arguments that need it.
fn shell_words(args: &[&str]) -> String {
    let mut line = String::from("adgraph");
    for arg in args {
        line.push(' ');
        let plain = !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=,./:".contains(c));
        if plain {
            line.push_str(arg);
        } else {
            line.push('\'');
            line.push_str(&arg.replace('\'', "'\\''"));
            line.push('\'');
        }
    }
    line
}

/// A subcommand as the robustness tests drive it.
pub struct Subcommand {
    /// Its name.
    pub name: &'static str,
    /// Whether it takes a point with `--at`.
    pub point: bool,
    /// Other arguments it needs after the source to run on `tests/data/seed.adg`.
    pub extra: &'static [&'static str],
}

impl Subcommand {
    /// The arguments of a run on `source` that succeeds if `source` is the seed.
    pub fn args<'a>(&self, source: &'a str) -> Vec<&'a str> {
        self.args_at(source, "x=3,y=4")
    }

    /// The arguments of a run on `source` with `--at at` (if it takes a point).
    pub fn args_at<'a>(&self, source: &'a str, at: &'a str) -> Vec<&'a str> {
        let mut args = vec![self.name, source];
        if self.point {
            args.extend(["--at", at]);
        }
        args.extend_from_slice(self.extra);
        args
    }
}

/// Every subcommand.
pub const SUBCOMMANDS: &[Subcommand] = &[
    Subcommand {
        name: "dump",
        point: false,
        extra: &[],
    },
    Subcommand {
        name: "dot",
        point: false,
        extra: &[],
    },
    Subcommand {
        name: "eval",
        point: true,
        extra: &[],
    },
    Subcommand {
        name: "jvp",
        point: true,
        extra: &["--dir", "x=1"],
    },
    Subcommand {
        name: "diff",
        point: false,
        extra: &[],
    },
    Subcommand {
        name: "hessian",
        point: true,
        extra: &[],
    },
    Subcommand {
        name: "grad",
        point: true,
        extra: &[],
    },
    Subcommand {
        name: "plan",
        point: false,
        extra: &[],
    },
    Subcommand {
        name: "bench",
        point: true,
        extra: &["--points", "10"],
    },
    Subcommand {
        name: "check",
        // `--at` is optional for `check` (every input 0.5 without it).
        point: false,
        extra: &["--at", "x=3,y=4"],
    },
    Subcommand {
        name: "opt",
        point: false,
        extra: &[],
    },
];

/// The subcommands that take a point with `--at`.
pub fn point_subcommands() -> impl Iterator<Item = &'static Subcommand> {
    SUBCOMMANDS.iter().filter(|s| s.point)
}

/// The subcommands that take `--points IN.csv`.
pub const CSV_SUBCOMMANDS: &[&str] = &["eval", "grad"];

/// The subcommands that take `--plan P`, each with the arguments it needs after the
/// source to run on the seed.
pub const PLAN_SUBCOMMANDS: &[(&str, &[&str])] = &[
    ("grad", &["--at", "x=3,y=4"]),
    ("plan", &[]),
    ("bench", &["--at", "x=3,y=4", "--points", "10"]),
];

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("adgraph-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}
