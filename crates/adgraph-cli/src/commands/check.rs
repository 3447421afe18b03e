//! `adgraph check FILE [--at ...] [--points N]`: every derivative mode against the
//! others and against finite differences; the worst error per input.
//!
//! Calls `adgraph::check::gradients` at each point: the forward interpreter's
//! Jacobian is the reference; the reverse interpreter under every plan, symbolic
//! forward and reverse derivatives and central finite differences are compared with
//! it, the error of `a` against `b` being `|a - b| / max(|a|, |b|, 1)`. The point is
//! `--at` (or every input 0.5); `--points N` adds N - 1 points around it (each value
//! moved by up to 10%, deterministically). Prints, per input, the worst error of any
//! automatic mode (with the mode, output and point), and the worst finite-difference
//! error; with `--json` the same as one object. With `--tolerance T` the findings are
//! printed as always, and the run then fails (status 1, one message naming the input,
//! mode, output and point) when an automatic mode's worst error exceeds `T` or is NaN:
//! the form scripts and CI jobs use.

use crate::error::CliError;
use crate::json;
use crate::point::parse_point;
use crate::progress::Progress;
use crate::sink::Sink;
use crate::source::SourceArgs;
use adgraph::check::gradients;
use clap::Args;

/// The most points `--points` takes.
pub const MAX_POINTS: usize = 100_000;

/// Arguments of `adgraph check`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    adgraph check examples/seed.adg --at x=3,y=4\n  \
    adgraph check examples/lennard_jones.adg --points 5 --json\n  \
    adgraph check examples/vanderpol.adg --points 20 --tolerance 1e-12")]
pub struct CheckArgs {
    #[command(flatten)]
    source: SourceArgs,

    /// The point to check at (every input once); default: every input 0.5
    #[arg(long, value_name = "NAME=VALUE,...")]
    at: Vec<String>,

    /// How many points: the point, and N - 1 more around it
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count)]
    points: usize,

    /// Print the result as one JSON object
    #[arg(long)]
    json: bool,

    /// Fail (exit status 1) when any mode's worst error exceeds this (finite-difference
    /// errors are reported, not judged)
    #[arg(long, value_name = "T", value_parser = parse_tolerance)]
    tolerance: Option<f64>,
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if t >= 0.0 && t.is_finite() => Ok(t),
        _ => Err("expected a finite number, 0 or more (e.g. 1e-12)".to_string()),
    }
}

fn parse_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_POINTS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of points from 1 to {MAX_POINTS}"
        )),
    }
}

/// Point `k` of a check around `base`: `base` itself for `k = 0`, else each value
/// moved by up to 10% of its size (of 1 for zero), deterministically.
pub fn point_around(base: &[f64], k: usize) -> Vec<f64> {
    if k == 0 {
        return base.to_vec();
    }
    base.iter()
        .enumerate()
        .map(|(i, &x)| {
            let step = ((k * 7 + i * 5) % 21) as f64 - 10.0; // -10..=10
            let scale = if x == 0.0 { 1.0 } else { x.abs() };
            x + step * 0.01 * scale
        })
        .collect()
}

/// The worst findings for one input over all points.
#[derive(Debug, Clone, PartialEq)]
struct Worst {
    error: f64,
    mode: String,
    output: String,
    point: usize,
    fd_error: f64,
}

/// Runs `adgraph check`.
pub fn run(args: &CheckArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let inputs = loaded.input_names();
    let base = if args.at.is_empty() {
        vec![0.5; inputs.len()]
    } else {
        parse_point("--at", &args.at, &inputs)?
    };
    let mut worst: Vec<Worst> = inputs
        .iter()
        .map(|_| Worst {
            error: 0.0,
            mode: String::new(),
            output: String::new(),
            point: 0,
            fd_error: 0.0,
        })
        .collect();
    let mut modes = 0;
    let mut progress = Progress::new("check", args.points);
    for k in 0..args.points {
        let point = point_around(&base, k);
        let report =
            gradients(&loaded.graph, &loaded.function, &point).map_err(CliError::internal)?;
        modes = report.modes.len().saturating_sub(1);
        for (w, c) in worst.iter_mut().zip(&report.per_input) {
            if k == 0 || c.worst_error > w.error {
                w.error = c.worst_error;
                w.mode = c.worst_mode.clone();
                w.output = c.worst_output.clone();
                w.point = k;
            }
            w.fd_error = w.fd_error.max(c.fd_error);
        }
        progress.set(k + 1);
    }
    progress.finish();
    let worst_error = worst.iter().map(|w| w.error).fold(0.0, f64::max);
    let worst_fd = worst.iter().map(|w| w.fd_error).fold(0.0, f64::max);
    let text = if args.json {
        let per_input = json::object(inputs.iter().zip(&worst).map(|(name, w)| {
            (
                *name,
                json::object([
                    ("worst_error", json::number(w.error)),
                    ("mode", json::string(&w.mode)),
                    ("output", json::string(&w.output)),
                    ("point", w.point.to_string()),
                    ("fd_error", json::number(w.fd_error)),
                ]),
            )
        }));
        json::object([
            ("points", args.points.to_string()),
            ("modes", modes.to_string()),
            ("inputs", per_input),
            ("worst_error", json::number(worst_error)),
            ("worst_fd_error", json::number(worst_fd)),
        ]) + "\n"
    } else {
        let mut rows = vec![[
            "input".to_string(),
            "worst error".to_string(),
            "mode".to_string(),
            "output".to_string(),
            "point".to_string(),
            "fd error".to_string(),
        ]];
        for (name, w) in inputs.iter().zip(&worst) {
            rows.push([
                name.to_string(),
                short(w.error),
                if w.error == 0.0 {
                    "all agree".to_string()
                } else {
                    w.mode.clone()
                },
                w.output.clone(),
                w.point.to_string(),
                short(w.fd_error),
            ]);
        }
        format!(
            "{}: {} point{}, {modes} modes against the forward interpreter, \
             error = |a-b| / max(|a|, |b|, 1)\n{}worst error {}, worst finite-difference error {}\n",
            loaded.label,
            args.points,
            if args.points == 1 { "" } else { "s" },
            aligned(&rows),
            short(worst_error),
            short(worst_fd)
        )
    };
    let mut sink = Sink::stdout();
    sink.write(&text)?;
    sink.finish()?;
    match args.tolerance {
        Some(t) => judge(&inputs, &worst, t),
        None => Ok(()),
    }
}

/// The verdict of `--tolerance t`: the first input whose worst error exceeds `t` (a
/// NaN error exceeds every tolerance) fails the run.
fn judge(inputs: &[&str], worst: &[Worst], t: f64) -> Result<(), CliError> {
    match inputs
        .iter()
        .zip(worst)
        .find(|(_, w)| w.error > t || w.error.is_nan())
    {
        None => Ok(()),
        Some((name, w)) => Err(CliError::Failed(format!(
            "the modes disagree on the derivative with respect to `{name}`: worst error {} \
             ({}, output `{}`, point {}) exceeds the tolerance {}",
            short(w.error),
            w.mode,
            w.output,
            w.point,
            adgraph::ir::format_number(t)
        ))),
    }
}

/// An error for people: `0`, `inf`, `nan`, else three significant digits (`1.23e-10`).
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        adgraph::ir::format_number(x)
    } else {
        format!("{x:.2e}")
    }
}

/// Rows as left-aligned columns two spaces apart.
fn aligned(rows: &[[String; 6]]) -> String {
    let mut widths = [0usize; 6];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_around_start_at_the_point_and_stay_within_ten_percent() {
        let base = [2.0, 0.0, -50.0];
        assert_eq!(point_around(&base, 0), base.to_vec());
        for k in 1..30 {
            let p = point_around(&base, k);
            assert!((p[0] - 2.0).abs() <= 0.2000001);
            assert!(p[1].abs() <= 0.1000001);
            assert!((p[2] + 50.0).abs() <= 5.000001);
            assert_eq!(p, point_around(&base, k));
        }
        assert_ne!(point_around(&base, 1), point_around(&base, 2));
    }

    #[test]
    fn errors_print_short() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.23456e-10), "1.23e-10");
        assert_eq!(short(f64::INFINITY), "inf");
    }

    #[test]
    fn columns_align() {
        let rows = [
            ["a", "bb", "c", "d", "e", "f"].map(String::from),
            ["xxx", "y", "z", "w", "v", "u"].map(String::from),
        ];
        assert_eq!(aligned(&rows), "a    bb  c  d  e  f\nxxx  y   z  w  v  u\n");
    }
}
