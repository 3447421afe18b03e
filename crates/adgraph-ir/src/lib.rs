//! The adgraph intermediate representation: a hash-consing arena of nodes, functions
//! over it, the `.adg` text format, and a reference evaluator.
//!
//! A [`Graph`] stores every node once: building a node that exists returns its
//! [`NodeId`], so common subexpressions are shared as they are built. Operands always
//! precede their users, so every algorithm here is a loop over ids, never recursion.
//! A [`Function`] names inputs and outputs in a graph; several share one graph.
//! [`Graph::extend_indexed`] builds a batch of nodes through the same constructors,
//! fetching the memory of the nodes ahead while it builds, for large graphs.
//!
//! ```
//! use adgraph_ir::{dump, evaluate, Builder};
//! let b = Builder::new();
//! let (x, y) = (b.input("x"), b.input("y"));
//! let (g, f) = b.finish([("z", x * x + x * y + 2.0)])?;
//! assert_eq!(evaluate(&g, &f, &[3.0, 4.0])?, vec![23.0]);
//! assert_eq!(dump(&g, &f), "input x, y\nlet v0 = x * x\nlet v1 = x * y\nlet v2 = v0 + v1\noutput z = v2 + 2\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod batch;
mod builder;
mod dot;
mod error;
mod eval;
mod function;
mod graph;
mod id;
mod node;
pub mod op;
mod parse;
mod print;
mod simplify;
mod table;

pub use batch::{BatchArg, BatchNode, PREFETCH_AHEAD, PREFETCH_FROM};
pub use builder::{Builder, Expr, Operand};
pub use dot::to_dot;
pub use error::{EvalError, GraphError};
pub use eval::{evaluate, evaluate_nodes};
pub use function::{is_reserved, is_valid_name, Function, Output};
pub use graph::{FloatMode, Graph};
pub use id::NodeId;
pub use node::Node;
pub use op::{derivative, Calculus, Numbers, Op, Syntax};
pub use parse::{
    parse, parse_bytes, parse_expression, parse_into, scan_number, utf8, ParseError, ParseErrorKind,
};
pub use print::{dump, format_number};
