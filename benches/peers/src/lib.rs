//! adgraph against other AD systems: the workloads as native Rust, as echidna tapes
//! and as num-dual passes, beside adgraph's own evaluation and gradients.
//!
//! This package exists so the README's comparison is reproducible: the criterion
//! bench `benches/peers.rs` times every system on the same functions at the same
//! points in one run, and the `peers-table` binary turns criterion's medians (and the
//! CasADi/JAX figures of `results/peers.json`, written by `run.sh`) into the README's
//! tables. It is its own workspace, excluded from adgraph's, so CI never builds
//! echidna or num-dual.
//!
//! ```
//! let case = adgraph_peers::Case::all().into_iter().next().unwrap();
//! let mut g = vec![0.0; case.point().len()];
//! let f = case.native_grad(case.point(), &mut g, &mut Default::default());
//! assert!(f.is_finite());
//! ```
#![warn(missing_docs)]

pub mod adgraph_reverse;
pub mod adgraph_side;
pub mod cpu_time;
pub mod data;
pub mod error;
pub mod generic;
pub mod native;
pub mod peers;
pub mod table;

use adgraph_workloads::Workload;

use crate::data::MlpLayer;
use crate::generic::Real;
use crate::native::MlpScratch;

/// Which function a [`Case`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Chained Rosenbrock.
    Rosenbrock,
    /// The Van der Pol RK4 chain with this many steps.
    VanDerPol(usize),
    /// Lennard-Jones energy.
    LennardJones,
    /// The MLP with constant weights (inputs: the 16 activations).
    Mlp,
    /// The MLP loss with weights and biases as inputs.
    MlpWeights,
}

/// One benchmark case: the adgraph workload and what the other systems need to compute
/// the same function.
#[derive(Clone, Debug)]
pub struct Case {
    /// Which function.
    pub kind: Kind,
    /// The adgraph workload (graph, function, point); its name names the case.
    pub workload: Workload,
    /// Whether the case is also measured per point over a batch of [`data::BATCH`].
    pub batched: bool,
    layers: Vec<MlpLayer>,
    sample: Vec<f64>,
}

/// Reusable buffers of the native gradients.
#[derive(Clone, Debug, Default)]
pub struct NativeScratch {
    states: Vec<(f64, f64)>,
    mlp: MlpScratch,
}

impl Case {
    fn new(kind: Kind, workload: Workload, batched: bool) -> Case {
        Case {
            kind,
            workload,
            batched,
            layers: data::mlp_layers(),
            sample: data::mlp_sample(),
        }
    }

    /// The measured cases, in the README's order (the same as `peers.py`'s).
    pub fn all() -> Vec<Case> {
        use adgraph_workloads as w;
        vec![
            Case::new(Kind::Rosenbrock, w::rosenbrock(1000), true),
            Case::new(Kind::VanDerPol(1000), w::van_der_pol(1000), true),
            Case::new(Kind::VanDerPol(20000), w::van_der_pol(20000), false),
            Case::new(Kind::LennardJones, w::lennard_jones(30), true),
            Case::new(Kind::LennardJones, w::lennard_jones(100), false),
            Case::new(Kind::Mlp, w::mlp(), true),
            Case::new(Kind::MlpWeights, w::mlp_weights(), true),
        ]
    }

    /// The case's name (the workload's, e.g. `rosenbrock-1000`).
    pub fn name(&self) -> &str {
        &self.workload.name
    }

    /// The workload's point.
    pub fn point(&self) -> &[f64] {
        &self.workload.point
    }

    /// The function on any [`Real`] (f64, echidna's `BReverse`, num-dual's `Dual64`).
    pub fn generic<T: Real>(&self, x: &[T]) -> T {
        match self.kind {
            Kind::Rosenbrock => generic::rosenbrock(x),
            Kind::VanDerPol(steps) => generic::van_der_pol(x, steps),
            Kind::LennardJones => generic::lennard_jones(x),
            Kind::Mlp => generic::mlp(x, &self.layers),
            Kind::MlpWeights => generic::mlp_weights(x, &self.sample),
        }
    }

    /// The hand-written native value at `x`.
    pub fn native_f(&self, x: &[f64], scratch: &mut NativeScratch) -> f64 {
        match self.kind {
            Kind::VanDerPol(steps) => native::van_der_pol(x, steps),
            Kind::Mlp => native::mlp(&self.layers, x, &mut scratch.mlp),
            // The generic code at f64 is plain native arithmetic.
            _ => self.generic(x),
        }
    }

    /// The hand-written native value and gradient at `x` (gradient into `g`).
    pub fn native_grad(&self, x: &[f64], g: &mut [f64], scratch: &mut NativeScratch) -> f64 {
        match self.kind {
            Kind::Rosenbrock => native::rosenbrock_grad(x, g),
            Kind::VanDerPol(steps) => {
                let (f, grad) = native::van_der_pol_grad(x, steps, &mut scratch.states);
                g.copy_from_slice(&grad);
                f
            }
            Kind::LennardJones => native::lennard_jones_grad(x, g),
            Kind::Mlp => native::mlp_grad(&self.layers, x, g, &mut scratch.mlp),
            Kind::MlpWeights => {
                native::mlp_weights_grad(&self.layers, x, &self.sample, g, &mut scratch.mlp)
            }
        }
    }
}
