//! `adgraph grad FILE --at ... [--plan P] [--output NAME] [--json]`: the outputs, the
//! gradient of one output, and what the reverse sweep did.
//!
//! The function's trace is planned by `adgraph::remat::plan_checkpoints` under `--plan`
//! and swept by `adgraph::exec::ReversePlan`: `grad` at one point (printing outputs,
//! gradient and the measured stats: peak bytes, forward, recomputed and backward ops),
//! or `vjp_batch` over the rows of `--points in.csv` (a CSV with the output, then
//! `grad_<input>` per input), split across a pool of `--threads` threads.

use super::section;
use crate::batch::{map_points, PointArgs, Points};
use crate::error::CliError;
use crate::json;
use crate::reverse::{output_index, parse_strategy, plan, trace};
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::exec::{ReversePlan, Stats};
use adgraph::remat::Strategy;
use clap::Args;

/// Arguments of `adgraph grad`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph grad examples/seed.adg --at x=3,y=4\n  \
    adgraph grad examples/vanderpol.adg --at x0=2,y0=0,mu=1 --plan revolve:4 --json\n  \
    adgraph grad examples/seed.adg --points in.csv -o out.csv --threads 2")]
pub struct GradArgs {
    #[command(flatten)]
    source: SourceArgs,

    #[command(flatten)]
    points: PointArgs,

    /// The checkpoint plan: store-all, recompute-all, periodic:K, revolve:S or
    /// budget:SIZE (SIZE like 65536B, 64KiB, 16MiB)
    #[arg(long, value_name = "P", default_value = "store-all", value_parser = parse_strategy)]
    plan: Strategy,

    /// The output to differentiate (needed when the function has several)
    #[arg(long, value_name = "NAME")]
    output: Option<String>,

    /// Print {"outputs": {...}, "gradient": {...}, "stats": {...}}
    #[arg(long, conflicts_with = "points")]
    json: bool,
}

/// Runs `adgraph grad`.
pub fn run(args: &GradArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let output = output_index(&loaded, args.output.as_deref())?;
    let points = args.points.resolve(&loaded)?;
    let trace = trace(&loaded)?;
    let plan = plan(&trace, args.plan)?;
    let reverse = ReversePlan::new(&trace, &plan).map_err(CliError::internal)?;
    let outputs = loaded.output_names();
    let inputs = loaded.input_names();
    match points {
        Points::One(point) => {
            let result = reverse.grad(&point, output).map_err(CliError::internal)?;
            let text = if args.json {
                json::object([
                    ("outputs", json::numbers(&outputs, &result.outputs)),
                    ("gradient", json::numbers(&inputs, &result.adjoints)),
                    ("stats", stats_json(&result.stats)),
                ]) + "\n"
            } else {
                section("outputs", &outputs, &result.outputs)
                    + &section(
                        &format!("gradient of {}", outputs[output]),
                        &inputs,
                        &result.adjoints,
                    )
                    + &stats_section(&result.stats)
            };
            let mut sink = Sink::stdout();
            sink.write(&text)?;
            sink.finish()
        }
        Points::Many { table, out } => {
            let (n_in, n_out) = (inputs.len(), outputs.len());
            let width = 1 + n_in;
            let results = map_points(&table, width, args.points.threads, "grad", |i, o| {
                let rows = o.len() / width;
                let mut cotangents = vec![0.0; rows * n_out];
                for r in 0..rows {
                    cotangents[r * n_out + output] = 1.0;
                }
                let batch = reverse
                    .vjp_batch(i, &cotangents)
                    .map_err(CliError::internal)?;
                for (r, row) in o.chunks_mut(width).enumerate() {
                    row[0] = batch.outputs[r * n_out + output];
                    row[1..].copy_from_slice(&batch.adjoints[r * n_in..(r + 1) * n_in]);
                }
                Ok(())
            })?;
            let mut header = vec![outputs[output].to_string()];
            header.extend(inputs.iter().map(|n| format!("grad_{n}")));
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            super::eval::write_rows(out.as_deref(), &header, &results)
        }
    }
}

/// The stats by the names CLI.md gives them, in its order.
pub fn stat_entries(stats: &Stats) -> [(&'static str, u64); 4] {
    [
        ("peak_bytes", stats.peak_bytes),
        ("forward_ops", stats.forward_ops),
        ("recomputed_ops", stats.recomputed_ops),
        ("backward_ops", stats.backward_ops),
    ]
}

/// The stats as a JSON object of integers.
fn stats_json(stats: &Stats) -> String {
    json::object(stat_entries(stats).map(|(k, v)| (k, v.to_string())))
}

/// The stats as a `stats` section of `name = value` lines.
fn stats_section(stats: &Stats) -> String {
    let mut text = String::from("stats\n");
    for (name, value) in stat_entries(stats) {
        text.push_str(&format!("  {name} = {value}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_print_as_integers_in_the_spec_order() {
        let stats = Stats {
            forward_ops: 4,
            recomputed_ops: 1,
            backward_ops: 4,
            peak_bytes: 1 << 60,
            ..Stats::default()
        };
        assert_eq!(
            stats_json(&stats),
            "{\"peak_bytes\": 1152921504606846976, \"forward_ops\": 4, \"recomputed_ops\": 1, \"backward_ops\": 4}"
        );
        assert_eq!(
            stats_section(&stats),
            "stats\n  peak_bytes = 1152921504606846976\n  forward_ops = 4\n  recomputed_ops = 1\n  backward_ops = 4\n"
        );
    }
}
