//! Scale tests: inputs as large and as deep as the language allows stay loops, not
//! recursion. A million-node chain parses, evaluates and prints; a
//! hundred thousand nested operations and a million nested parentheses give a result
//! or an error, never a stack overflow; a graph at its node limit says so.

use adgraph_ir::{dump, evaluate, parse, parse_into, Graph, GraphError, Op, ParseErrorKind};
use std::fmt::Write;

/// `let v(i+1) = v(i) * 1.0001 + x`, `lines` times: two nodes a line.
fn chain(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 32);
    s.push_str("input x\nlet v0 = x\n");
    for i in 0..lines {
        let _ = writeln!(s, "let v{} = v{i} * 1.0001 + x", i + 1);
    }
    let _ = writeln!(s, "output y = v{lines}");
    s
}

#[test]
fn a_million_node_chain_parses_evaluates_and_prints() {
    let lines = 500_000;
    let source = chain(lines);
    let (g, f) = parse(&source).unwrap();
    assert_eq!(f.op_count(&g), 2 * lines);
    let x = 1e-6;
    let mut want = x;
    for _ in 0..lines {
        want = want * 1.0001 + x;
    }
    let got = evaluate(&g, &f, &[x]).unwrap()[0];
    assert_eq!(got.to_bits(), want.to_bits());

    // The printer is a loop too (parsing its output back is property-tested on
    // smaller graphs).
    let text = dump(&g, &f);
    assert_eq!(text.lines().count(), 1 + 2 * lines);
    assert!(text.ends_with(&format!("output y = x + v{}\n", 2 * lines - 2)));
}

#[test]
fn a_hundred_thousand_deep_expression_evaluates() {
    // ((((x + 1) * 2 + 1) * 2 + 1) ...): 100,000 levels of parentheses, each with
    // two operations, in a single expression.
    let n = 100_000;
    let mut s = String::with_capacity(n * 12);
    s.push_str("input x\noutput y = ");
    s.push_str(&"(".repeat(n));
    s.push('x');
    for _ in 0..n {
        s.push_str(" * 0.5 + 1)");
    }
    s.push('\n');
    let (g, f) = parse(&s).unwrap();
    assert_eq!(f.op_count(&g), 2 * n);
    let mut want = 3.0f64;
    for _ in 0..n {
        want = want * 0.5 + 1.0;
    }
    assert_eq!(evaluate(&g, &f, &[3.0]).unwrap()[0], want);
}

#[test]
fn a_million_nested_parentheses_give_a_result_or_an_error() {
    let n = 1_000_000;
    let open = "(".repeat(n);
    let close = ")".repeat(n);
    let (g, f) = parse(&format!("input x\noutput {open}x{close}")).unwrap();
    assert_eq!(f.outputs()[0].id, f.inputs()[0]);
    assert_eq!(g.len(), 1);

    let e = parse(&format!("input x\noutput {open}x")).unwrap_err();
    assert_eq!((e.line, e.column), (2, n + 9), "at the end of the line");
    assert!(matches!(
        e.kind,
        ParseErrorKind::Expected {
            expected: "`)`",
            ..
        }
    ));
    let shown = e.render("deep.adg", &format!("input x\noutput {open}x"));
    assert!(shown.len() < 400, "a long line is shown as a window");

    let e = parse(&format!("input x\noutput x{close}")).unwrap_err();
    assert_eq!((e.line, e.column), (2, 9));

    // A million nested calls and a million unary minuses.
    let calls = format!("input x\noutput {}x{close}", "abs(".repeat(n));
    let (g, f) = parse(&calls).unwrap();
    assert_eq!(g.node(f.outputs()[0].id).op(), Op::Abs);
    let minuses = format!("input x\noutput {}x", "-".repeat(n));
    let (g, f) = parse(&minuses).unwrap();
    assert_eq!(evaluate(&g, &f, &[2.5]).unwrap(), vec![2.5]);
}

#[test]
fn a_graph_at_its_limit_is_an_error_at_the_line_that_overflows() {
    let source = chain(2_000);
    let mut g = Graph::new();
    g.set_node_limit(1_001);
    let e = parse_into(&mut g, &source).unwrap_err();
    assert_eq!(
        e.kind,
        ParseErrorKind::Graph(GraphError::CapacityExceeded { limit: 1_001 })
    );
    // Nodes: x, the constant, then two a line; node 1,001 is the first one refused.
    assert_eq!(g.len(), 1_001);
    assert_eq!(e.line, 2 + 500);
    // The same graph still parses text that needs no new node.
    let f = parse_into(&mut g, "input x\noutput x * 1.0001 + x\n").unwrap();
    assert_eq!(f.op_count(&g), 2);
}

#[test]
fn fifty_thousand_inputs_print_in_linear_time() {
    // Every product has two input operands, which the printer orders by input
    // position: a lookup per operand must not search the input list (that search
    // made this test take 5 s of CPU instead of 0.5 s, and grows with the square).
    let n = 50_000;
    let mut s = String::from("input ");
    s.push_str(
        &(0..n)
            .map(|i| format!("x{i}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    s.push_str("\nlet s0 = x1 * x0\n");
    for i in 1..n - 1 {
        let _ = writeln!(s, "let s{i} = s{} + x{} * x{i}", i - 1, i + 1);
    }
    let _ = writeln!(s, "output y = s{}", n - 2);
    let (g, f) = parse(&s).unwrap();
    let text = dump(&g, &f);
    assert!(
        text.contains("\nlet v0 = x0 * x1\n"),
        "inputs in input order"
    );
    let (g2, f2) = parse(&text).unwrap();
    assert_eq!(dump(&g2, &f2), text);
}
