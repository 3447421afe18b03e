//! `adgraph plan FILE [--plan P]`: the checkpoint plan as text; `--pareto [--svg F]`:
//! the memory/recomputation frontier as a table and a chart.
//!
//! The plan is `adgraph::remat::plan_checkpoints` over the function's trace, printed by
//! the plan's own `Display` (segments, checkpoints, kept values, predicted peak bytes
//! and operations). `--pareto` plans every candidate strategy (`adgraph::remat::pareto`),
//! times each plan's gradient with the reverse interpreter (`ReversePlan::grad`, median
//! of samples, a progress bar on a terminal), prints the table with the measured
//! times and writes the SVG chart of peak bytes against time to `--svg F`. With
//! `--json`, a plan is `{"plan": "budget:512B", "chosen": "periodic:3", "segments": 12,
//! "predicted": {"peak_bytes": ..., "forward_ops": ..., "recomputed_ops": ...,
//! "backward_ops": ..., "recompute_cost": ...}}` and the frontier `{"frontier": [...]}`
//! of such objects, each with `"time_ns"` and `"on_frontier"`.

use crate::error::CliError;
use crate::json;
use crate::measure::{median_ns, round_tenth};
use crate::point::parse_point;
use crate::progress::Progress;
use crate::reverse::{output_index, parse_strategy, plan, trace};
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::exec::ReversePlan;
use adgraph::remat::{pareto, CostModel, Plan, Strategy};
use clap::Args;
use std::hint::black_box;
use std::path::PathBuf;

/// Arguments of `adgraph plan`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph plan examples/vanderpol.adg --plan revolve:4\n  \
    adgraph plan examples/vanderpol.adg --plan budget:512B --json\n  \
    adgraph plan examples/vanderpol.adg --pareto --svg pareto.svg")]
pub struct PlanArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// The checkpoint plan: store-all, recompute-all, periodic:K, revolve:S or
    /// budget:SIZE (SIZE like 65536B, 64KiB, 16MiB)
    #[arg(long, value_name = "P", default_value = "store-all", value_parser = parse_strategy, conflicts_with = "pareto")]
    plan: Strategy,

    /// Plan every strategy, time each plan's gradient and print the memory/time
    /// frontier as a table
    #[arg(long)]
    pareto: bool,

    /// With --pareto: write an SVG chart of peak bytes against time to this file
    #[arg(long, value_name = "F.svg", requires = "pareto")]
    svg: Option<PathBuf>,

    /// With --pareto: the point the gradients are timed at (default: every input 0.5)
    #[arg(long, value_name = "NAME=VALUE,...", requires = "pareto")]
    at: Vec<String>,

    /// With --pareto: the output whose gradient is timed (needed when there are several)
    #[arg(long, value_name = "NAME", requires = "pareto")]
    output: Option<String>,

    /// Print the plan (or the frontier) as JSON: strategy, chosen strategy, segments
    /// and the predicted bytes and operations
    #[arg(long)]
    json: bool,
}

/// Runs `adgraph plan`.
pub fn run(args: &PlanArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let trace = trace(&loaded)?;
    if !args.pareto {
        let plan = plan(&trace, args.plan)?;
        let text = if args.json {
            json::object(plan_entries(&plan)) + "\n"
        } else {
            plan.to_string()
        };
        let mut sink = Sink::stdout();
        sink.write(&text)?;
        return sink.finish();
    }
    let output = output_index(&loaded, args.output.as_deref())?;
    let inputs = loaded.input_names();
    let point = if args.at.is_empty() {
        vec![0.5; inputs.len()]
    } else {
        parse_point("--at", &args.at, &inputs)?
    };
    let name = std::path::Path::new(&loaded.label)
        .file_stem()
        .map_or_else(|| loaded.label.clone(), |s| s.to_string_lossy().to_string());
    let mut frontier = pareto(&trace, &CostModel::default(), &name).map_err(CliError::internal)?;
    let mut times = Vec::with_capacity(frontier.points.len());
    let mut progress = Progress::new("timing plans", frontier.points.len());
    for (k, p) in frontier.points.iter().enumerate() {
        let reverse = ReversePlan::new(&trace, &p.plan).map_err(CliError::internal)?;
        times.push(median_ns(|| {
            let g = reverse.grad(&point, output).map_err(CliError::internal)?;
            black_box(g);
            Ok(())
        })?);
        progress.set(k + 1);
    }
    progress.finish();
    frontier.set_times(&times);
    if let Some(path) = &args.svg {
        let mut svg = Sink::create(Some(path))?;
        svg.write(&frontier.svg())?;
        svg.finish()?;
    }
    let text = if args.json {
        let points: Vec<String> = frontier
            .points
            .iter()
            .map(|p| {
                let mut entries = plan_entries(&p.plan);
                entries.push((
                    "time_ns",
                    json::number(p.time_ns.map_or(f64::NAN, round_tenth)),
                ));
                entries.push(("on_frontier", p.on_frontier.to_string()));
                json::object(entries)
            })
            .collect();
        json::object([("frontier", format!("[{}]", points.join(", ")))]) + "\n"
    } else {
        frontier.table()
    };
    let mut sink = Sink::stdout();
    sink.write(&text)?;
    sink.finish()
}

/// A plan's JSON fields: what was asked, what was chosen, segments, the prediction.
fn plan_entries(plan: &Plan) -> Vec<(&'static str, String)> {
    let p = plan.prediction();
    let predicted = json::object([
        ("peak_bytes", p.peak_bytes.to_string()),
        ("forward_ops", p.forward_ops.to_string()),
        ("recomputed_ops", p.recomputed_ops.to_string()),
        ("backward_ops", p.backward_ops.to_string()),
        ("recompute_cost", json::number(p.recompute_cost)),
    ]);
    vec![
        ("plan", json::string(&plan.strategy().to_string())),
        // A budget met by the dynamic program's own schedule chose no family: "optimal".
        ("chosen", json::string(&chosen_name(plan))),
        ("segments", plan.segment_count().to_string()),
        ("predicted", predicted),
    ]
}

/// The family a plan's schedule follows, or `optimal` for a budget met by the dynamic
/// program's schedule (segment-level optimum).
fn chosen_name(plan: &Plan) -> String {
    match plan.strategy() {
        Strategy::Budget(_) if plan.chosen() == plan.strategy() => "optimal".to_string(),
        _ => plan.chosen().to_string(),
    }
}
