//! The subcommands, one module each, and what they share: the `Command` enum clap
//! parses into, its dispatch, and the `name = value` result format.
//!
//! A subcommand exists here only once the library it calls does; clap advertises
//! exactly what this enum holds.

use crate::error::CliError;
use adgraph_ir::format_number;
use clap::Subcommand;

pub mod diff;
pub mod dot;
pub mod dump;
pub mod eval;
pub mod hessian;
pub mod jvp;
pub mod opt;

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the function as normalized .adg (one `let` per node; valid input again)
    Dump(dump::DumpArgs),
    /// Print the function as a Graphviz DOT graph
    Dot(dot::DotArgs),
    /// Evaluate the outputs at a point (--at) or at every row of a CSV (--points)
    Eval(eval::EvalArgs),
    /// Outputs and their tangents along a direction (forward mode)
    Jvp(jvp::JvpArgs),
    /// Print the derivative function as .adg (outputs, then d<out>_d<in>)
    Diff(diff::DiffArgs),
    /// The Hessian matrix of one output at a point
    Hessian(hessian::HessianArgs),
    /// Optimize the function (fold, simplify, cse, dce) and print it as .adg
    Opt(opt::OptArgs),
}

/// Runs `command`.
pub fn run(command: &Command) -> Result<(), CliError> {
    match command {
        Command::Dump(args) => dump::run(args),
        Command::Dot(args) => dot::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Jvp(args) => jvp::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Hessian(args) => hessian::run(args),
        Command::Opt(args) => opt::run(args),
    }
}

/// `name = value` lines, one per pair, numbers in the shortest round-trip form.
pub fn named_lines(names: &[&str], values: &[f64]) -> String {
    let mut text = String::new();
    for (name, &x) in names.iter().zip(values) {
        text.push_str(name);
        text.push_str(" = ");
        text.push_str(&format_number(x));
        text.push('\n');
    }
    text
}

/// A titled section: the title on its own line, then indented `name = value` lines.
pub fn section(title: &str, names: &[&str], values: &[f64]) -> String {
    let mut text = format!("{title}\n");
    for line in named_lines(names, values).lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_lines_print_each_pair() {
        assert_eq!(
            named_lines(&["z", "w"], &[23.0, f64::NEG_INFINITY]),
            "z = 23\nw = -inf\n"
        );
        assert_eq!(named_lines(&[], &[]), "");
        assert_eq!(section("tangents", &["z"], &[10.0]), "tangents\n  z = 10\n");
    }
}
