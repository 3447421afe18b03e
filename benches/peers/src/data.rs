//! The workloads' fixed data (MLP weights, the training sample, batch points), drawn
//! exactly as `adgraph-workloads` and `peers.py` draw them.
//!
//! The native and generic implementations need the MLP's constant weights as numbers,
//! and every system must see the same batch of points; both come from the workloads'
//! SplitMix64 generator with the same seeds, so the Rust and Python sides agree bit for
//! bit.

use adgraph_workloads::Rng;

/// Layer sizes of the MLP workloads (the same as `adgraph_workloads::MLP_LAYERS`).
pub const MLP_LAYERS: [usize; 4] = adgraph_workloads::MLP_LAYERS;
/// The regression target of the `mlp-weights` loss.
pub const MLP_TARGET: f64 = 0.5;
/// The RK4 step of the Van der Pol chain.
pub const VDP_STEP: f64 = 0.01;
/// Points per batch in the batched benches.
pub const BATCH: usize = 1000;

/// One dense layer's constants: `w` row-major (`w[j * n_in + i]`), then `b`.
#[derive(Clone, Debug)]
pub struct MlpLayer {
    /// Inputs of the layer.
    pub n_in: usize,
    /// Outputs of the layer.
    pub n_out: usize,
    /// Weights, row-major by output.
    pub w: Vec<f64>,
    /// Biases.
    pub b: Vec<f64>,
}

/// The MLP's layers as `adgraph_workloads::mlp` initializes them (Rng 42).
pub fn mlp_layers() -> Vec<MlpLayer> {
    let mut rng = Rng::new(42);
    MLP_LAYERS
        .windows(2)
        .map(|pair| {
            let (n_in, n_out) = (pair[0], pair[1]);
            let scale = 1.0 / (n_in as f64).sqrt();
            let w = (0..n_in * n_out).map(|_| rng.next_f64() * scale).collect();
            let b = (0..n_out).map(|_| rng.next_f64() * 0.1).collect();
            MlpLayer { n_in, n_out, w, b }
        })
        .collect()
}

/// The fixed training sample of `mlp-weights` (and the point of `mlp`): Rng 7.
pub fn mlp_sample() -> Vec<f64> {
    let mut rng = Rng::new(7);
    (0..MLP_LAYERS[0]).map(|_| rng.next_f64()).collect()
}

/// `count` points near `base`, `base + 0.01 r` with `r` from Rng 99 point by point
/// (the same points as `peers.py`'s `batch_points`), as one flat row-major vector.
pub fn batch_points(base: &[f64], count: usize) -> Vec<f64> {
    let mut rng = Rng::new(99);
    let mut out = Vec::with_capacity(base.len() * count);
    for _ in 0..count {
        for &b in base {
            out.push(b + 0.01 * rng.next_f64());
        }
    }
    out
}
