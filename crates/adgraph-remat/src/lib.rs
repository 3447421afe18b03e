//! Checkpoint plans for the reverse sweep: which values are kept, which recomputed.
//!
//! The reverse sweep needs primal values (an instruction's operands, sometimes its
//! result) in the reverse of the order they were computed. Keeping them all costs
//! memory proportional to the program; recomputing them costs time. This crate
//! decides: it plans over a [`Trace`] (the program's instructions with their liveness)
//! and gives a [`Plan`]: segments, a schedule of [`Action`]s, and the predicted peak
//! bytes and recomputation. `adgraph-exec` carries a plan out and measures the same
//! numbers.
//!
//! Strategies ([`Strategy`]): `StoreAll`, `RecomputeAll`, `Periodic(k)`,
//! `Revolve(s)` (binomial checkpointing, Griewank and Walther), and `Budget(bytes)`
//! (least recomputation whose peak fits). [`pareto`] sweeps them all.
//!
//! ```
//! use adgraph_remat::{plan_checkpoints, CostModel, Strategy, Trace};
//! let w = adgraph_workloads::seed();
//! let t = Trace::from_function(&w.graph, &w.function)?;
//! let p = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default())?;
//! assert_eq!(p.prediction().forward_ops, 4);
//! assert_eq!(p.prediction().recomputed_ops, 0);
//! assert!(p.to_string().starts_with("plan store-all"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod budget;
mod cost;
mod error;
pub mod optimal;
mod pareto;
pub mod plan;
pub mod schedule;
mod trace;

pub use budget::{candidate_plans, candidates, ladder};
pub use cost::CostModel;
pub use error::RematError;
pub use pareto::{pareto, Frontier, FrontierPoint};
pub use plan::{
    format_bytes, parse_bytes, plan_checkpoints, segment_tape, tapes, Plan, Prediction, Strategy,
};
pub use schedule::{binomial_optimum, Action};
pub use trace::{
    backward_needs, operand_needs, Source, Step, Trace, NEEDS_RESULT, NO_SLOT, VALUE_BYTES,
};
