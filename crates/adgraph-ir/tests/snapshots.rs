//! File-driven snapshot tests of the `.adg` printer, the parser's errors and DOT export.
//!
//! `tests/cases/dump/*.adg` (repository root): each file is parsed and its dump
//! snapshotted, followed by its outputs at the point of its `# at: x=3, y=4` line; the
//! dump must be a fixed point of parse-then-dump and evaluate the same.
//! `tests/cases/parse-errors/*.adg`: each file fails to parse; the snapshot is the error
//! as the CLI prints it (`file:line:col: message`, the line, a caret). Together the
//! error files cover every kind of error text can produce (checked below). Snapshots
//! live in `snapshots/ir/`.

use adgraph_ir::{
    dump, evaluate, format_number, parse, parse_bytes, parse_into, to_dot, Graph, GraphError,
    ParseErrorKind,
};
use std::collections::BTreeSet;

fn snapshot(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/ir"));
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| insta::assert_snapshot!(name, text));
}

/// The point of a case's `# at: a=1, b=2` line, as (name, value) pairs.
fn point_of(source: &str) -> Vec<(String, f64)> {
    let Some(line) = source.lines().find_map(|l| l.strip_prefix("# at:")) else {
        return Vec::new();
    };
    line.split(',')
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("`name=value` in `# at:`");
            let value = value.trim().parse().expect("a number in `# at:`");
            (name.trim().to_string(), value)
        })
        .collect()
}

#[test]
fn dumps() {
    insta::glob!("../../../tests/cases/dump", "*.adg", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let (g, f) = parse(&source).unwrap_or_else(|e| panic!("{}", e.render("case", &source)));
        let text = dump(&g, &f);
        let (g2, f2) = parse(&text).unwrap_or_else(|e| panic!("{}", e.render("dump", &text)));
        assert_eq!(dump(&g2, &f2), text, "the dump is not a fixed point");

        let mut shown = text.clone();
        let at = point_of(&source);
        if !at.is_empty() {
            let point: Vec<f64> = f
                .input_names(&g)
                .iter()
                .map(|n| {
                    at.iter()
                        .find(|(m, _)| m == n)
                        .unwrap_or_else(|| panic!("`# at:` gives no value for `{n}`"))
                        .1
                })
                .collect();
            let values = evaluate(&g, &f, &point).unwrap();
            let again = evaluate(&g2, &f2, &point).unwrap();
            for (a, b) in values.iter().zip(&again) {
                assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
            }
            let args: Vec<String> = at
                .iter()
                .map(|(n, x)| format!("{n}={}", format_number(*x)))
                .collect();
            shown.push_str(&format!("# at {}\n", args.join(", ")));
            for (o, v) in f.outputs().iter().zip(&values) {
                shown.push_str(&format!("#   {} = {}\n", o.name, format_number(*v)));
            }
        }
        snapshot("dump", &shown);
    });
}

/// A short stable name per kind of parse error; the match is exhaustive, so a new
/// kind fails to compile here until it gets a case file.
fn kind_name(kind: &ParseErrorKind) -> &'static str {
    match kind {
        ParseErrorKind::StrayCharacter(_) => "stray character",
        ParseErrorKind::InvalidUtf8 => "invalid utf-8",
        ParseErrorKind::Expected { .. } => "expected",
        ParseErrorKind::UnknownName(_) => "unknown name",
        ParseErrorKind::Rebinding(_) => "rebinding",
        ParseErrorKind::ReservedName(_) => "reserved name",
        ParseErrorKind::UnknownFunction(_) => "unknown function",
        ParseErrorKind::WrongArity { .. } => "wrong arity",
        ParseErrorKind::ChainedComparison => "chained comparison",
        ParseErrorKind::DuplicateOutput(_) => "duplicate output",
        ParseErrorKind::MissingOutput => "missing output",
        ParseErrorKind::NumberOutOfRange(_) => "number out of range",
        ParseErrorKind::Graph(_) => "graph",
    }
}

#[test]
fn parse_errors() {
    let mut kinds = BTreeSet::new();
    insta::glob!("../../../tests/cases/parse-errors", "*.adg", |path| {
        let bytes = std::fs::read(path).unwrap();
        let err = match parse_bytes(&bytes) {
            Ok(_) => panic!("{} parses", path.display()),
            Err(e) => e,
        };
        kinds.insert(kind_name(&err.kind));
        let file = path.file_name().unwrap().to_string_lossy();
        let source = String::from_utf8_lossy(&bytes);
        snapshot("parse-error", &err.render(&file, &source));
    });
    // Every kind text can produce; `Graph` comes from a full graph (below).
    let all: BTreeSet<&str> = [
        "stray character",
        "invalid utf-8",
        "expected",
        "unknown name",
        "rebinding",
        "reserved name",
        "unknown function",
        "wrong arity",
        "chained comparison",
        "duplicate output",
        "missing output",
        "number out of range",
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, all, "a kind of error without a case file");
}

#[test]
fn parse_error_of_a_full_graph() {
    let source = "input x, y\nlet a = x * y\nlet b = a + x\noutput z = b * b\n";
    let mut g = Graph::new();
    g.set_node_limit(4);
    let err = parse_into(&mut g, source).unwrap_err();
    assert_eq!(
        err.kind,
        ParseErrorKind::Graph(GraphError::CapacityExceeded { limit: 4 })
    );
    assert_eq!(g.len(), 4, "nothing past the limit");
    snapshot("parse-error-graph-full", &err.render("full.adg", source));
}

#[test]
fn dot_of_the_seed() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/cases/dump/seed.adg"
    ))
    .unwrap();
    let (g, f) = parse(&source).unwrap();
    snapshot("dot-seed", &to_dot(&g, &f));
}
