//! What several benches share (`#[path]`-included): the workloads at two sizes each,
//! and the hand-written Van der Pol RK4 step the native baselines are built from.

#![allow(dead_code)] // each bench uses part of this

use adgraph_workloads::{lennard_jones, mlp, mlp_weights, rosenbrock, van_der_pol, Workload};

/// The workloads, each at two sizes (the MLP at its one size, with constant weights
/// and with weights as inputs).
pub fn two_sizes() -> Vec<Workload> {
    vec![
        rosenbrock(1000),
        rosenbrock(100_000),
        van_der_pol(1000),
        van_der_pol(20_000),
        lennard_jones(30),
        lennard_jones(100),
        mlp(),
        mlp_weights(),
    ]
}

/// The Van der Pol right-hand side.
pub fn vdp(mu: f64, x: f64, y: f64) -> (f64, f64) {
    (y, mu * (1.0 - x * x) * y - x)
}

/// One explicit RK4 step of size `h` from `(x, y)`, as the workload builds it.
pub fn rk4_step(mu: f64, h: f64, x: f64, y: f64) -> (f64, f64) {
    let k1 = vdp(mu, x, y);
    let k2 = vdp(mu, x + h / 2.0 * k1.0, y + h / 2.0 * k1.1);
    let k3 = vdp(mu, x + h / 2.0 * k2.0, y + h / 2.0 * k2.1);
    let k4 = vdp(mu, x + h * k3.0, y + h * k3.1);
    (
        x + h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0),
        y + h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1),
    )
}
