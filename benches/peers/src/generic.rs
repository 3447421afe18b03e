//! The workloads written once, generic over the number type, for the tape and dual peers.
//!
//! echidna records its bytecode tape by running Rust code on its `BReverse` type, and
//! num-dual differentiates by running it on `Dual64`; both need the workloads as Rust
//! functions rather than as adgraph graphs. [`Real`] is the small arithmetic interface
//! they share with `f64`, and each function below performs the same operations in the
//! same order as its builder in `adgraph-workloads` (a test checks the values agree
//! with adgraph's reference evaluator).

use std::ops::{Add, Div, Mul, Sub};

use echidna::BReverse;
use num_dual::{Dual64, DualNum};

use crate::data::{MlpLayer, MLP_LAYERS, MLP_TARGET, VDP_STEP};

/// The arithmetic the workloads use: the four operations, constants, `powi`, `tanh`.
pub trait Real:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// A constant (no derivative).
    fn constant(value: f64) -> Self;
    /// `self` to the integer power `n`.
    fn powi(self, n: i32) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
}

impl Real for f64 {
    fn constant(value: f64) -> Self {
        value
    }
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
}

impl Real for BReverse<f64> {
    fn constant(value: f64) -> Self {
        BReverse::constant(value)
    }
    fn powi(self, n: i32) -> Self {
        num_traits::Float::powi(self, n)
    }
    fn tanh(self) -> Self {
        num_traits::Float::tanh(self)
    }
}

impl Real for Dual64 {
    fn constant(value: f64) -> Self {
        Dual64::from_re(value)
    }
    fn powi(self, n: i32) -> Self {
        DualNum::powi(&self, n)
    }
    fn tanh(self) -> Self {
        DualNum::tanh(&self)
    }
}

/// Sums left to right, as the workloads do.
fn sum<T: Real>(terms: impl Iterator<Item = T>) -> T {
    let mut acc: Option<T> = None;
    for t in terms {
        acc = Some(match acc {
            None => t,
            Some(a) => a + t,
        });
    }
    acc.unwrap_or_else(|| T::constant(0.0))
}

/// Chained Rosenbrock: `sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2`.
pub fn rosenbrock<T: Real>(x: &[T]) -> T {
    sum(x.windows(2).map(|w| {
        let d = w[1] - w[0].powi(2);
        let e = T::constant(1.0) - w[0];
        T::constant(100.0) * d.powi(2) + e.powi(2)
    }))
}

/// The Van der Pol right-hand side `(y, mu (1 - x^2) y - x)`.
fn vdp_rhs<T: Real>(mu: T, x: T, y: T) -> (T, T) {
    (y, mu * (T::constant(1.0) - x * x) * y - x)
}

/// One explicit RK4 step of the Van der Pol oscillator with step [`VDP_STEP`].
pub fn vdp_step<T: Real>(mu: T, x: T, y: T) -> (T, T) {
    let h = VDP_STEP;
    let c = T::constant;
    let (k1x, k1y) = vdp_rhs(mu, x, y);
    let (k2x, k2y) = vdp_rhs(mu, x + c(h / 2.0) * k1x, y + c(h / 2.0) * k1y);
    let (k3x, k3y) = vdp_rhs(mu, x + c(h / 2.0) * k2x, y + c(h / 2.0) * k2y);
    let (k4x, k4y) = vdp_rhs(mu, x + c(h) * k3x, y + c(h) * k3y);
    (
        x + c(h / 6.0) * (k1x + c(2.0) * k2x + c(2.0) * k3x + k4x),
        y + c(h / 6.0) * (k1y + c(2.0) * k2y + c(2.0) * k3y + k4y),
    )
}

/// The RK4 chain: inputs `[x0, y0, mu]`, `steps` steps, output the final `x`.
pub fn van_der_pol<T: Real>(p: &[T], steps: usize) -> T {
    let (mut x, mut y, mu) = (p[0], p[1], p[2]);
    for _ in 0..steps {
        (x, y) = vdp_step(mu, x, y);
    }
    x
}

/// Lennard-Jones energy `sum_{i<j} 4 (s^6 - s^3)`, `s = 1 / r^2`; `p = [x0, y0, z0, ...]`.
pub fn lennard_jones<T: Real>(p: &[T]) -> T {
    let n = p.len() / 3;
    sum((0..n).flat_map(|i| {
        (i + 1..n).map(move |j| {
            let dx = p[3 * i] - p[3 * j];
            let dy = p[3 * i + 1] - p[3 * j + 1];
            let dz = p[3 * i + 2] - p[3 * j + 2];
            let s = T::constant(1.0) / (dx * dx + dy * dy + dz * dz);
            let s3 = s.powi(3);
            T::constant(4.0) * (s3 * s3 - s3)
        })
    }))
}

/// One dense layer `act(W a + b)`, the accumulation order of the workloads.
fn dense<T: Real>(
    a: &[T],
    w: impl Fn(usize, usize) -> T,
    b: impl Fn(usize) -> T,
    n_out: usize,
    last: bool,
) -> Vec<T> {
    (0..n_out)
        .map(|j| {
            let mut acc = b(j);
            for (i, &ai) in a.iter().enumerate() {
                acc = acc + w(j, i) * ai;
            }
            if last {
                acc
            } else {
                acc.tanh()
            }
        })
        .collect()
}

/// The MLP with constant weights `layers`; input the 16 activations, output `y`.
pub fn mlp<T: Real>(a: &[T], layers: &[MlpLayer]) -> T {
    let mut a = a.to_vec();
    for (l, layer) in layers.iter().enumerate() {
        let n_in = layer.n_in;
        a = dense(
            &a,
            |j, i| T::constant(layer.w[j * n_in + i]),
            |j| T::constant(layer.b[j]),
            layer.n_out,
            l + 1 == layers.len(),
        );
    }
    a[0]
}

/// The MLP with weights and biases as inputs (per layer `W` row-major then `b`) on the
/// fixed `sample`; output the squared error against [`MLP_TARGET`].
pub fn mlp_weights<T: Real>(theta: &[T], sample: &[f64]) -> T {
    let mut a: Vec<T> = sample.iter().map(|&v| T::constant(v)).collect();
    let mut offset = 0;
    let layers = MLP_LAYERS.len() - 1;
    for l in 0..layers {
        let (n_in, n_out) = (MLP_LAYERS[l], MLP_LAYERS[l + 1]);
        let w = &theta[offset..offset + n_in * n_out];
        let b = &theta[offset + n_in * n_out..offset + n_in * n_out + n_out];
        offset += n_in * n_out + n_out;
        a = dense(&a, |j, i| w[j * n_in + i], |j| b[j], n_out, l + 1 == layers);
    }
    (a[0] - T::constant(MLP_TARGET)).powi(2)
}
