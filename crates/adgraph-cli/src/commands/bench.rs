//! `adgraph bench FILE --at ... [--points N] [--plan P] [--threads N] [--json]`:
//! measured medians of evaluation and gradient, at one point and per point over a
//! batch, so users can time their own functions and plans.
//!
//! Four figures, each the median of samples ([`crate::measure`]): one-point
//! evaluation (`Program::eval`), one-point gradient (`ReversePlan::grad` under
//! `--plan`), and per point over `N` points near `--at` (`Program::eval_batch` and
//! `ReversePlan::vjp_batch`, split across a pool of `--threads` threads). Then, where
//! native code runs (x86-64 Unix), two more one-point figures: evaluation by the
//! program's native code (`Program::native`) and the gradient by the native code of
//! the compiled symbolic gradient (`adgraph::diff::grad`, optimized in strict mode,
//! compiled, translated; f and the gradient in one run). JSON:
//! `{"points": 1000, "eval_ns_single": 12.5, "grad_ns_single": 30.1,
//! "eval_ns_per_point": 4.2, "grad_ns_per_point": 9.8, "eval_ns_native": 3.1,
//! "grad_ns_native": 7.9, "threads": 1, "plan": "store-all"}` (the two native keys
//! are left out where native code does not run).

use crate::batch::{parse_threads, MAX_THREADS};
use crate::error::CliError;
use crate::json;
use crate::measure::{median_ns, round_tenth};
use crate::point::parse_point;
use crate::reverse::{output_index, parse_strategy, plan, trace};
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::exec::{ExecError, Native, Program, ReversePlan};
use adgraph::ir::{format_number, FloatMode};
use adgraph::remat::Strategy;
use clap::Args;
use std::hint::black_box;

/// The most points `--points` takes.
pub const MAX_POINTS: usize = 10_000_000;

/// Arguments of `adgraph bench`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph bench examples/rosenbrock.adg --at x0=-1.2,x1=1,x2=-1.2,x3=1\n  \
    adgraph bench examples/vanderpol.adg --at x0=2,y0=0,mu=1 --plan revolve:4 --points 1000 --threads 2 --json")]
pub struct BenchArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// The point: every input once, e.g. --at x=3,y=4; the batch's points lie near it
    #[arg(long, value_name = "NAME=VALUE,...")]
    at: Vec<String>,

    /// How many points the per-point figures are measured over
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = parse_count)]
    points: usize,

    /// The checkpoint plan of the gradient: store-all, recompute-all, periodic:K,
    /// revolve:S or budget:SIZE
    #[arg(long, value_name = "P", default_value = "store-all", value_parser = parse_strategy)]
    plan: Strategy,

    /// Threads for the batched figures
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_threads)]
    threads: usize,

    /// The output whose gradient is timed (needed when the function has several)
    #[arg(long, value_name = "NAME")]
    output: Option<String>,

    /// Print the figures as one JSON object
    #[arg(long)]
    json: bool,
}

fn parse_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_POINTS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of points from 1 to {MAX_POINTS}"
        )),
    }
}

/// `count` points near `point`: each value moved by up to 0.1% of its size (or of 1
/// for zero), deterministically, so every run times the same work.
pub fn points_near(point: &[f64], count: usize) -> Vec<f64> {
    let mut points = Vec::with_capacity(point.len() * count);
    for k in 0..count {
        for (i, &x) in point.iter().enumerate() {
            let step = ((k * 7 + i * 3) % 11) as f64 - 5.0; // -5..=5
            let scale = if x == 0.0 { 1.0 } else { x.abs() };
            points.push(x + step * 2e-4 * scale);
        }
    }
    points
}

/// Runs `adgraph bench`.
pub fn run(args: &BenchArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let output = output_index(&loaded, args.output.as_deref())?;
    let inputs = loaded.input_names();
    let point = parse_point("--at", &args.at, &inputs)?;
    let program = Program::compile(&loaded.graph, &loaded.function).map_err(CliError::internal)?;
    let trace = trace(&loaded)?;
    let plan = plan(&trace, args.plan)?;
    let reverse = ReversePlan::new(&trace, &plan).map_err(CliError::internal)?;
    let n = args.points;
    let batch = points_near(&point, n);
    let outputs = loaded.output_names().len();
    let mut cotangents = vec![0.0; n * outputs];
    for r in 0..n {
        cotangents[r * outputs + output] = 1.0;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.clamp(1, MAX_THREADS))
        .build()
        .map_err(|e| CliError::internal(format!("cannot start {} threads: {e}", args.threads)))?;
    let eval_single = median_ns(|| {
        black_box(
            program
                .eval(black_box(&point))
                .map_err(CliError::internal)?,
        );
        Ok(())
    })?;
    let grad_single = median_ns(|| {
        black_box(
            reverse
                .grad(black_box(&point), output)
                .map_err(CliError::internal)?,
        );
        Ok(())
    })?;
    let (eval_batch, grad_batch) = pool.install(|| -> Result<(f64, f64), CliError> {
        let e = median_ns(|| {
            black_box(program.eval_batch(&batch).map_err(CliError::internal)?);
            Ok(())
        })?;
        let g = median_ns(|| {
            black_box(
                reverse
                    .vjp_batch(&batch, &cotangents)
                    .map_err(CliError::internal)?,
            );
            Ok(())
        })?;
        Ok((e, g))
    })?;
    let mut figures = vec![
        ("eval_ns_single", round_tenth(eval_single)),
        ("grad_ns_single", round_tenth(grad_single)),
        ("eval_ns_per_point", round_tenth(eval_batch / n as f64)),
        ("grad_ns_per_point", round_tenth(grad_batch / n as f64)),
    ];
    if let Some((eval, grad)) = native_figures(&program, &loaded, output, &point)? {
        figures.push(("eval_ns_native", round_tenth(eval)));
        figures.push(("grad_ns_native", round_tenth(grad)));
    }
    let text = if args.json {
        let mut entries = vec![("points", n.to_string())];
        entries.extend(figures.iter().map(|(k, v)| (*k, json::number(*v))));
        entries.push(("threads", args.threads.to_string()));
        entries.push(("plan", json::string(&args.plan.to_string())));
        json::object(entries) + "\n"
    } else {
        let plural = |k: usize| if k == 1 { "" } else { "s" };
        let mut text = format!(
            "{}: {n} point{}, {} thread{}, plan {}\n",
            loaded.label,
            plural(n),
            args.threads,
            plural(args.threads),
            args.plan
        );
        let labels = [
            "eval, one point",
            "grad, one point",
            "eval, per point",
            "grad, per point",
            "eval, native",
            "grad, native",
        ];
        for (label, (_, ns)) in labels.iter().zip(&figures) {
            text.push_str(&format!("  {label:<16} {:>12} ns\n", format_number(*ns)));
        }
        text
    };
    let mut sink = Sink::stdout();
    sink.write(&text)?;
    sink.finish()
}

/// Medians of one-point evaluation by `program`'s native code and of the gradient of
/// output `output` by the native code of the compiled symbolic gradient; `None` where
/// native code does not run.
fn native_figures(
    program: &Program,
    loaded: &crate::source::Loaded,
    output: usize,
    point: &[f64],
) -> Result<Option<(f64, f64)>, CliError> {
    let native = |p: &Program| match p.native() {
        Ok(n) => Ok(Some(n)),
        Err(ExecError::Unsupported { .. }) => Ok(None),
        Err(e) => Err(CliError::internal(e)),
    };
    let Some(f) = native(program)? else {
        return Ok(None);
    };
    let mut graph = loaded.graph.clone();
    let name = loaded.output_names()[output].to_string();
    let with_gradient = adgraph::diff::grad(&mut graph, &loaded.function, Some(&name))
        .map_err(CliError::internal)?;
    let (optimized, _) = adgraph::opt::optimize(&graph, &[with_gradient], FloatMode::Strict)
        .map_err(CliError::internal)?;
    let function = optimized
        .functions
        .first()
        .ok_or_else(|| CliError::internal("the optimizer returned no function"))?;
    let gradient = Program::compile(&optimized.graph, function).map_err(CliError::internal)?;
    let Some(g) = native(&gradient)? else {
        return Ok(None);
    };
    // Timed as `eval_ns_single` is (`Program::eval`: outputs and slot file allocated
    // per call), so the figures compare.
    let time = |n: &Native| {
        median_ns(|| {
            black_box(n.eval(black_box(point)).map_err(CliError::internal)?);
            Ok(())
        })
    };
    Ok(Some((time(&f)?, time(&g)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_near_stay_near_and_repeat() {
        let p = points_near(&[1.0, 0.0, -100.0], 20);
        assert_eq!(p.len(), 60);
        for row in p.chunks(3) {
            // 0.1% of the value (of 1 for zero), up to rounding.
            assert!((row[0] - 1.0).abs() <= 1.000001e-3);
            assert!(row[1].abs() <= 1.000001e-3);
            assert!((row[2] + 100.0).abs() <= 0.1000001);
        }
        assert_eq!(p, points_near(&[1.0, 0.0, -100.0], 20));
        assert!(p.chunks(3).any(|r| r[0] != 1.0), "the points differ");
    }

    #[test]
    fn counts_are_checked() {
        assert_eq!(parse_count("1000"), Ok(1000));
        assert!(parse_count("0").is_err());
        assert!(parse_count("x").is_err());
    }
}
