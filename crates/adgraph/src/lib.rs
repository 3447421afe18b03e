//! adgraph: automatic differentiation on a hash-consed, arena-based graph IR.
//!
//! A function is built once, from Rust ([`Builder`]) or from `.adg` text ([`parse`]),
//! into a [`Graph`] where equal expressions are one node. Passes ([`opt`]) fold
//! constants, simplify, and eliminate common subexpressions and dead code.
//! Derivatives come two ways:
//!
//! - **interpreters** over a compiled [`Program`]: forward mode carries tangents
//!   ([`Program::jvp`]), reverse mode carries adjoints under a checkpoint plan
//!   ([`exec::ReversePlan`], plans from [`remat`]) and reports what it held and
//!   recomputed;
//! - **graph-to-graph transforms** ([`diff`]) that build derivative graphs into the
//!   same arena, so derivatives share nodes with the function, can be optimized,
//!   dumped, compiled and differentiated again.
//!
//! [`check::gradients`] compares all of them with each other and with finite
//! differences.
//!
//! # A tour
//!
//! The same tour as the guide (`docs/guide.md` in the repository, whose examples are
//! `cargo run --example seed_modes`, `newton`, `mlp_descent`, `rk4_sensitivity` and
//! `modes_table`), in brief: the seed `z = x*x + x*y + 2` built two ways; forward mode,
//! one sweep per input direction; reverse mode, the whole gradient in one sweep; the
//! gradient as a graph; and a checkpoint plan that trades memory for recomputation on
//! a long chain.
//!
//! ```
//! use adgraph::{dump, evaluate, parse, Builder, Program};
//! use adgraph::remat::{plan_checkpoints, CostModel, Strategy, Trace};
//!
//! // Build z = x*x + x*y + 2 from Rust; the same function as .adg text.
//! let b = Builder::new();
//! let (x, y) = (b.input("x"), b.input("y"));
//! let (g, f) = b.finish([("z", x * x + x * y + 2.0)])?;
//! let (g2, f2) = parse("input x, y\nlet u = x * x\noutput z = u + x * y + 2")?;
//! assert_eq!(dump(&g, &f), dump(&g2, &f2));
//!
//! // Compile and run: values, and a tangent (forward mode).
//! let p = Program::compile(&g, &f)?;
//! assert_eq!(p.eval(&[3.0, 4.0])?, vec![23.0]);
//! assert_eq!(p.jvp(&[3.0, 4.0], &[1.0, 0.0])?.tangent(0, 0), 10.0);
//!
//! // Reverse mode under a checkpoint plan: the whole gradient in one sweep.
//! let trace = Trace::from_function(&g, &f)?;
//! let plan = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default())?;
//! let r = adgraph::exec::ReversePlan::new(&trace, &plan)?.grad(&[3.0, 4.0], 0)?;
//! assert_eq!(r.adjoints, vec![10.0, 3.0]);
//! assert_eq!(r.stats.peak_bytes, plan.prediction().peak_bytes);
//!
//! // Symbolic: the gradient as a graph in the same arena, printed as .adg.
//! let (h, d) = adgraph::diff::differentiate(&g, &f, &Default::default())?;
//! assert!(dump(&h, &d).ends_with("output dz_dx = y + v3\noutput dz_dy = x\n"));
//!
//! // Forward mode costs a sweep per input: the two sweeps agree with the one reverse
//! // sweep and with the graph.
//! let by_columns: Vec<f64> = [[1.0, 0.0], [0.0, 1.0]]
//!     .iter()
//!     .map(|dir| Ok(p.jvp(&[3.0, 4.0], dir)?.tangent(0, 0)))
//!     .collect::<Result<_, adgraph::Error>>()?;
//! assert_eq!(by_columns, r.adjoints);
//! assert_eq!(evaluate(&h, &d, &[3.0, 4.0])?, vec![23.0, 10.0, 3.0]);
//!
//! // Memory against recomputation: 100 RK4 steps of Van der Pol under a budget of
//! // 2 KiB per point instead of storing every value; the same gradient.
//! let w = adgraph::workloads::van_der_pol(100);
//! let trace = Trace::from_function(&w.graph, &w.function)?;
//! let all = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default())?;
//! let tight = plan_checkpoints(&trace, Strategy::Budget(2048), &CostModel::default())?;
//! let full = adgraph::exec::ReversePlan::new(&trace, &all)?.grad(&w.point, 0)?;
//! let lean = adgraph::exec::ReversePlan::new(&trace, &tight)?.grad(&w.point, 0)?;
//! assert!(lean.stats.peak_bytes <= 2048 && full.stats.peak_bytes > 2048);
//! assert!(lean.stats.recomputed_ops > 0);
//! assert_eq!(lean.adjoints, full.adjoints);
//! # Ok::<(), adgraph::Error>(())
//! ```
#![warn(missing_docs)]

pub mod check;
mod error;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

pub use error::Error;

pub use adgraph_exec::{Native, Program};
pub use adgraph_ir::{
    dump, evaluate, parse, parse_expression, to_dot, Builder, Expr, FloatMode, Function, Graph,
    Node, NodeId, Op,
};

/// The IR: nodes, the arena, functions, the `.adg` parser and printer.
pub use adgraph_ir as ir;

/// Optimizing passes and the pipeline.
pub use adgraph_opt as opt;

/// Symbolic differentiation: derivative graphs in the same arena.
pub use adgraph_diff as diff;

/// Compiled programs, the forward and reverse interpreters.
pub use adgraph_exec as exec;

/// Checkpoint plans for reverse mode.
pub use adgraph_remat as remat;

/// The standard workloads used by tests, benches and examples.
pub use adgraph_workloads as workloads;
