//! Why reverse mode wins when inputs outnumber outputs, measured: the full gradient of
//! the chained Rosenbrock function of `n` variables (one output), by `n` forward sweeps
//! (one `Program::jvp` per input direction) against one reverse sweep
//! (`ReversePlan::grad`), as `n` doubles. Prints the instructions each way executes and
//! the median wall time of each way on this machine, and writes the times as an SVG
//! chart (log-log).
//!
//! Run: `cargo run --release --example modes_table [MAX_N] [SVG]` (default 512 and
//! `docs/modes.svg`).

use adgraph::exec::{ReversePlan, ReverseWorkspace};
use adgraph::remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph::Program;
use std::error::Error;
use std::fmt::Write as _;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn Error>>;

/// One size's measurements.
#[cfg_attr(not(test), allow(dead_code))]
struct Row {
    n: usize,
    /// Instructions of the program (one sweep, forward).
    instructions: usize,
    /// Instructions executed by n forward sweeps.
    forward_ops: u64,
    /// Instructions executed by the reverse sweep (forward + backward).
    reverse_ops: u64,
    forward_ns: f64,
    reverse_ns: f64,
    /// The largest difference between the two gradients.
    disagreement: f64,
}

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

/// Reads the optional arguments, runs, prints.
fn try_main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let max_n = match args.next() {
        Some(a) => a
            .parse::<usize>()
            .map_err(|e| format!("MAX_N must be a whole number ({a:?}: {e})"))?,
        None => 512,
    };
    let svg_path = args.next().unwrap_or_else(|| "docs/modes.svg".to_string());
    let mut out = String::new();
    let rows = run(max_n, &mut out)?;
    print!("{out}");
    std::fs::write(&svg_path, svg(&rows)).map_err(|e| format!("cannot write {svg_path}: {e}"))?;
    println!("chart written to {svg_path}");
    Ok(())
}

/// The median time of `f` in nanoseconds: at least 5 runs and about 20 ms.
fn median_ns(mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    let mut runs = Vec::new();
    let start = Instant::now();
    while runs.len() < 5 || (start.elapsed().as_millis() < 20 && runs.len() < 1000) {
        let t = Instant::now();
        f()?;
        runs.push(t.elapsed().as_nanos() as f64);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[runs.len() / 2])
}

/// Measures n = 2, 4, ... up to `max_n` (at least 2) and prints the table into `out`.
fn run(max_n: usize, out: &mut String) -> Res<Vec<Row>> {
    writeln!(out, "gradient of chained Rosenbrock(n): n forward sweeps (jvp) against one reverse sweep (grad)")?;
    writeln!(
        out,
        "{:>5} {:>7}  {:>10} {:>10} {:>6}  {:>12} {:>12} {:>7}",
        "n", "instrs", "fwd ops", "rev ops", "ratio", "fwd time", "rev time", "speedup"
    )?;
    let mut rows = Vec::new();
    let mut n = 2;
    while n <= max_n.max(2) {
        let w = adgraph::workloads::rosenbrock(n);
        let p = Program::compile(&w.graph, &w.function)?;
        let trace = Trace::from_function(&w.graph, &w.function)?;
        let plan = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default())?;
        let reverse = ReversePlan::new(&trace, &plan)?;
        let mut ws = ReverseWorkspace::new();
        // The gradient both ways, and what each executed.
        let mut dir = vec![0.0; n];
        let mut by_forward = vec![0.0; n];
        for k in 0..n {
            dir[k] = 1.0;
            by_forward[k] = p.jvp(&w.point, &dir)?.tangent(0, 0);
            dir[k] = 0.0;
        }
        let r = reverse.grad_with(&mut ws, &w.point, 0)?;
        let disagreement = by_forward
            .iter()
            .zip(&r.adjoints)
            .map(|(a, b)| (a - b).abs() / a.abs().max(1.0))
            .fold(0.0, f64::max);
        let forward_ops = (n * p.instruction_count()) as u64;
        let reverse_ops = r.stats.forward_ops + r.stats.recomputed_ops + r.stats.backward_ops;
        let forward_ns = median_ns(|| {
            for k in 0..n {
                dir[k] = 1.0;
                std::hint::black_box(p.jvp(&w.point, &dir)?);
                dir[k] = 0.0;
            }
            Ok(())
        })?;
        let reverse_ns = median_ns(|| {
            std::hint::black_box(reverse.grad_with(&mut ws, &w.point, 0)?);
            Ok(())
        })?;
        writeln!(
            out,
            "{n:>5} {:>7}  {forward_ops:>10} {reverse_ops:>10} {:>6.1}  {:>9.1} us {:>9.1} us {:>6.1}x",
            p.instruction_count(),
            forward_ops as f64 / reverse_ops as f64,
            forward_ns / 1e3,
            reverse_ns / 1e3,
            forward_ns / reverse_ns
        )?;
        rows.push(Row {
            n,
            instructions: p.instruction_count(),
            forward_ops,
            reverse_ops,
            forward_ns,
            reverse_ns,
            disagreement,
        });
        n *= 2;
    }
    let worst = rows.iter().map(|r| r.disagreement).fold(0.0, f64::max);
    writeln!(
        out,
        "largest relative difference between the two gradients: {worst:.1e}"
    )?;
    Ok(rows)
}

/// A log-log SVG chart of the two ways' times against n.
fn svg(rows: &[Row]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 400.0, 70.0, 20.0, 40.0, 50.0);
    let ns: Vec<f64> = rows.iter().map(|r| r.n as f64).collect();
    let ts: Vec<f64> = rows
        .iter()
        .flat_map(|r| [r.forward_ns, r.reverse_ns])
        .filter(|t| *t > 0.0)
        .collect();
    let (nmin, nmax) = (
        ns.iter().cloned().fold(f64::MAX, f64::min),
        ns.iter().cloned().fold(1.0, f64::max).max(4.0),
    );
    let tmin = 10f64.powf(ts.iter().cloned().fold(f64::MAX, f64::min).log10().floor());
    let tmax = 10f64
        .powf(ts.iter().cloned().fold(1.0, f64::max).log10().ceil())
        .max(tmin * 10.0);
    let x = |n: f64| left + (n / nmin).log2() / (nmax / nmin).log2() * (w - left - right);
    let y = |t: f64| h - bottom - (t / tmin).log10() / (tmax / tmin).log10() * (h - top - bottom);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="14">Full gradient of Rosenbrock(n): n forward sweeps vs one reverse sweep</text>"#,
        w / 2.0
    );
    let _ = writeln!(
        s,
        r#"<line x1="{left}" y1="{0}" x2="{1}" y2="{0}" stroke="black"/><line x1="{left}" y1="{top}" x2="{left}" y2="{0}" stroke="black"/>"#,
        h - bottom,
        w - right
    );
    let mut n = nmin;
    while n <= nmax * 1.0001 {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{n}</text>"#,
            x(n),
            h - bottom + 16.0
        );
        n *= 2.0;
    }
    let mut t = tmin;
    while t <= tmax * 1.0001 {
        let label = if t >= 1e6 {
            format!("{} ms", t / 1e6)
        } else if t >= 1e3 {
            format!("{} us", t / 1e3)
        } else {
            format!("{t} ns")
        };
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#ddd"/><text x="{2}" y="{3:.1}" text-anchor="end">{label}</text>"##,
            y(t),
            w - right,
            left - 4.0,
            y(t) + 4.0
        );
        t *= 10.0;
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">n (inputs)</text>"#,
        (left + w - right) / 2.0,
        h - 12.0
    );
    for (name, color, k) in [
        ("n forward sweeps (jvp)", "#d62728", 0),
        ("one reverse sweep (grad)", "#1f77b4", 1),
    ] {
        let pts: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{:.1},{:.1}",
                    x(r.n as f64),
                    y(if k == 0 { r.forward_ns } else { r.reverse_ns }.max(tmin))
                )
            })
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            pts.join(" ")
        );
        let ly = top + 10.0 + 18.0 * k as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{0}" y1="{ly}" x2="{1}" y2="{ly}" stroke="{color}" stroke-width="2"/><text x="{2}" y="{3}">{name}</text>"#,
            left + 10.0,
            left + 40.0,
            left + 46.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_needs_fewer_ops_as_n_grows() {
        let mut out = String::new();
        let rows = run(32, &mut out).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.n).collect::<Vec<_>>(),
            [2, 4, 8, 16, 32]
        );
        for r in &rows {
            assert!(r.disagreement < 1e-12, "{out}");
            assert_eq!(r.forward_ops, (r.n * r.instructions) as u64);
        }
        // Forward work grows as n * size, reverse as a constant times size.
        let ratio = |r: &Row| r.forward_ops as f64 / r.reverse_ops as f64;
        assert!(
            rows.windows(2).all(|p| ratio(&p[1]) > 1.8 * ratio(&p[0])),
            "{out}"
        );
        assert!(ratio(&rows[4]) > 5.0, "{out}");
        let chart = svg(&rows);
        assert!(chart.starts_with("<svg") && chart.matches("<polyline").count() == 2);
    }
}
