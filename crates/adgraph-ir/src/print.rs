//! The printer: a `Function` as `.adg` text. Its output is valid input to the parser.
//!
//! One `let` per operation node in id (topological) order, named `v0, v1, ...` densely
//! at print time (skipping input and output names), so dumps do not churn when ids
//! shift.
//! Inputs print by name and constants inline, in the shortest text that parses back to
//! the same bits. An output whose node nothing else uses is written on its `output`
//! line instead of a `let`. `dump(parse(dump(f))) == dump(f)`.

use crate::{Function, Graph, NodeId, Op, Syntax};
use std::fmt::Write;

/// The shortest `.adg` text for `x` that parses back to the same bits: `inf`, `-inf`,
/// `nan`, `-nan` (a NaN with its sign bit set), `-0`, else the shorter of plain and
/// exponent notation. The language has no syntax for NaN payloads: a NaN other than
/// the default quiet NaN (which arithmetic produces) prints as `nan` or `-nan` and
/// parses back as the default one with that sign.
///
/// ```
/// use adgraph_ir::format_number;
/// assert_eq!(format_number(0.1), "0.1");
/// assert_eq!(format_number(1e300), "1e300");
/// assert_eq!(format_number(-0.0), "-0");
/// assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
/// ```
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    let plain = format!("{x}");
    let exp = format!("{x:e}");
    if exp.len() < plain.len() {
        exp
    } else {
        plain
    }
}

/// Prints `f` as `.adg` text: the input line, one `let` per operation the outputs
/// reach, then the outputs. A function without outputs prints as its input line only,
/// which the parser refuses (a file needs an output).
///
/// ```
/// use adgraph_ir::{dump, parse};
/// let src = "input x, y\nlet u = x * x\noutput z = u + x * y + 2\n";
/// let (g, f) = parse(src)?;
/// let text = dump(&g, &f);
/// assert_eq!(text, "input x, y\nlet v0 = x * x\nlet v1 = x * y\nlet v2 = v0 + v1\noutput z = v2 + 2\n");
/// let (g2, f2) = parse(&text)?;
/// assert_eq!(dump(&g2, &f2), text);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dump(g: &Graph, f: &Function) -> String {
    let nodes = f.nodes(g);
    // Output ids past the graph (a function of another graph) must not index out of
    // bounds: they print as their raw id.
    let top = nodes
        .iter()
        .copied()
        .chain(f.output_ids())
        .map(|id| id.index() + 1)
        .max()
        .unwrap_or(0);
    // How often each node is used by another node of the function, and by outputs.
    let mut uses = vec![0u32; top];
    for &id in &nodes {
        for a in g.node(id).args() {
            uses[a.index()] += 1;
        }
    }
    // Each input's position, for the order of commutative operands (a table, not a
    // search of the input list per node: functions may have a million inputs).
    let mut positions = vec![0u32; top];
    for (k, id) in f.inputs().iter().enumerate() {
        if let Some(p) = positions.get_mut(id.index()) {
            *p = k as u32;
        }
    }
    let mut output_uses = vec![0u32; top];
    for id in f.output_ids() {
        output_uses[id.index()] += 1;
    }
    // `let` names avoid input names (they would not parse) and output names (they
    // would parse, but `output v1 = v1 * 2` misleads a reader).
    let taken: std::collections::HashSet<&str> = f
        .input_names(g)
        .into_iter()
        .chain(f.outputs().iter().map(|o| o.name.as_str()))
        .collect();
    let mut names: Vec<Option<String>> = vec![None; top];
    let mut counter = 0usize;
    let mut next_name = || loop {
        let n = format!("v{counter}");
        counter += 1;
        if !taken.contains(n.as_str()) {
            return n;
        }
    };
    let mut out = String::with_capacity(nodes.len() * 20);
    if !f.inputs().is_empty() {
        out.push_str("input ");
        out.push_str(&f.input_names(g).join(", "));
        out.push('\n');
    }
    let mut inline: Vec<Option<String>> = vec![None; top];
    for &id in &nodes {
        let node = g.node(id);
        if matches!(node.op(), Op::Input | Op::Const) {
            continue;
        }
        let text = expression(g, &positions, id, &names);
        if uses[id.index()] == 0 && output_uses[id.index()] == 1 {
            inline[id.index()] = Some(text);
            continue;
        }
        let name = next_name();
        let _ = writeln!(out, "let {name} = {text}");
        names[id.index()] = Some(name);
    }
    for o in f.outputs() {
        let text = match inline[o.id.index()].take() {
            Some(text) => text,
            None => operand(g, o.id, &names),
        };
        let _ = writeln!(out, "output {} = {text}", o.name);
    }
    out
}

/// How node `id` is referred to as an operand: its input name, its constant, or the
/// name of its `let`.
fn operand(g: &Graph, id: NodeId, names: &[Option<String>]) -> String {
    let Some(node) = g.get(id) else {
        return id.to_string();
    };
    match node.op() {
        Op::Input => g.input_name(id).unwrap_or("_").to_string(),
        Op::Const => format_number(node.constant_value().unwrap_or(f64::NAN)),
        _ => names[id.index()].clone().unwrap_or_else(|| id.to_string()),
    }
}

/// Where an operand of a commutative operator is printed: inputs (by position) before
/// `let`s (in print order, which is id order) before constants. The order must not
/// depend on ids alone: a constant or input gets a different id when the dump is parsed
/// again, and the dump must be a fixed point of `parse` then `dump`.
fn print_rank(g: &Graph, positions: &[u32], id: NodeId) -> (u8, u64) {
    let node = g.node(id);
    match node.op() {
        Op::Input => (0, positions.get(id.index()).copied().unwrap_or(0) as u64),
        Op::Const => (2, node.constant_value().unwrap_or(f64::NAN).to_bits()),
        _ => (1, id.index() as u64),
    }
}

/// The right-hand side for node `id`: one operator over operands.
fn expression(g: &Graph, positions: &[u32], id: NodeId, names: &[Option<String>]) -> String {
    let node = g.node(id);
    let mut ids = node.args().to_vec();
    if node.op().is_commutative()
        && print_rank(g, positions, ids[1]) < print_rank(g, positions, ids[0])
    {
        ids.swap(0, 1);
    }
    let args: Vec<String> = ids.iter().map(|&a| operand(g, a, names)).collect();
    match (node.op(), node.op().syntax()) {
        (Op::PowI, _) => format!("{} ^ {}", args[0], node.exponent()),
        (_, Syntax::Prefix(s)) => format!("{s}{}", args[0]),
        (_, Syntax::Infix(s)) => format!("{} {s} {}", args[0], args[1]),
        (_, Syntax::Call(name)) => format!("{name}({})", args.join(", ")),
        (_, Syntax::Leaf) => operand(g, id, names),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn numbers_round_trip() {
        for x in [
            0.1,
            -0.0,
            1e300,
            5e-324,
            -1.7976931348623157e308,
            123456789.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            2.5e-7,
        ] {
            let text = format!("output {}", format_number(x));
            let (g, f) = parse(&text).unwrap();
            let y = g.constant_value(f.outputs()[0].id).unwrap();
            assert_eq!(y.to_bits(), x.to_bits(), "{x:e} printed as {text}");
        }
    }

    #[test]
    fn let_names_avoid_input_names() {
        let (g, f) = parse(
            "input v0, v1\noutput a = v0 * v1\noutput b = a_ * 2\n"
                .replace("a_", "(v0 * v1)")
                .as_str(),
        )
        .unwrap();
        let text = dump(&g, &f);
        assert_eq!(
            text,
            "input v0, v1\nlet v2 = v0 * v1\noutput a = v2\noutput b = v2 * 2\n"
        );
        let (g2, f2) = parse(&text).unwrap();
        assert_eq!(dump(&g2, &f2), text);
    }

    #[test]
    fn commutative_operands_print_in_a_stable_order() {
        // The constant 100 and the input z get other ids when the dump is parsed again.
        let b = crate::Builder::new();
        let x = b.input("x");
        let t = x * x;
        let z = b.input("z");
        let (g, f) = b
            .finish([("a", t * 100.0 + 100.0 * z), ("b", x * z)])
            .unwrap();
        let text = dump(&g, &f);
        assert_eq!(text, "input x, z\nlet v0 = x * x\nlet v1 = v0 * 100\nlet v2 = z * 100\noutput a = v1 + v2\noutput b = x * z\n");
        let (g2, f2) = parse(&text).unwrap();
        assert_eq!(dump(&g2, &f2), text);
    }

    #[test]
    fn a_function_of_another_graph_does_not_panic() {
        let (g, f) = parse("input x, y\noutput z = sin(x) * y\n").unwrap();
        let mut small = Graph::new();
        small.input("x").unwrap();
        let text = dump(&small, &f);
        assert!(text.contains("output z = v3"), "{text}");
        assert_eq!(dump(&g, &f).lines().count(), 3);
    }

    #[test]
    fn every_syntax_prints_and_reparses() {
        let src = "input x, y\noutput a = select(x < y, -x, x ^ -3)\noutput b = pow(2, x) + atan2(y, x) - abs(x) / sigmoid(y)\noutput c = x\noutput d = 1e-300\noutput e = x != y\n";
        let (g, f) = parse(src).unwrap();
        let text = dump(&g, &f);
        let (g2, f2) = parse(&text).unwrap();
        assert_eq!(dump(&g2, &f2), text);
        assert_eq!(f.op_count(&g), f2.op_count(&g2));
    }
}
