//! The README's comparison tables, from criterion's medians and `results/peers.json`.
//!
//! Criterion writes each bench's estimates under `target/criterion/<group>/<id>/new/`;
//! `run.sh` writes the CasADi and JAX figures to `results/peers.json`. This module
//! reads both and prints one markdown table per workload with every system's median
//! time and its ratio to adgraph in the same run (to native where adgraph has no
//! figure), so the README quotes numbers straight from the measurements.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::data::BATCH;

/// What a column measures: one point or per point of a batch; value or gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    /// The value at one point.
    F,
    /// Value and gradient at one point.
    Grad,
    /// The value per point over a batch.
    BatchF,
    /// Value and gradient per point over a batch.
    BatchGrad,
}

impl Measure {
    /// Every measure, in column order.
    pub const ALL: [Measure; 4] = [
        Measure::F,
        Measure::Grad,
        Measure::BatchF,
        Measure::BatchGrad,
    ];

    /// The suffix of the criterion group (`<workload>.<suffix>`).
    pub fn group_suffix(self) -> &'static str {
        match self {
            Measure::F => "f",
            Measure::Grad => "grad",
            Measure::BatchF => "batch-f",
            Measure::BatchGrad => "batch-grad",
        }
    }

    fn header(self) -> &'static str {
        match self {
            Measure::F => "f",
            Measure::Grad => "f + gradient",
            Measure::BatchF => "f per point (batch)",
            Measure::BatchGrad => "f + gradient per point (batch)",
        }
    }

    /// The key prefix of this measure in `peers.json`.
    fn json_key(self) -> &'static str {
        match self {
            Measure::F => "f_s",
            Measure::Grad => "grad_s",
            Measure::BatchF => "batch_f_per_point_s",
            Measure::BatchGrad => "batch_grad_per_point_s",
        }
    }
}

/// Median seconds per (workload, measure, system), per point for batches.
pub type Medians = BTreeMap<(String, Measure, String), f64>;

/// Reads every criterion median under `criterion_dir` whose group is
/// `<workload>.<measure>`; batch groups are divided by the batch size.
pub fn read_criterion(criterion_dir: &Path) -> Medians {
    let mut out = Medians::new();
    let Ok(groups) = std::fs::read_dir(criterion_dir) else {
        return out;
    };
    for group in groups.flatten() {
        let group_name = group.file_name().to_string_lossy().into_owned();
        let Some((workload, suffix)) = group_name.rsplit_once('.') else {
            continue;
        };
        let Some(measure) = Measure::ALL
            .into_iter()
            .find(|m| m.group_suffix() == suffix)
        else {
            continue;
        };
        let Ok(ids) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for id in ids.flatten() {
            let path = id.path().join("new").join("estimates.json");
            let Some(median_ns) = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .and_then(|json| json["median"]["point_estimate"].as_f64())
            else {
                continue;
            };
            let per = if matches!(measure, Measure::BatchF | Measure::BatchGrad) {
                BATCH as f64
            } else {
                1.0
            };
            let system = id.file_name().to_string_lossy().into_owned();
            out.insert(
                (workload.to_string(), measure, system),
                median_ns * 1e-9 / per,
            );
        }
    }
    out
}

/// Adds the CasADi and JAX medians of a `peers.json` document.
pub fn add_python_peers(json: &Value, medians: &mut Medians) {
    let Some(workloads) = json["workloads"].as_object() else {
        return;
    };
    for (name, entry) in workloads {
        for system in ["casadi", "jax"] {
            for measure in Measure::ALL {
                if let Some(seconds) = entry[system][measure.json_key()].as_f64() {
                    medians.insert((name.clone(), measure, system.to_string()), seconds);
                }
            }
        }
    }
}

/// A time with three significant digits and a unit.
pub fn format_seconds(seconds: f64) -> String {
    let (scale, unit) = if seconds >= 1.0 {
        (1.0, "s")
    } else if seconds >= 1e-3 {
        (1e-3, "ms")
    } else if seconds >= 1e-6 {
        (1e-6, "µs")
    } else {
        (1e-9, "ns")
    };
    let v = seconds / scale;
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// The systems in row order, with their display names.
pub const SYSTEMS: [(&str, &str); 11] = [
    ("native", "native Rust (hand-written)"),
    (
        "adgraph",
        "adgraph interpreter (f: forward; gradient: reverse, StoreAll)",
    ),
    ("adgraph-symbolic", "adgraph (compiled symbolic gradient)"),
    (
        "adgraph-native",
        "adgraph native code (f; gradient: compiled symbolic gradient)",
    ),
    (
        "adgraph-revolve",
        "adgraph reverse interpreter, Revolve(141)",
    ),
    ("casadi", "CasADi 3.8.2 SX"),
    ("jax", "JAX 0.10 jit"),
    ("echidna", "echidna 0.15 bytecode tape"),
    ("echidna-checkpointed", "echidna 0.15 grad_checkpointed"),
    ("num-dual", "num-dual 0.15 (n dual passes)"),
    ("adgraph-reference", "adgraph reference evaluator"),
];

/// The baseline of each column, first measured first: adgraph's interpreter (for
/// gradients its reverse interpreter), else adgraph's compiled symbolic gradient, else
/// native.
pub const BASELINES: [&str; 3] = ["adgraph", "adgraph-symbolic", "native"];

/// One markdown table for `workload`: rows are systems, columns the measures with a
/// time and a ratio to the column's baseline (see [`BASELINES`]).
pub fn workload_table(workload: &str, medians: &Medians) -> String {
    let get = |measure: Measure, system: &str| {
        medians
            .get(&(workload.to_string(), measure, system.to_string()))
            .copied()
    };
    let measures: Vec<Measure> = Measure::ALL
        .into_iter()
        .filter(|&m| SYSTEMS.iter().any(|(s, _)| get(m, s).is_some()))
        .collect();
    let baseline = |measure: Measure| {
        BASELINES
            .into_iter()
            .find_map(|system| get(measure, system).map(|t| (t, system)))
    };
    let mut out = String::new();
    let _ = write!(out, "| system |");
    for m in &measures {
        let base = baseline(*m).map_or("-", |(_, name)| name);
        let _ = write!(out, " {} | / {base} |", m.header());
    }
    out.push('\n');
    out.push_str("| --- |");
    for _ in &measures {
        out.push_str(" ---: | ---: |");
    }
    out.push('\n');
    for (system, display) in SYSTEMS {
        if measures.iter().all(|&m| get(m, system).is_none()) {
            continue;
        }
        let _ = write!(out, "| {display} |");
        for &m in &measures {
            match (get(m, system), baseline(m)) {
                (Some(t), Some((base, _))) => {
                    let _ = write!(out, " {} | {:.2}x |", format_seconds(t), t / base);
                }
                (Some(t), None) => {
                    let _ = write!(out, " {} | - |", format_seconds(t));
                }
                _ => out.push_str(" - | - |"),
            }
        }
        out.push('\n');
    }
    out
}

/// The op-count table: per workload, adgraph's operation nodes of f and of [f, grad f]
/// after the strict pipeline (`adgraph`: workload name to the two counts), beside
/// CasADi's instructions of f and of [f, grad f] after its `cse`.
pub fn ops_table(
    json: &Value,
    names: &[&str],
    adgraph: &BTreeMap<String, (usize, usize)>,
) -> String {
    let mut out = String::from(
        "| workload | adgraph ops of f | of [f, grad f] | ratio | CasADi ops of f | of [f, grad f] after cse | ratio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for &name in names {
        let entry = &json["workloads"][name];
        let c = &entry["casadi"];
        let ours = match adgraph.get(name) {
            Some(&(f, fg)) if f > 0 => format!("{f} | {fg} | {:.2}", fg as f64 / f as f64),
            _ => "- | - | -".to_string(),
        };
        if let (Some(f), Some(fg), Some(r)) = (
            c["ops_f"].as_u64(),
            c["ops_f_grad"].as_u64(),
            c["ops_ratio"].as_f64(),
        ) {
            let _ = writeln!(out, "| {name} | {ours} | {f} | {fg} | {r:.2} |");
        }
    }
    out
}

/// The JAX compile times (value and gradient, one point) and CasADi's build times per
/// workload, in the order of `names`.
pub fn compile_table(json: &Value, names: &[&str]) -> String {
    let mut out = String::from(
        "| workload | JAX compile f | JAX compile value_and_grad | CasADi build f | CasADi build gradient |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    let cell = |v: &Value| v.as_f64().map_or("-".to_string(), format_seconds);
    for &name in names {
        let entry = &json["workloads"][name];
        if entry.is_null() {
            continue;
        }
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} |",
            cell(&entry["jax"]["compile_f_s"]),
            cell(&entry["jax"]["compile_grad_s"]),
            cell(&entry["casadi"]["build_f_s"]),
            cell(&entry["casadi"]["build_grad_s"]),
        );
    }
    out
}

/// adgraph's gradient routes: the reverse interpreter (StoreAll), the compiled
/// symbolic gradient, and its native code.
const ADGRAPH_GRADIENTS: [&str; 3] = ["adgraph", "adgraph-symbolic", "adgraph-native"];

/// The peers a target compares with (native is the baseline, not a peer).
const PEERS: [&str; 3] = ["casadi", "jax", "echidna"];

/// The targets of issues 6 and 8 per workload, computed from the medians: the faster
/// adgraph gradient route per point over a batch against native (target: at most 3x)
/// and against the best peer (target: below 1x); at one point against CasADi (below
/// 1x) and echidna's tape (echidna / adgraph: at least 4x). Each cell names the route
/// or peer it took; a verdict column says which targets hold.
pub fn targets_table(names: &[&str], medians: &Medians) -> String {
    let get =
        |w: &str, m: Measure, s: &str| medians.get(&(w.to_string(), m, s.to_string())).copied();
    let best = |w: &str, m: Measure, systems: &[&'static str]| {
        systems
            .iter()
            .filter_map(|&s| get(w, m, s).map(|t| (t, s)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    };
    let route = |s: &str| match s {
        "adgraph" => "reverse",
        "adgraph-native" => "native",
        _ => "symbolic",
    };
    let mut out = String::from(
        "| workload | batch: adgraph per point | / native (≤ 3) | / best peer (< 1) | one point: adgraph | / CasADi (< 1) | echidna / adgraph (≥ 4) | targets missed |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for &w in names {
        let mut missed = Vec::new();
        let mut cells = Vec::new();
        // One cell per comparison: its ratio (with the peer's name, if any), and the
        // target's name in the verdict where the ratio misses it.
        let mut compare = |ratio: Option<(f64, &str)>, meets: fn(f64) -> bool, target| match ratio {
            Some((r, peer)) => {
                cells.push(if peer.is_empty() {
                    format!("{r:.2}x")
                } else {
                    format!("{r:.2}x ({peer})")
                });
                if !meets(r) {
                    missed.push(target);
                }
            }
            None => cells.push("-".into()),
        };
        let batch = best(w, Measure::BatchGrad, &ADGRAPH_GRADIENTS);
        let one = best(w, Measure::Grad, &ADGRAPH_GRADIENTS);
        let time = |r: Option<(f64, &str)>| {
            r.map_or("-".to_string(), |(t, s)| {
                format!("{} ({})", format_seconds(t), route(s))
            })
        };
        let (batch_time, one_time) = (time(batch), time(one));
        let native = batch.zip(get(w, Measure::BatchGrad, "native"));
        compare(
            native.map(|((t, _), n)| (t / n, "")),
            |r| r <= 3.0,
            "native",
        );
        let peer = batch.zip(best(w, Measure::BatchGrad, &PEERS));
        compare(
            peer.map(|((t, _), (p, name))| (t / p, name)),
            |r| r < 1.0,
            "best peer",
        );
        let casadi = one.zip(get(w, Measure::Grad, "casadi"));
        compare(casadi.map(|((t, _), c)| (t / c, "")), |r| r < 1.0, "CasADi");
        let echidna = one.zip(get(w, Measure::Grad, "echidna"));
        compare(
            echidna.map(|((t, _), e)| (e / t, "")),
            |r| r >= 4.0,
            "4x echidna",
        );
        cells.insert(0, batch_time);
        cells.insert(3, one_time);
        let verdict = if missed.is_empty() {
            "none".to_string()
        } else {
            missed.join(", ")
        };
        let _ = writeln!(out, "| {w} | {} | {verdict} |", cells.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_take_the_faster_route_and_the_best_peer() {
        let mut m = Medians::new();
        let mut put = |measure, system: &str, t: f64| {
            m.insert(("w".to_string(), measure, system.to_string()), t);
        };
        put(Measure::BatchGrad, "native", 1.0);
        put(Measure::BatchGrad, "adgraph", 5.0);
        put(Measure::BatchGrad, "adgraph-symbolic", 2.0);
        put(Measure::BatchGrad, "jax", 1.5);
        put(Measure::BatchGrad, "casadi", 9.0);
        put(Measure::Grad, "adgraph", 3.0);
        put(Measure::Grad, "casadi", 4.0);
        put(Measure::Grad, "echidna", 6.0);
        let table = targets_table(&["w"], &m);
        let row = table.lines().nth(2).unwrap_or_default();
        assert!(
            row.contains("2.00 s (symbolic) | 2.00x | 1.33x (jax)"),
            "{row}"
        );
        assert!(row.contains("3.00 s (reverse) | 0.75x | 2.00x"), "{row}");
        assert!(row.ends_with("| best peer, 4x echidna |"), "{row}");
    }

    #[test]
    fn seconds_are_formatted_with_units() {
        assert_eq!(format_seconds(1.5e-6), "1.50 µs");
        assert_eq!(format_seconds(0.0123), "12.3 ms");
        assert_eq!(format_seconds(250e-9), "250 ns");
    }

    #[test]
    fn ratios_use_adgraph_when_present_else_native() {
        let mut m = Medians::new();
        let key = |s: &str| ("w".to_string(), Measure::F, s.to_string());
        m.insert(key("native"), 1e-6);
        m.insert(key("echidna"), 3e-6);
        let table = workload_table("w", &m);
        assert!(table.contains("/ native"), "{table}");
        assert!(table.contains("3.00x"), "{table}");
        m.insert(key("adgraph"), 2e-6);
        let table = workload_table("w", &m);
        assert!(table.contains("/ adgraph"), "{table}");
        assert!(
            table.contains("1.50x") && table.contains("0.50x"),
            "{table}"
        );
    }
}
