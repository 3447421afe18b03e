//! `adgraph eval FILE --at ...`: the function's outputs at a point, or at every point
//! of a CSV.
//!
//! One point prints `name = value` per output (or `{"outputs": {...}}` with `--json`);
//! `--points in.csv` prints a CSV with a column per output (to `-o out.csv` if given),
//! spread over `--threads` threads.

use super::named_lines;
use crate::batch::{map_points, PointArgs, Points};
use crate::csv::{header_line, push_row};
use crate::error::CliError;
use crate::json;
use crate::sink::Sink;
use crate::source::{Loaded, SourceArgs};
use adgraph_ir::evaluate;
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
    match args.points.resolve(&loaded)? {
        Points::One(point) => {
            let values = evaluate_point(&loaded, &point)?;
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
            let width = table.width();
            let results = map_points(&table, names.len(), args.points.threads, "eval", |i, o| {
                for (point, result) in i.chunks(width.max(1)).zip(o.chunks_mut(names.len())) {
                    result.copy_from_slice(&evaluate_point(&loaded, point)?);
                }
                Ok(())
            })?;
            let mut sink = Sink::create(out.as_deref())?;
            let mut text = header_line(&names);
            for row in results.chunks(names.len()) {
                push_row(&mut text, row);
                if text.len() > 1 << 16 {
                    sink.write(&text)?;
                    text.clear();
                }
            }
            sink.write(&text)?;
            sink.finish()
        }
    }
}

fn evaluate_point(loaded: &Loaded, point: &[f64]) -> Result<Vec<f64>, CliError> {
    evaluate(&loaded.graph, &loaded.function, point).map_err(CliError::internal)
}
