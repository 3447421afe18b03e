//! adgraph-exec: compiled programs and the interpreters that run them.
//!
//! The reverse interpreter ([`ReversePlan`]) carries out a checkpoint plan of
//! `adgraph-remat` over a program's trace and measures what it holds.
#![warn(missing_docs)]

mod reverse;
mod reverse_arena;
mod reverse_error;
mod reverse_kernels;

pub use reverse::{gradient, time_frontier, BatchVjp, ReversePlan, Stats, Vjp};
pub use reverse_error::ReverseError;
pub use reverse_kernels::LANES;
