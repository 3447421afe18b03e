//! The subcommands, one module each, and what they share: the `Command` enum clap
//! parses into, its dispatch, and the `name = value` result format.
//!
//! A subcommand exists here only once the library it calls does; clap advertises
//! exactly what this enum holds.

use crate::error::CliError;
use adgraph::ir::format_number;
use clap::Subcommand;

pub mod bench;
pub mod check;
pub mod diff;
pub mod dot;
pub mod dump;
pub mod eval;
pub mod grad;
pub mod hessian;
pub mod jvp;
pub mod opt;
pub mod plan;

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the function as normalized .adg (one `let` per node; valid input again)
    Dump(dump::DumpArgs),
    /// Print the function as a Graphviz DOT graph
    Dot(dot::DotArgs),
    /// Optimize the function (fold, simplify, cse, dce) and print it as .adg
    Opt(opt::OptArgs),
    /// Evaluate the outputs at a point (--at) or at every row of a CSV (--points)
    Eval(eval::EvalArgs),
    /// Outputs and their tangents along a direction (forward mode)
    Jvp(jvp::JvpArgs),
    /// Outputs, the gradient of one output and the sweep's stats (reverse mode)
    Grad(grad::GradArgs),
    /// Print the derivative function as .adg (outputs, then `d<out>_d<in>`)
    Diff(diff::DiffArgs),
    /// The Hessian matrix of one output at a point
    Hessian(hessian::HessianArgs),
    /// The checkpoint plan of the gradient; --pareto the memory/time frontier
    Plan(plan::PlanArgs),
    /// Measured medians of evaluation and gradient, one point and per point (and by
    /// native code, where it runs)
    Bench(bench::BenchArgs),
    /// Every derivative mode against the others and finite differences; worst error
    /// per input
    Check(check::CheckArgs),
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
        Command::Grad(args) => grad::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Check(args) => check::run(args),
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
