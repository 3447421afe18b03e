//! The last resort: a panic anywhere in the binary prints one line and exits with
//! status 1, never a backtrace. The test runs its own test binary again as a child
//! that installs the CLI's hook and panics (with backtraces requested, to show the
//! hook suppresses them).

use std::process::Command;

/// Set in the child run: install the hook and panic.
const CHILD: &str = "ADGRAPH_PANIC_HOOK_CHILD";

#[test]
fn a_panic_is_one_line_and_status_1() {
    if std::env::var_os(CHILD).is_some() {
        adgraph_cli::install_panic_hook();
        let values: Vec<f64> = Vec::new();
        let index = values.len() + 3;
        // An out-of-bounds index: the kind of bug the hook is for.
        let _ = std::hint::black_box(&values)[index];
        unreachable!("the index above panics");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_panic_is_one_line_and_status_1", "--nocapture"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "full")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("internal error: index out of bounds"),
        "{stderr}"
    );
    assert!(lines[0].ends_with("(this is a bug in adgraph)"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}
