//! Graphviz DOT export of a `Function`.

use crate::{format_number, Function, Graph, Op, Syntax};
use std::fmt::Write;

/// The function as a Graphviz `digraph`: one vertex per node the outputs reach
/// (inputs as boxes, constants as plain text, operations as ellipses labelled with
/// their operator), an edge from each operand to its user labelled with the operand
/// position where order matters, and one double-octagon vertex per output.
///
/// ```
/// use adgraph_ir::{parse, to_dot};
/// let (g, f) = parse("input x\noutput y = sin(x) * 2")?;
/// let dot = to_dot(&g, &f);
/// assert!(dot.starts_with("digraph adgraph {"));
/// assert!(dot.contains("label=\"sin\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_dot(g: &Graph, f: &Function) -> String {
    let mut s =
        String::from("digraph adgraph {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n");
    for id in f.nodes(g) {
        let node = g.node(id);
        let (label, shape) = match node.op() {
            Op::Input => (g.input_name(id).unwrap_or("_").to_string(), "box"),
            Op::Const => (
                format_number(node.constant_value().unwrap_or(f64::NAN)),
                "plaintext",
            ),
            Op::PowI => (format!("^{}", node.exponent()), "ellipse"),
            op => (
                match op.syntax() {
                    Syntax::Prefix(p) => p.to_string(),
                    _ => op.name().to_string(),
                },
                "ellipse",
            ),
        };
        let _ = writeln!(s, "  {id} [label=\"{label}\", shape={shape}];");
        let ordered = node.args().len() > 1 && !node.op().is_commutative();
        for (i, a) in node.args().iter().enumerate() {
            if ordered {
                let _ = writeln!(s, "  {a} -> {id} [label=\"{i}\"];");
            } else {
                let _ = writeln!(s, "  {a} -> {id};");
            }
        }
    }
    for (k, o) in f.outputs().iter().enumerate() {
        let _ = writeln!(s, "  out{k} [label=\"{}\", shape=doubleoctagon];", o.name);
        let _ = writeln!(s, "  {} -> out{k};", o.id);
    }
    s.push_str("}\n");
    s
}
