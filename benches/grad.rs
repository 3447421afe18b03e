//! Gradient benches: the reverse interpreter under every kind of checkpoint plan, on
//! every workload at two sizes, against a forward evaluation of the same program and
//! against hand-written native adjoints (Rosenbrock, the RK4 chain, Lennard-Jones).
//!
//! Run: `cargo bench --bench grad -- --warm-up-time 1 --measurement-time 3` (about 6
//! minutes); one workload: append its group, e.g. `'grad/lj-30/'`.
//!
//! Groups `grad/<workload>`, for Rosenbrock n = 1,000 and 100,000, the RK4 chain of
//! 1,000 and 20,000 steps, the MLP with constant weights (gradient with respect to its
//! 16 inputs) and with weights as inputs (3,202 instructions: the MLP has one size,
//! its layer widths being the workloads crate's `MLP_LAYERS`), and Lennard-Jones with
//! 30 and 100 particles. Rows:
//! - `eval`: the forward interpreter (`Program`), the baseline of the grad/eval ratio;
//! - `eval-trace`: the reverse interpreter's forward sweep alone;
//! - `store-all`: the gradient with a reused `ReverseWorkspace`; `store-all-grad`: the
//!   same through `ReversePlan::grad` (a per-thread workspace, what the CLI calls);
//! - one row per plan, parameters derived from the workload's trace so each plan
//!   trades something: `recompute-all`; `periodic-K` with K the square root of the
//!   segment count (the classic sqrt checkpointing); `revolve-20`; `budget-B` with B a
//!   quarter of the way from the least memory any plan needs (recompute-all's peak)
//!   to store-all's peak, rounded up to a KiB. `recompute-all` is quadratic in the
//!   segments: it is skipped where its plan predicts more than 2e8 recomputed
//!   instructions (half a second a gradient), i.e. on Rosenbrock n = 100,000 (4.0e10)
//!   and the RK4 chain of 20,000 steps (9.2e9); the prediction is printed instead;
//! - `native`: hand-written value and gradient in plain Rust, where one exists (checked
//!   against the interpreter's gradient before timing).
//!
//! Times are the bench thread's CPU time (`benches/common/cpu_time.rs`), the machine
//! being shared. To stderr, per workload: instruction count and store-all's peak; per
//! plan its measured peak and recomputed instructions; and after each group a
//! `summary grad/<workload>` line with every row's median and its ratio to `eval` and
//! to `native` of the same run (`benches/common/medians.rs`); then `eval`, `store-all`
//! and `revolve-20` once more side by side, in alternating blocks of about 20 ms on one
//! pinned core (0.3 s, the first quarter of each not counted, where a call takes over
//! a millisecond), and a `summary grad/<workload> alternated` line with the medians
//! over rounds of their ratios (`benches/common/alternate.rs`: the ratios of the code,
//! free of the changes in the vCPU's speed between criterion's rows).

use adgraph_exec::{Program, ReversePlan, ReverseWorkspace, Workspace};
use adgraph_remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph_workloads::{lennard_jones, mlp, mlp_weights, rosenbrock, van_der_pol, Workload};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

#[path = "common/alternate.rs"]
mod alternate;
#[path = "common/cpu_time.rs"]
mod cpu_time;
#[path = "common/medians.rs"]
mod medians;
#[path = "common/workloads.rs"]
mod workloads;

use cpu_time::ThreadCpuTime;
use medians::Medians;
use workloads::{rk4_step, vdp};

/// Hand-written Rosenbrock value and gradient.
fn native_rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
    g.fill(0.0);
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        f += 100.0 * d * d + e * e;
        g[i] += -400.0 * d * x[i] - 2.0 * e;
        g[i + 1] += 200.0 * d;
    }
    f
}

/// The Van der Pol right-hand side's transposed Jacobian-vector product `J(x, y)^T a`
/// and the `mu` component.
fn vdp_adjoint(mu: f64, x: f64, y: f64, a: (f64, f64)) -> (f64, f64, f64) {
    (
        a.1 * (-2.0 * mu * x * y - 1.0),
        a.0 + a.1 * mu * (1.0 - x * x),
        a.1 * (1.0 - x * x) * y,
    )
}

/// Hand-written RK4 chain: forward keeping each step's state, then the discrete
/// adjoint step by step (stages recomputed from the kept state). Gradient with
/// respect to `(x0, y0, mu)` of the final `x`.
fn native_rk4(p: &[f64], steps: usize, states: &mut Vec<(f64, f64)>, g: &mut [f64]) -> f64 {
    let (mu, h) = (p[2], 0.01);
    states.clear();
    let (mut x, mut y) = (p[0], p[1]);
    for _ in 0..steps {
        states.push((x, y));
        (x, y) = rk4_step(mu, h, x, y);
    }
    let (mut lx, mut ly, mut lmu) = (1.0, 0.0, 0.0);
    for &(x, y) in states.iter().rev() {
        let k1 = vdp(mu, x, y);
        let s2 = (x + h / 2.0 * k1.0, y + h / 2.0 * k1.1);
        let k2 = vdp(mu, s2.0, s2.1);
        let s3 = (x + h / 2.0 * k2.0, y + h / 2.0 * k2.1);
        let k3 = vdp(mu, s3.0, s3.1);
        let s4 = (x + h * k3.0, y + h * k3.1);
        let (mut ax, mut ay) = (lx, ly);
        let a4 = (h / 6.0 * lx, h / 6.0 * ly);
        let mut a3 = (h / 3.0 * lx, h / 3.0 * ly);
        let mut a2 = a3;
        let mut a1 = a4;
        let (dx, dy, dm) = vdp_adjoint(mu, s4.0, s4.1, a4);
        ax += dx;
        ay += dy;
        lmu += dm;
        a3 = (a3.0 + h * dx, a3.1 + h * dy);
        let (dx, dy, dm) = vdp_adjoint(mu, s3.0, s3.1, a3);
        ax += dx;
        ay += dy;
        lmu += dm;
        a2 = (a2.0 + h / 2.0 * dx, a2.1 + h / 2.0 * dy);
        let (dx, dy, dm) = vdp_adjoint(mu, s2.0, s2.1, a2);
        ax += dx;
        ay += dy;
        lmu += dm;
        a1 = (a1.0 + h / 2.0 * dx, a1.1 + h / 2.0 * dy);
        let (dx, dy, dm) = vdp_adjoint(mu, x, y, a1);
        lx = ax + dx;
        ly = ay + dy;
        lmu += dm;
    }
    g[0] = lx;
    g[1] = ly;
    g[2] = lmu;
    x
}

/// Hand-written Lennard-Jones energy and gradient (`epsilon = sigma = 1`).
fn native_lj(p: &[f64], g: &mut [f64]) -> f64 {
    g.fill(0.0);
    let n = p.len() / 3;
    let mut e = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let d = [
                p[3 * i] - p[3 * j],
                p[3 * i + 1] - p[3 * j + 1],
                p[3 * i + 2] - p[3 * j + 2],
            ];
            let s = 1.0 / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            let s3 = s * s * s;
            e += 4.0 * (s3 * s3 - s3);
            // dE/d(r^2) = 4 (2 s3 - 1) * 3 s^2 * (-s^2)
            let de = -12.0 * (2.0 * s3 - 1.0) * s3 * s;
            for k in 0..3 {
                g[3 * i + k] += de * 2.0 * d[k];
                g[3 * j + k] -= de * 2.0 * d[k];
            }
        }
    }
    e
}

/// A hand-written value and gradient: `f(point, gradient) -> value`.
type NativeGradient<'a> = dyn Fn(&[f64], &mut [f64]) -> f64 + 'a;

/// Samples per row; plans executing over 5e7 instructions (forward and recomputed, some
/// 50 ms a gradient) take fewer.
const SAMPLES: usize = 20;
const SLOW_SAMPLES: usize = 10;

/// Above this many predicted recomputed instructions a plan is not timed.
const MAX_RECOMPUTED: u64 = 200_000_000;

/// The plans timed beside store-all, their parameters derived from `t` (see the
/// module comment).
fn plans(t: &Trace, costs: &CostModel) -> Vec<Strategy> {
    let store_all = plan_checkpoints(t, Strategy::StoreAll, costs).unwrap();
    let recompute_all = plan_checkpoints(t, Strategy::RecomputeAll, costs).unwrap();
    let segments = recompute_all.segment_count();
    let k = ((segments as f64).sqrt().round() as u32).max(1);
    let (least, most) = (
        recompute_all.prediction().peak_bytes,
        store_all.prediction().peak_bytes,
    );
    let budget = (least + most.saturating_sub(least) / 4).div_ceil(1024) * 1024;
    vec![
        Strategy::RecomputeAll,
        Strategy::Periodic(k),
        Strategy::Revolve(20),
        Strategy::Budget(budget),
    ]
}

/// Asserts that two gradients (value first) agree to rounding.
fn assert_close(what: &str, (v, g): (f64, &[f64]), (w, h): (f64, &[f64])) {
    assert!(
        (v - w).abs() <= 1e-9 * (1.0 + v.abs()),
        "{what}: {v} vs {w}"
    );
    assert_eq!(g.len(), h.len(), "{what}");
    for (a, b) in g.iter().zip(h) {
        assert!(
            (a - b).abs() <= 1e-8 * (1.0 + a.abs()),
            "{what}: {a} vs {b}"
        );
    }
}

fn bench_workload(
    c: &mut Criterion<ThreadCpuTime>,
    rec: &Medians,
    w: &Workload,
    native: Option<&NativeGradient<'_>>,
) {
    let t = Trace::from_function(&w.graph, &w.function).unwrap();
    let costs = CostModel::default();
    let all = plan_checkpoints(&t, Strategy::StoreAll, &costs).unwrap();
    let r = ReversePlan::new(&t, &all).unwrap();
    let name = format!("grad/{}", w.name);
    let mut group = c.benchmark_group(&name);
    group.sample_size(SAMPLES);
    let id = |row: &str| format!("{name}/{row}");
    // The forward interpreter (exec's `Program`), the baseline of the grad/eval ratio,
    // and the reverse interpreter's own forward sweep.
    let program = Program::compile(&w.graph, &w.function).unwrap();
    let mut ws = Workspace::new();
    let mut out = vec![0.0; program.output_count()];
    group.bench_function("eval", |b| {
        rec.iter(b, &id("eval"), SAMPLES, || {
            program
                .eval_with(&mut ws, black_box(&w.point), &mut out)
                .unwrap()
        })
    });
    group.bench_function("eval-trace", |b| {
        rec.iter(b, &id("eval-trace"), SAMPLES, || {
            r.eval(black_box(&w.point)).unwrap()
        })
    });
    let g = r.grad(&w.point, 0).unwrap();
    eprintln!(
        "{}: {} instructions; store-all peak {} B",
        w.name,
        t.steps().len(),
        g.stats.peak_bytes
    );
    let mut rws = ReverseWorkspace::new();
    let mut revolve = None;
    group.bench_function("store-all", |b| {
        rec.iter(b, &id("store-all"), SAMPLES, || {
            r.grad_with(&mut rws, black_box(&w.point), 0).unwrap()
        })
    });
    // `grad` without a caller's workspace (what the peers bench and the CLI call).
    group.bench_function("store-all-grad", |b| {
        rec.iter(b, &id("store-all-grad"), SAMPLES, || {
            r.grad(black_box(&w.point), 0).unwrap()
        })
    });
    for s in plans(&t, &costs) {
        let p = plan_checkpoints(&t, s, &costs).unwrap();
        let predicted = p.prediction();
        if predicted.recomputed_ops > MAX_RECOMPUTED {
            eprintln!(
                "{}: {s} skipped: its plan recomputes {} instructions ({:.0} forward sweeps)",
                w.name,
                predicted.recomputed_ops,
                predicted.recomputed_ops as f64 / t.steps().len().max(1) as f64
            );
            continue;
        }
        let rp = ReversePlan::new(&t, &p).unwrap();
        let gs = rp.grad(&w.point, 0).unwrap();
        assert_close(
            &format!("{} {s}", w.name),
            (g.outputs[0], &g.adjoints),
            (gs.outputs[0], &gs.adjoints),
        );
        let chose = if p.chosen() == s {
            String::new()
        } else {
            format!(" (chose {})", p.chosen())
        };
        eprintln!(
            "{}: {s}{chose} peak {} B ({:.2}% of store-all), recomputed {} ops",
            w.name,
            gs.stats.peak_bytes,
            100.0 * gs.stats.peak_bytes as f64 / g.stats.peak_bytes as f64,
            gs.stats.recomputed_ops
        );
        let row = s.to_string().replace(':', "-");
        let n = if predicted.forward_ops + predicted.recomputed_ops > 50_000_000 {
            SLOW_SAMPLES
        } else {
            SAMPLES
        };
        group.sample_size(n);
        group.bench_function(&row, |b| {
            rec.iter(b, &id(&row), n, || {
                rp.grad_with(&mut rws, black_box(&w.point), 0).unwrap()
            })
        });
        if matches!(s, Strategy::Revolve(_)) {
            drop(rp);
            revolve = Some((row, p));
        }
    }
    if let Some(f) = native {
        // The baseline must compute the same gradient.
        let mut gn = vec![0.0; w.point.len()];
        let v = f(&w.point, &mut gn);
        assert_close(&w.name, (v, &gn), (g.outputs[0], &g.adjoints));
        group.sample_size(SAMPLES);
        group.bench_function("native", |b| {
            rec.iter(b, &id("native"), SAMPLES, || {
                f(black_box(&w.point), &mut gn)
            })
        });
    }
    group.finish();
    rec.summary(&name, &["eval", "native"]);
    // The targets' ratios again, rows side by side on one core (see `alternate`):
    // only where the group ran (a filter may have skipped it).
    if rec.median(&id("store-all")).is_some() {
        let mut eval = || {
            program
                .eval_with(&mut ws, black_box(&w.point), &mut out)
                .unwrap()
        };
        let mut store_all = || {
            black_box(r.grad_with(&mut rws, black_box(&w.point), 0).unwrap());
        };
        let mut rows: Vec<(&str, &mut dyn FnMut())> =
            vec![("eval", &mut eval), ("store-all", &mut store_all)];
        let checkpointed = revolve
            .as_ref()
            .filter(|(row, _)| rec.median(&id(row)).is_some())
            .map(|(row, p)| (row.as_str(), ReversePlan::new(&t, p).unwrap()));
        let mut rws2 = ReverseWorkspace::new();
        let mut revolve_row;
        if let Some((row, rp)) = &checkpointed {
            revolve_row = || {
                black_box(rp.grad_with(&mut rws2, black_box(&w.point), 0).unwrap());
            };
            rows.push((row, &mut revolve_row));
        }
        alternate::alternated(&name, 16, &mut rows);
    }
}

fn grad(c: &mut Criterion<ThreadCpuTime>) {
    let rec = Medians::cpu();
    for n in [1_000, 100_000] {
        bench_workload(c, &rec, &rosenbrock(n), Some(&native_rosenbrock));
    }
    for steps in [1_000, 20_000] {
        let states = std::cell::RefCell::new(Vec::with_capacity(steps));
        bench_workload(
            c,
            &rec,
            &van_der_pol(steps),
            Some(&|p: &[f64], g: &mut [f64]| native_rk4(p, steps, &mut states.borrow_mut(), g)),
        );
    }
    bench_workload(c, &rec, &mlp(), None);
    bench_workload(c, &rec, &mlp_weights(), None);
    for n in [30, 100] {
        bench_workload(c, &rec, &lennard_jones(n), Some(&native_lj));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = grad
}
criterion_main!(benches);
