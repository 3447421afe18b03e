//! Hand-written native Rust: each workload's value and its gradient by a hand-derived
//! reverse sweep. These are the baselines every AD system is measured against.
//!
//! The functions compute exactly the workloads of `adgraph-workloads` (tests check the
//! values against adgraph's reference evaluator and the gradients against central
//! finite differences). They allocate nothing per call except where a scratch buffer
//! is passed in, so they are the floor of what an interpreter or tape can reach.

use crate::data::{MlpLayer, MLP_TARGET, VDP_STEP};

/// Rosenbrock's value, and its gradient written into `g` (`g.len() == x.len()`).
pub fn rosenbrock_grad(x: &[f64], g: &mut [f64]) -> f64 {
    g.iter_mut().for_each(|v| *v = 0.0);
    let mut f = 0.0;
    for i in 0..x.len().saturating_sub(1) {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        f += 100.0 * d * d + e * e;
        g[i] += -400.0 * d * x[i] - 2.0 * e;
        g[i + 1] += 200.0 * d;
    }
    f
}

/// The Van der Pol right-hand side's adjoint at `(x, y)`: given the cotangents of
/// `(fx, fy)`, the cotangents of `(x, y)` and the contribution to `mu`'s.
#[inline]
fn vdp_rhs_adjoint(mu: f64, x: f64, y: f64, fxb: f64, fyb: f64) -> (f64, f64, f64) {
    let xb = fyb * (-2.0 * mu * x * y - 1.0);
    let yb = fxb + fyb * mu * (1.0 - x * x);
    let mub = fyb * (1.0 - x * x) * y;
    (xb, yb, mub)
}

#[inline]
fn vdp_rhs(mu: f64, x: f64, y: f64) -> (f64, f64) {
    (y, mu * (1.0 - x * x) * y - x)
}

/// A point or slope of the plane `(x, y)`.
type Pair = (f64, f64);

/// The RK4 step's stage points `s1..s4` and stage slopes `k1..k4` at `(x, y)`.
#[inline]
fn vdp_stages(mu: f64, x: f64, y: f64) -> ([Pair; 4], [Pair; 4]) {
    let h = VDP_STEP;
    let s1 = (x, y);
    let k1 = vdp_rhs(mu, s1.0, s1.1);
    let s2 = (x + h / 2.0 * k1.0, y + h / 2.0 * k1.1);
    let k2 = vdp_rhs(mu, s2.0, s2.1);
    let s3 = (x + h / 2.0 * k2.0, y + h / 2.0 * k2.1);
    let k3 = vdp_rhs(mu, s3.0, s3.1);
    let s4 = (x + h * k3.0, y + h * k3.1);
    let k4 = vdp_rhs(mu, s4.0, s4.1);
    ([s1, s2, s3, s4], [k1, k2, k3, k4])
}

/// One RK4 step forward.
#[inline]
fn vdp_forward(mu: f64, x: f64, y: f64) -> (f64, f64) {
    let h = VDP_STEP;
    let (_, [k1, k2, k3, k4]) = vdp_stages(mu, x, y);
    (
        x + h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0),
        y + h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1),
    )
}

/// The RK4 chain's final `x` from `p = [x0, y0, mu]`.
pub fn van_der_pol(p: &[f64], steps: usize) -> f64 {
    let (mut x, mut y) = (p[0], p[1]);
    for _ in 0..steps {
        (x, y) = vdp_forward(p[2], x, y);
    }
    x
}

/// The RK4 chain's final `x` and its gradient with respect to `[x0, y0, mu]` by the
/// adjoint method: the forward sweep stores each step's state in `states` (reused),
/// the backward sweep recomputes a step's stages from its state and runs their
/// adjoints.
pub fn van_der_pol_grad(p: &[f64], steps: usize, states: &mut Vec<(f64, f64)>) -> (f64, [f64; 3]) {
    let h = VDP_STEP;
    let mu = p[2];
    states.clear();
    let (mut x, mut y) = (p[0], p[1]);
    for _ in 0..steps {
        states.push((x, y));
        (x, y) = vdp_forward(mu, x, y);
    }
    let value = x;
    let (mut xb, mut yb, mut mub) = (1.0, 0.0, 0.0);
    for &(x, y) in states.iter().rev() {
        let (s, _) = vdp_stages(mu, x, y);
        let mut kb = [
            (h / 6.0 * xb, h / 6.0 * yb),
            (h / 3.0 * xb, h / 3.0 * yb),
            (h / 3.0 * xb, h / 3.0 * yb),
            (h / 6.0 * xb, h / 6.0 * yb),
        ];
        // Stage c reads s_c = (x, y) + step_c * k_{c-1}: walk the stages backwards.
        let step_of = [0.0, h / 2.0, h / 2.0, h];
        for c in (0..4).rev() {
            let (sxb, syb, m) = vdp_rhs_adjoint(mu, s[c].0, s[c].1, kb[c].0, kb[c].1);
            mub += m;
            xb += sxb;
            yb += syb;
            if c > 0 {
                kb[c - 1].0 += step_of[c] * sxb;
                kb[c - 1].1 += step_of[c] * syb;
            }
        }
    }
    (value, [xb, yb, mub])
}

/// Lennard-Jones energy, and its gradient written into `g`.
pub fn lennard_jones_grad(p: &[f64], g: &mut [f64]) -> f64 {
    g.iter_mut().for_each(|v| *v = 0.0);
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
            // de/dr2 = 4 (2 s3 - 1) ds3/dr2 and ds3/dr2 = -3 s^4.
            let de_dr2 = 4.0 * (2.0 * s3 - 1.0) * (-3.0 * s3 * s);
            for k in 0..3 {
                let c = de_dr2 * 2.0 * d[k];
                g[3 * i + k] += c;
                g[3 * j + k] -= c;
            }
        }
    }
    e
}

/// Scratch space for the MLP's forward and backward sweeps (activations per layer).
#[derive(Clone, Debug, Default)]
pub struct MlpScratch {
    activations: Vec<Vec<f64>>,
    cotangent: Vec<f64>,
    next: Vec<f64>,
}

/// The MLP forward sweep keeping each layer's activations in `scratch`; weights and
/// biases read through `w(l, j, i)` and `b(l, j)`. Returns the output.
fn mlp_forward(
    layers: &[MlpLayer],
    input: &[f64],
    w: impl Fn(usize, usize, usize) -> f64,
    b: impl Fn(usize, usize) -> f64,
    scratch: &mut MlpScratch,
) -> f64 {
    scratch.activations.resize(layers.len() + 1, Vec::new());
    scratch.activations[0].clear();
    scratch.activations[0].extend_from_slice(input);
    for (l, layer) in layers.iter().enumerate() {
        let (done, rest) = scratch.activations.split_at_mut(l + 1);
        let (a, out) = (&done[l], &mut rest[0]);
        out.clear();
        for j in 0..layer.n_out {
            let mut acc = b(l, j);
            for (i, &ai) in a.iter().enumerate() {
                acc += w(l, j, i) * ai;
            }
            out.push(if l + 1 == layers.len() {
                acc
            } else {
                acc.tanh()
            });
        }
    }
    scratch.activations[layers.len()][0]
}

/// The MLP backward sweep from the output cotangent `yb`: calls `on_parameter(l, j,
/// Some(i), cotangent)` per weight and `on_parameter(l, j, None, cotangent)` per bias;
/// the input cotangents are left in `scratch.cotangent`.
fn mlp_backward(
    layers: &[MlpLayer],
    yb: f64,
    w: impl Fn(usize, usize, usize) -> f64,
    mut on_parameter: impl FnMut(usize, usize, Option<usize>, f64),
    scratch: &mut MlpScratch,
) {
    scratch.cotangent.clear();
    scratch.cotangent.push(yb);
    for l in (0..layers.len()).rev() {
        let layer = &layers[l];
        let (a, out) = (&scratch.activations[l], &scratch.activations[l + 1]);
        scratch.next.clear();
        scratch.next.resize(layer.n_in, 0.0);
        for (j, (&cotangent, &out_j)) in scratch.cotangent.iter().zip(out).enumerate() {
            // Hidden layers: through tanh, d tanh = 1 - tanh^2.
            let zb = if l + 1 == layers.len() {
                cotangent
            } else {
                cotangent * (1.0 - out_j * out_j)
            };
            on_parameter(l, j, None, zb);
            for (i, (&ai, next)) in a.iter().zip(scratch.next.iter_mut()).enumerate() {
                on_parameter(l, j, Some(i), zb * ai);
                *next += w(l, j, i) * zb;
            }
        }
        std::mem::swap(&mut scratch.cotangent, &mut scratch.next);
    }
}

/// The MLP with constant weights: its output at `a`.
pub fn mlp(layers: &[MlpLayer], a: &[f64], scratch: &mut MlpScratch) -> f64 {
    mlp_forward(
        layers,
        a,
        |l, j, i| layers[l].w[j * layers[l].n_in + i],
        |l, j| layers[l].b[j],
        scratch,
    )
}

/// The MLP with constant weights: its output and its gradient with respect to the
/// input activations `a`, written into `g`.
pub fn mlp_grad(layers: &[MlpLayer], a: &[f64], g: &mut [f64], scratch: &mut MlpScratch) -> f64 {
    let w = |l: usize, j: usize, i: usize| layers[l].w[j * layers[l].n_in + i];
    let y = mlp_forward(layers, a, w, |l, j| layers[l].b[j], scratch);
    mlp_backward(layers, 1.0, w, |_, _, _, _| {}, scratch);
    g.copy_from_slice(&scratch.cotangent);
    y
}

/// Offsets of each layer's weights in the `mlp-weights` parameter vector.
fn weight_offsets(layers: &[MlpLayer]) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(layers.len());
    let mut offset = 0;
    for layer in layers {
        offsets.push(offset);
        offset += layer.n_in * layer.n_out + layer.n_out;
    }
    offsets
}

/// The `mlp-weights` loss at parameters `theta` (per layer `W` row-major, then `b`) on
/// the fixed `sample`, and its gradient with respect to `theta` written into `g`.
/// `layers` gives only the shapes.
pub fn mlp_weights_grad(
    layers: &[MlpLayer],
    theta: &[f64],
    sample: &[f64],
    g: &mut [f64],
    scratch: &mut MlpScratch,
) -> f64 {
    let offsets = weight_offsets(layers);
    let w = |l: usize, j: usize, i: usize| theta[offsets[l] + j * layers[l].n_in + i];
    let b = |l: usize, j: usize| theta[offsets[l] + layers[l].n_in * layers[l].n_out + j];
    let y = mlp_forward(layers, sample, w, b, scratch);
    let loss = (y - MLP_TARGET) * (y - MLP_TARGET);
    mlp_backward(
        layers,
        2.0 * (y - MLP_TARGET),
        w,
        |l, j, i, c| {
            let n_in = layers[l].n_in;
            match i {
                Some(i) => g[offsets[l] + j * n_in + i] = c,
                None => g[offsets[l] + n_in * layers[l].n_out + j] = c,
            }
        },
        scratch,
    );
    loss
}
