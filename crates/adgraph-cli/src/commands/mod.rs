//! The subcommands, one module each, and what they share: the `Command` enum clap
//! parses into, its dispatch, and the `name = value` result format.
//!
//! A subcommand exists here only once the library it calls does; clap advertises
//! exactly what this enum holds.

use crate::error::CliError;
use adgraph_ir::format_number;
use clap::Subcommand;

pub mod dot;
pub mod dump;
pub mod eval;

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the function as normalized .adg (one `let` per node; valid input again)
    Dump(dump::DumpArgs),
    /// Print the function as a Graphviz DOT graph
    Dot(dot::DotArgs),
    /// Evaluate the outputs at a point (--at) or at every row of a CSV (--points)
    Eval(eval::EvalArgs),
}

/// Runs `command`.
pub fn run(command: &Command) -> Result<(), CliError> {
    match command {
        Command::Dump(args) => dump::run(args),
        Command::Dot(args) => dot::run(args),
        Command::Eval(args) => eval::run(args),
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
    }
}
