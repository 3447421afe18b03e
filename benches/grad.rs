//! Gradient benches: the reverse interpreter under checkpoint plans, against a forward
//! evaluation of the same program and against hand-written native adjoints.
//!
//! Run: `cargo bench --bench grad -- --warm-up-time 1 --measurement-time 3`.
//! Groups: `grad/<workload>` with `eval` (the forward interpreter, `Program`),
//! `eval-trace` (the reverse interpreter's forward sweep alone), `store-all`
//! (and `revolve-20` for the RK4 chain), `store-all-grad` (the same through `grad`,
//! without a caller's workspace), and `native` (hand-written value and gradient
//! in plain Rust) where one exists. Peak bytes (measured by the interpreter) are
//! printed once per workload to stderr.

use adgraph_exec::{Program, ReversePlan, ReverseWorkspace, Workspace};
use adgraph_remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph_workloads::{lennard_jones, mlp_weights, rosenbrock, van_der_pol, Workload};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

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

/// Van der Pol right-hand side and its transposed Jacobian-vector product.
fn vdp(mu: f64, x: f64, y: f64) -> (f64, f64) {
    (y, mu * (1.0 - x * x) * y - x)
}

/// `J(x, y)^T a` and the `mu` component.
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
        let k1 = vdp(mu, x, y);
        let k2 = vdp(mu, x + h / 2.0 * k1.0, y + h / 2.0 * k1.1);
        let k3 = vdp(mu, x + h / 2.0 * k2.0, y + h / 2.0 * k2.1);
        let k4 = vdp(mu, x + h * k3.0, y + h * k3.1);
        x += h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
        y += h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1);
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

fn bench_workload(
    c: &mut Criterion,
    w: &Workload,
    extra: &[Strategy],
    native: Option<&NativeGradient<'_>>,
) {
    let t = Trace::from_function(&w.graph, &w.function).unwrap();
    let costs = CostModel::default();
    let all = plan_checkpoints(&t, Strategy::StoreAll, &costs).unwrap();
    let r = ReversePlan::new(&t, &all).unwrap();
    let mut group = c.benchmark_group(format!("grad/{}", w.name));
    group.sample_size(20);
    // The forward interpreter (exec's `Program`), the baseline of the grad/eval ratio,
    // and the reverse interpreter's own forward sweep.
    let program = Program::compile(&w.graph, &w.function).unwrap();
    let mut ws = Workspace::new();
    let mut out = vec![0.0; program.output_count()];
    group.bench_function("eval", |b| {
        b.iter(|| {
            program
                .eval_with(&mut ws, black_box(&w.point), &mut out)
                .unwrap()
        })
    });
    group.bench_function("eval-trace", |b| {
        b.iter(|| r.eval(black_box(&w.point)).unwrap())
    });
    let g = r.grad(&w.point, 0).unwrap();
    eprintln!(
        "{}: {} instructions; store-all peak {} B",
        w.name,
        t.steps().len(),
        g.stats.peak_bytes
    );
    let mut rws = ReverseWorkspace::new();
    group.bench_function("store-all", |b| {
        b.iter(|| r.grad_with(&mut rws, black_box(&w.point), 0).unwrap())
    });
    // `grad` without a caller's workspace (what the peers bench and the CLI call).
    group.bench_function("store-all-grad", |b| {
        b.iter(|| r.grad(black_box(&w.point), 0).unwrap())
    });
    for &s in extra {
        let p = plan_checkpoints(&t, s, &costs).unwrap();
        let rp = ReversePlan::new(&t, &p).unwrap();
        let gs = rp.grad(&w.point, 0).unwrap();
        eprintln!(
            "{}: {s} peak {} B ({:.2}% of store-all), recomputed {} ops",
            w.name,
            gs.stats.peak_bytes,
            100.0 * gs.stats.peak_bytes as f64 / g.stats.peak_bytes as f64,
            gs.stats.recomputed_ops
        );
        group.bench_function(s.to_string().replace(':', "-"), |b| {
            b.iter(|| rp.grad_with(&mut rws, black_box(&w.point), 0).unwrap())
        });
    }
    if let Some(f) = native {
        // The baseline must compute the same gradient.
        let mut gn = vec![0.0; w.point.len()];
        let v = f(&w.point, &mut gn);
        assert!(
            (v - g.outputs[0]).abs() <= 1e-9 * (1.0 + v.abs()),
            "{}",
            w.name
        );
        for (a, b) in gn.iter().zip(&g.adjoints) {
            assert!(
                (a - b).abs() <= 1e-8 * (1.0 + a.abs()),
                "{}: {a} vs {b}",
                w.name
            );
        }
        group.bench_function("native", |b| b.iter(|| f(black_box(&w.point), &mut gn)));
    }
    group.finish();
}

fn grad(c: &mut Criterion) {
    bench_workload(c, &rosenbrock(1_000), &[], Some(&native_rosenbrock));
    bench_workload(c, &rosenbrock(100_000), &[], Some(&native_rosenbrock));
    let states = std::cell::RefCell::new(Vec::with_capacity(20_000));
    bench_workload(
        c,
        &van_der_pol(20_000),
        &[Strategy::Revolve(20)],
        Some(&|p: &[f64], g: &mut [f64]| native_rk4(p, 20_000, &mut states.borrow_mut(), g)),
    );
    bench_workload(c, &mlp_weights(), &[], None);
    bench_workload(c, &lennard_jones(100), &[], Some(&native_lj));
}

criterion_group!(benches, grad);
criterion_main!(benches);
