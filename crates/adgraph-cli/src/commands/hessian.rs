//! `adgraph hessian FILE --at ... [--output NAME] [--json]`: the Hessian matrix of one
//! output at a point.
//!
//! Calls `adgraph::diff::hessian_at`: the Hessian built symbolically (forward over
//! reverse) and evaluated at the point. Prints a table with a row and a column per
//! input; with `--json`, `{"output": "z", "inputs": ["x", "y"], "hessian": [[2, 1],
//! [1, 0]]}` (rows in input order).

use super::diff::diff_error;
use crate::error::CliError;
use crate::json;
use crate::point::parse_point;
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::diff::hessian_at;
use adgraph::ir::format_number;
use clap::Args;

/// Arguments of `adgraph hessian`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph hessian examples/seed.adg --at x=3,y=4\n  \
    adgraph hessian examples/rosenbrock.adg --at x0=-1.2,x1=1,x2=-1.2,x3=1 --json")]
pub struct HessianArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// The point: every input once, e.g. --at x=3,y=4 (numbers as in .adg; nan, inf, -inf
    /// allowed); may be repeated
    #[arg(long, value_name = "NAME=VALUE,...")]
    at: Vec<String>,

    /// The output whose Hessian to print (needed when the function has several)
    #[arg(long, value_name = "NAME")]
    output: Option<String>,

    /// Print {"output": ..., "inputs": [...], "hessian": [[...], ...]}
    #[arg(long)]
    json: bool,
}

/// Runs `adgraph hessian`.
pub fn run(args: &HessianArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let inputs = loaded.input_names();
    let point = parse_point("--at", &args.at, &inputs)?;
    let matrix = hessian_at(
        &loaded.graph,
        &loaded.function,
        args.output.as_deref(),
        &point,
    )
    .map_err(diff_error)?;
    let output = match &args.output {
        Some(name) => name.clone(),
        None => loaded
            .output_names()
            .first()
            .map_or(String::new(), |s| s.to_string()),
    };
    let text = if args.json {
        let rows: Vec<String> = matrix
            .iter()
            .map(|row| {
                let cells: Vec<String> = row.iter().map(|&x| json::number(x)).collect();
                format!("[{}]", cells.join(", "))
            })
            .collect();
        let names: Vec<String> = inputs.iter().map(|n| json::string(n)).collect();
        json::object([
            ("output", json::string(&output)),
            ("inputs", format!("[{}]", names.join(", "))),
            ("hessian", format!("[{}]", rows.join(", "))),
        ]) + "\n"
    } else {
        format!("hessian of {output}\n{}", table(&inputs, &matrix))
    };
    let mut sink = Sink::stdout();
    sink.write(&text)?;
    sink.finish()
}

/// A square matrix as an aligned table: a header of `names`, then a row per name.
pub fn table(names: &[&str], matrix: &[Vec<f64>]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let cells: Vec<Vec<String>> = matrix
        .iter()
        .map(|row| row.iter().map(|&x| format_number(x)).collect())
        .collect();
    let label_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let width = cells
        .iter()
        .flatten()
        .map(|c| c.chars().count())
        .chain(names.iter().map(|n| n.chars().count()))
        .max()
        .unwrap_or(0);
    let mut text = " ".repeat(label_width);
    for name in names {
        text.push_str(&format!("  {name:>width$}"));
    }
    text.push('\n');
    for (name, row) in names.iter().zip(&cells) {
        text.push_str(&format!("{name:<label_width$}"));
        for cell in row {
            text.push_str(&format!("  {cell:>width$}"));
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_columns() {
        let text = table(&["x", "long"], &[vec![2.0, 1.0], vec![1.0, -0.25]]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "          x   long",
                "x         2      1",
                "long      1  -0.25"
            ]
        );
    }
}
