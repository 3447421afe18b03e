//! Symbolic differentiation: derivatives as graphs, in the same arena as the function.
//!
//! Every transform here builds new nodes into the function's own
//! [`Graph`](adgraph_ir::Graph) through its smart constructors, so a derivative shares
//! every subexpression it can with the function (and with other derivatives), can be
//! optimized, dumped as `.adg`, compiled, and differentiated again.
//!
//! - Two sweeps do all the work, each one loop over ids (no recursion): forward mode
//!   carries tangents ids ascending ([`jvp`]); reverse mode accumulates adjoints ids
//!   descending ([`vjp`], [`grad`]). Both apply the op table's one derivative rule,
//!   [`adgraph_ir::derivative`], read in the graph (see [`GraphCalculus`]).
//! - Symbolic zeros: a tangent or adjoint that is structurally zero is `None` and
//!   nothing is built for it, in either float mode; only results handed back become
//!   the constant `0`.
//! - Built from the sweeps: [`jacobian`] (forward or reverse by shape, or as asked),
//!   [`hessian`] (forward over reverse), [`hvp`] (without forming the Hessian),
//!   derivatives of any order by composition ([`derivative_function`]), and what the
//!   CLI prints ([`differentiate`], [`hessian_at`]).
//!
//! ```
//! use adgraph_diff::{differentiate, DiffOptions};
//! use adgraph_ir::{dump, parse};
//! let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
//! let (h, d) = differentiate(&g, &f, &DiffOptions::default())?;
//! assert_eq!(dump(&h, &d), "\
//! input x, y
//! let v0 = x * x
//! let v1 = x * y
//! let v2 = v0 + v1
//! let v3 = x * 2
//! output z = v2 + 2
//! output dz_dx = y + v3
//! output dz_dy = x
//! ");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod calculus;
mod compact;
mod derivative;
mod error;
mod forward;
mod jacobian;
mod reverse;
mod sweep;

pub use calculus::GraphCalculus;
pub use compact::compact;
pub use derivative::{
    derivative_function, differentiate, hessian_at, hessian_function, optimize, DiffOptions,
};
pub use error::DiffError;
pub use forward::jvp;
pub use jacobian::{hessian, hvp, jacobian, Mode};
pub use reverse::{grad, vjp};
pub use sweep::materialize;
