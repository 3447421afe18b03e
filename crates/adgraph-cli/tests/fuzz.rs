//! Proptest-driven fuzzing of the command line: random source text on standard input
//! and random `--at`, `--dir` and `--plan` values, through every subcommand. Every run
//! ends with status 0 or 2 (never 1, never a signal), and a status-2 run prints its
//! error on standard error with nothing on standard output. Bounded for CI;
//! `ADGRAPH_FUZZ_CASES` raises the count.

mod common;

use common::{adgraph_with_stdin, SUBCOMMANDS};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("ADGRAPH_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(|n: u32| n / 16)
        .unwrap_or(24)
}

fn source() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"input x, y\noutput z = x*x + x*y + 2\n".to_vec()),
        Just(
            b"input x, y\noutput a = select(x < y, log(x), sqrt(y))\noutput b = min(x, y) ^ 3\n"
                .to_vec()
        ),
        proptest::collection::vec(any::<u8>(), 0..80),
        proptest::collection::vec(
            prop_oneof![
                Just("input x, y\n"),
                Just("output "),
                Just("let u = "),
                Just("x"),
                Just("y"),
                Just("u"),
                Just(" + "),
                Just(" * "),
                Just("^"),
                Just("-"),
                Just("("),
                Just(")"),
                Just("sin("),
                Just("max(x, "),
                Just("2"),
                Just("nan"),
                Just("inf"),
                Just("\n"),
                Just("\0"),
                Just("é"),
                Just("1e999"),
            ],
            0..30,
        )
        .prop_map(|t| t.concat().into_bytes()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("3".to_string()),
        Just("-0".to_string()),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("1e400".to_string()),
        Just("abc".to_string()),
        Just("".to_string()),
        Just("0x10".to_string()),
        "[ -~]{0,6}",
    ]
}

fn assignment() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            prop_oneof![Just("x"), Just("y"), Just("z"), Just("")],
            value(),
        ),
        0..4,
    )
    .prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn plan() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("store-all".to_string()),
        Just("recompute-all".to_string()),
        Just("periodic:0".to_string()),
        Just("periodic:3".to_string()),
        Just("revolve:1".to_string()),
        Just("revolve:99999999999".to_string()),
        Just("budget:1B".to_string()),
        Just("budget:64KiB".to_string()),
        Just("budget:-5".to_string()),
        "[a-z:0-9]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_subcommand_ends_cleanly(src in source(), at in assignment(), dir in assignment(), plan in plan()) {
        for sub in SUBCOMMANDS {
            let mut args = vec![sub.name, "-"];
            if sub.point || sub.name == "check" {
                args.extend(["--at", &at]);
            }
            if sub.name == "jvp" {
                args.extend(["--dir", &dir]);
            }
            if matches!(sub.name, "grad" | "plan") {
                args.extend(["--plan", &plan]);
            }
            if sub.name == "bench" {
                args.extend(["--points", "3"]);
            }
            let run = adgraph_with_stdin(&args, &src);
            prop_assert!(run.status == 0 || run.status == 2, "{}", run.transcript());
            if run.status == 2 {
                prop_assert!(run.stdout.is_empty() && !run.stderr.is_empty(), "{}", run.transcript());
            }
            prop_assert!(!run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"), "{}", run.transcript());
        }
    }
}
