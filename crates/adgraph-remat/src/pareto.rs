//! The memory/recomputation frontier: every strategy's plan, which ones no other
//! beats on both peak bytes and recomputation, as a table and as an SVG chart.
//!
//! Planning predicts bytes and recomputation; the interpreter (in `adgraph-exec`) can
//! time each plan, and [`Frontier::set_times`] adds those measurements, which the
//! table and chart then show (the chart's vertical axis is measured time when given,
//! else predicted recomputation cost).

use crate::{candidate_plans, format_bytes, CostModel, Plan, RematError, Strategy, Trace};
use std::fmt::Write;

/// One strategy's place on the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierPoint {
    /// The plan.
    pub plan: Plan,
    /// Whether no other plan has both fewer-or-equal bytes and less-or-equal cost
    /// (with one strictly less).
    pub on_frontier: bool,
    /// Measured gradient time in nanoseconds per point, if measured.
    pub time_ns: Option<f64>,
}

/// Every candidate plan of a trace with its frontier membership.
#[derive(Clone, Debug, PartialEq)]
pub struct Frontier {
    /// The points, in candidate order (store-all, revolve ladder, periodic ladder,
    /// recompute-all), then the budget plans of the dynamic program at those plans'
    /// peaks where it beats them all.
    pub points: Vec<FrontierPoint>,
    /// The program's name, for titles.
    pub name: String,
}

/// Plans `trace` under every candidate strategy and marks the Pareto frontier of
/// (peak bytes, recomputation cost).
///
/// ```
/// use adgraph_remat::{pareto, CostModel, Trace};
/// let w = adgraph_workloads::van_der_pol(30);
/// let t = Trace::from_function(&w.graph, &w.function)?;
/// let f = pareto(&t, &CostModel::default(), &w.name)?;
/// assert!(f.points.iter().any(|p| p.on_frontier));
/// assert!(f.table().contains("store-all"));
/// assert!(f.svg().starts_with("<svg"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pareto(trace: &Trace, costs: &CostModel, name: &str) -> Result<Frontier, RematError> {
    let mut plans = candidate_plans(trace, costs)?;
    // At each family plan's peak, the dynamic program's plan when it beats every family
    // that fits there (what `Budget` at that peak would choose; it then fills the gaps
    // of the frontier). The families are planned once, here, not again per budget.
    let families = plans.len();
    let mut peaks: Vec<u64> = plans.iter().map(|p| p.prediction().peak_bytes).collect();
    peaks.sort_unstable();
    peaks.dedup();
    for bytes in peaks {
        let Some(p) = crate::budget::optimal_plan(trace, bytes, costs)? else {
            continue;
        };
        let key = |q: &Plan| (q.prediction().recompute_cost, q.prediction().peak_bytes);
        let (c, b) = key(&p);
        let beats_families = plans[..families]
            .iter()
            .filter(|q| q.prediction().peak_bytes <= bytes)
            .all(|q| {
                let (qc, qb) = key(q);
                c.total_cmp(&qc).then(b.cmp(&qb)).is_lt()
            });
        // A budget above a schedule's peak may find the same schedule again: one row.
        let seen = plans[families..].iter().any(|q| key(q) == (c, b));
        if beats_families && !seen {
            plans.push(p);
        }
    }
    let key = |p: &Plan| (p.prediction().peak_bytes, p.prediction().recompute_cost);
    let points = plans
        .iter()
        .map(|p| {
            let (b, c) = key(p);
            let dominated = plans.iter().any(|q| {
                let (qb, qc) = key(q);
                qb <= b && qc <= c && (qb < b || qc < c)
            });
            FrontierPoint {
                plan: p.clone(),
                on_frontier: !dominated,
                time_ns: None,
            }
        })
        .collect();
    Ok(Frontier {
        points,
        name: name.to_string(),
    })
}

impl Frontier {
    /// Records measured times (nanoseconds per point), one per point in order; extra
    /// entries are ignored, missing ones leave points unmeasured.
    pub fn set_times(&mut self, ns: &[f64]) {
        for (p, &t) in self.points.iter_mut().zip(ns) {
            p.time_ns = Some(t);
        }
    }

    /// The table: one row per strategy, frontier rows marked `*`.
    pub fn table(&self) -> String {
        let timed = self.points.iter().any(|p| p.time_ns.is_some());
        let mut out = String::new();
        let _ = write!(
            out,
            "{:<16} {:>12} {:>10} {:>12} {:>14}",
            "strategy", "peak bytes", "", "recomputed", "recompute cost"
        );
        if timed {
            let _ = write!(out, " {:>12}", "time (us)");
        }
        out.push_str("  frontier\n");
        for p in &self.points {
            let pr = p.plan.prediction();
            let _ = write!(
                out,
                "{:<16} {:>12} {:>10} {:>12} {:>14.1}",
                p.plan.strategy().to_string(),
                pr.peak_bytes,
                format_bytes(pr.peak_bytes),
                pr.recomputed_ops,
                pr.recompute_cost
            );
            if timed {
                match p.time_ns {
                    Some(t) => {
                        let _ = write!(out, " {:>12.1}", t / 1000.0);
                    }
                    None => {
                        let _ = write!(out, " {:>12}", "-");
                    }
                }
            }
            out.push_str(if p.on_frontier { "  *\n" } else { "\n" });
        }
        out
    }

    /// An SVG chart of peak bytes (horizontal, logarithmic) against measured time per
    /// point (or predicted recomputation cost when nothing was measured), vertical;
    /// each strategy family has its own marker, frontier points are joined by a line.
    pub fn svg(&self) -> String {
        let timed = self.points.iter().all(|p| p.time_ns.is_some()) && !self.points.is_empty();
        let y_of = |p: &FrontierPoint| {
            if timed {
                p.time_ns.unwrap_or(0.0) / 1000.0
            } else {
                p.plan.prediction().recompute_cost
            }
        };
        let (w, h, left, right, top, bottom) = (720.0, 460.0, 90.0, 170.0, 50.0, 60.0);
        let xs: Vec<f64> = self
            .points
            .iter()
            .map(|p| (p.plan.prediction().peak_bytes.max(1) as f64).log10())
            .collect();
        let raw: Vec<f64> = self.points.iter().map(y_of).collect();
        // A logarithmic vertical axis when the values span more than 100x.
        let positive: Vec<f64> = raw.iter().copied().filter(|&y| y > 0.0).collect();
        let (lo, hi) = min_max(&positive);
        let log_y = positive.len() == raw.len() && hi > 100.0 * lo;
        let ys: Vec<f64> = if log_y {
            raw.iter().map(|y| y.log10()).collect()
        } else {
            raw.clone()
        };
        let (mut x0, mut x1) = min_max(&xs);
        x0 = x0.floor();
        x1 = x1.ceil().max(x0 + 1.0);
        let (y0, y1) = if log_y {
            let (a, b) = min_max(&ys);
            (a.floor(), b.ceil().max(a.floor() + 1.0))
        } else {
            (0.0, nice_ceiling(min_max(&ys).1))
        };
        let px = |x: f64| left + (x - x0) / (x1 - x0) * (w - left - right);
        let py = |y: f64| h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">"
        );
        let _ = writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>");
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}: memory against {}</text>",
            (left + w - right) / 2.0,
            escape(&self.name),
            if timed { "time" } else { "recomputation" }
        );
        // Axes.
        let _ = writeln!(
            s,
            "<path d=\"M{left},{top} V{} H{}\" stroke=\"black\" fill=\"none\"/>",
            h - bottom,
            w - right
        );
        let mut e = x0;
        while e <= x1 + 1e-9 {
            let x = px(e);
            let _ = writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"black\"/>\
                 <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                h - bottom,
                h - bottom + 5.0,
                h - bottom + 18.0,
                format_bytes(10f64.powf(e).round() as u64)
            );
            e += 1.0;
        }
        let ticks: Vec<f64> = if log_y {
            (y0 as i32..=y1 as i32).map(f64::from).collect()
        } else {
            (0..=4).map(|k| y1 * k as f64 / 4.0).collect()
        };
        for y in ticks {
            let label = if log_y { 10f64.powf(y) } else { y };
            let _ = writeln!(
                s,
                "<line x1=\"{}\" y1=\"{:.1}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"black\"/>\
                 <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left - 5.0,
                py(y),
                py(y),
                left - 8.0,
                py(y) + 4.0,
                trim_number(label)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">peak bytes held (log scale)</text>",
            (left + w - right) / 2.0,
            h - 15.0
        );
        let _ = writeln!(
            s,
            "<text transform=\"translate(22,{}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            (top + h - bottom) / 2.0,
            match (timed, log_y) {
                (true, true) => "gradient time per point (us, log scale)",
                (true, false) => "gradient time per point (us)",
                (false, true) => "predicted recomputation cost (log scale)",
                (false, false) => "predicted recomputation cost",
            }
        );
        // The frontier line, by increasing bytes.
        let mut front: Vec<(f64, f64)> = self
            .points
            .iter()
            .zip(xs.iter().zip(&ys))
            .filter(|(p, _)| p.on_frontier)
            .map(|(_, (&x, &y))| (px(x), py(y)))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        if front.len() > 1 {
            let d: Vec<String> = front
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = writeln!(
                s,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
                d.join(" ")
            );
        }
        for (p, (&x, &y)) in self.points.iter().zip(xs.iter().zip(&ys)) {
            let (cx, cy) = (px(x), py(y));
            let _ = writeln!(
                s,
                "{}<title>{}</title>",
                marker(p.plan.strategy(), cx, cy),
                p.plan.strategy()
            );
            if p.on_frontier {
                let _ = writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
                    cx + 7.0,
                    cy - 5.0,
                    p.plan.strategy()
                );
            }
        }
        // Legend.
        let lx = w - right + 20.0;
        for (i, (strategy, label)) in [
            (Strategy::StoreAll, "store-all"),
            (Strategy::RecomputeAll, "recompute-all"),
            (Strategy::Periodic(2), "periodic:K"),
            (Strategy::Revolve(2), "revolve:S"),
            (Strategy::Budget(0), "budget (optimal)"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = top + 10.0 + 22.0 * i as f64;
            let _ = writeln!(
                s,
                "{}<text x=\"{}\" y=\"{:.1}\">{label}</text>",
                marker(strategy, lx, y),
                lx + 12.0,
                y + 4.0
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{lx}\" y=\"{:.1}\" font-size=\"10\">dashed: frontier</text>",
            top + 10.0 + 22.0 * 4.0
        );
        s.push_str("</svg>\n");
        s
    }
}

/// A marker for a strategy family: square, diamond, triangle, circle.
fn marker(strategy: Strategy, x: f64, y: f64) -> String {
    match strategy {
        Strategy::StoreAll => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"#1f77b4\"/>",
            x - 4.5,
            y - 4.5
        ),
        Strategy::Budget(_) => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"none\" \
             stroke=\"#9467bd\" stroke-width=\"1.5\"/>",
            x - 4.0,
            y - 4.0
        ),
        Strategy::RecomputeAll => format!(
            "<path d=\"M{x:.1},{:.1} l5,5 l-5,5 l-5,-5 z\" fill=\"#d62728\"/>",
            y - 5.0
        ),
        Strategy::Periodic(_) => format!(
            "<path d=\"M{x:.1},{:.1} l5,9 h-10 z\" fill=\"#2ca02c\"/>",
            y - 5.0
        ),
        Strategy::Revolve(_) => {
            format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"#ff7f0e\"/>")
        }
    }
}

fn min_max(xs: &[f64]) -> (f64, f64) {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    }
}

/// The smallest of 1, 2, 5 times a power of ten at or above `y` (1 for `y <= 0`).
fn nice_ceiling(y: f64) -> f64 {
    if y <= 0.0 || !y.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(y.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&c| c >= y)
        .unwrap_or(10.0 * p)
}

fn trim_number(y: f64) -> String {
    if y >= 100.0 || y == y.round() {
        format!("{y:.0}")
    } else {
        format!("{y:.2}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }
}
