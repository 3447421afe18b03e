//! Optimizing passes over adgraph functions: constant folding, algebraic
//! simplification, common-subexpression and dead-node elimination, and a pipeline
//! that runs them to a fixed point and reports what each did.
//!
//! Every pass rebuilds: it maps old ids to new ones while building into a fresh
//! [`Graph`](adgraph_ir::Graph) through the smart constructors, which fold constants,
//! apply the local rewrites of a [`FloatMode`](adgraph_ir::FloatMode) and hash-cons.
//! So a pass never edits a graph in place, and each is one loop over ids in
//! topological order (no recursion, whatever the depth of the graph).
//!
//! | pass | function | what it does |
//! | --- | --- | --- |
//! | `fold` | [`fold_constants`] | rebuilds every node in the target mode: folding and local rewrites |
//! | `simplify` | [`simplify()`] | Fast only: collects sums and products across nodes (like terms, powers, constants) |
//! | `cse` | [`eliminate_common_subexpressions`] | rebuilds every node into one arena: nodes that became equal merge, across all functions |
//! | `dce` | [`eliminate_dead_nodes`] | rebuilds only what the outputs reach |
//!
//! Modes: [`FloatMode::Strict`](adgraph_ir::FloatMode::Strict) keeps every output
//! bit-identical for every input (NaN, infinities, `-0.0`, subnormals);
//! [`FloatMode::Fast`](adgraph_ir::FloatMode::Fast) uses identities of real
//! arithmetic, which change results outside finite arithmetic (`x * 0` is 0 even for
//! `x = inf`) and change rounding (re-association).
//!
//! ```
//! use adgraph_ir::{dump, parse, FloatMode};
//! let (g, f) = parse("input x, y\noutput z = x*y + y*x + 0*x")?;
//! let (r, report) = adgraph_opt::optimize(&g, &[f], FloatMode::Fast)?;
//! assert_eq!(dump(&r.graph, &r.functions[0]), "input x, y\nlet v0 = x * y\noutput z = v0 * 2\n");
//! eprintln!("{report}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod cse;
mod dce;
mod error;
mod fold;
mod pipeline;
mod rebuild;
mod report;
pub mod simplify;

/// The float mode the passes build in (re-exported from `adgraph-ir`).
pub use adgraph_ir::FloatMode;
pub use cse::eliminate_common_subexpressions;
pub use dce::eliminate_dead_nodes;
pub use error::OptError;
pub use fold::fold_constants;
pub use pipeline::{op_count, optimize, Pass, Pipeline};
pub use rebuild::Optimized;
pub use report::{Report, Step};
pub use simplify::simplify;
