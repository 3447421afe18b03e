//! `adgraph eval FILE --at ...`: the function's outputs at a point, or at every point
//! of a CSV.
//!
//! The function is compiled once (`adgraph::exec::Program::compile`) and run by the
//! forward interpreter: `Program::eval` for one point, which prints `name = value` per
//! output (or `{"outputs": {...}}` with `--json`); `Program::eval_batch_into` over
//! blocks of rows for `--points in.csv`, split across a pool of `--threads` threads,
//! which prints a CSV with a column per output (to `-o out.csv` if given).

use super::named_lines;
use crate::batch::{map_points, PointArgs, Points};
use crate::csv::{header_line, push_row};
use crate::error::CliError;
use crate::json;
use crate::sink::Sink;
use crate::source::{Loaded, SourceArgs};
use adgraph::exec::Program;
use clap::Args;

/// Arguments of `adgraph eval`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph eval examples/seed.adg --at x=3,y=4\n  \
    adgraph eval -e 'x*x + x*y + 2' --at x=3,y=4 --json\n  \
    adgraph eval examples/seed.adg --points in.csv -o out.csv --threads 2")]
pub struct EvalArgs {
    #[command(flatten)]
    source: SourceArgs,

    #[command(flatten)]
    points: PointArgs,

    /// Print {"outputs": {...}} instead of `name = value` lines
    #[arg(long, conflicts_with = "points")]
    json: bool,
}

/// Runs `adgraph eval`.
pub fn run(args: &EvalArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let names = loaded.output_names();
    let points = args.points.resolve(&loaded)?;
    let program = compile(&loaded)?;
    match points {
        Points::One(point) => {
            let values = program.eval(&point).map_err(CliError::internal)?;
            let text = if args.json {
                json::object([("outputs", json::numbers(&names, &values))]) + "\n"
            } else {
                named_lines(&names, &values)
            };
            let mut sink = Sink::stdout();
            sink.write(&text)?;
            sink.finish()
        }
        Points::Many { table, out } => {
            let results = map_points(&table, names.len(), args.points.threads, "eval", |i, o| {
                program
                    .eval_batch_into(i, o, true)
                    .map_err(CliError::internal)
            })?;
            write_rows(out.as_deref(), &names, &results)
        }
    }
}

/// Compiles the loaded function for the interpreters.
pub fn compile(loaded: &Loaded) -> Result<Program, CliError> {
    Program::compile(&loaded.graph, &loaded.function).map_err(CliError::internal)
}

/// Writes a CSV of `results` (rows of `names.len()` values) under a header of `names`
/// to `out`, or standard output.
pub fn write_rows(
    out: Option<&std::path::Path>,
    names: &[&str],
    results: &[f64],
) -> Result<(), CliError> {
    let mut sink = Sink::create(out)?;
    let mut text = header_line(names);
    for row in results.chunks(names.len().max(1)) {
        push_row(&mut text, row);
        if text.len() > 1 << 16 {
            sink.write(&text)?;
            text.clear();
        }
    }
    sink.write(&text)?;
    sink.finish()
}
