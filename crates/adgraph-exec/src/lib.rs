//! Compiled programs and the interpreters that run them.
//!
//! [`Program::compile`] turns a [`Function`](adgraph_ir::Function) of a
//! [`Graph`](adgraph_ir::Graph) into a flat list of instructions over slots reused by
//! liveness, with constants pooled. The forward interpreter then evaluates it: values
//! at one point ([`Program::eval`]), values with `k` tangent directions in one sweep
//! ([`Program::jvp_multi`], vector forward mode), whole Jacobians in chunks of
//! directions ([`Program::jacobian`]), and many points at once, each instruction over
//! a lane of points, split across threads with rayon ([`Program::eval_batch`]).
//!
//! Every result is bit-identical to the reference evaluator
//! [`adgraph_ir::evaluate`], and every tangent follows the one derivative rule
//! [`adgraph_ir::derivative`] ([`tangent_by_rule`] is that rule read in forward mode),
//! whatever the batch size or thread count.
//!
//! The reverse interpreter ([`ReversePlan`]) carries out a checkpoint plan of
//! `adgraph-remat` over a program's trace and measures what it holds: gradients by
//! [`gradient`], vector-Jacobian products with [`Stats`] of forward, recomputed and
//! backward ops and peak bytes.
//!
//! ```
//! use adgraph_exec::Program;
//! let (g, f) = adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2")?;
//! let p = Program::compile(&g, &f)?;            // errors as values (ExecError)
//! assert_eq!(p.eval(&[3.0, 4.0])?, vec![23.0]);   // one point
//! let t = p.jvp(&[3.0, 4.0], &[1.0, 0.0])?;     // outputs and tangents along (1, 0)
//! assert_eq!((t.outputs[0], t.tangent(0, 0)), (23.0, 10.0));
//! let two = p.jvp_multi(&[3.0, 4.0], &[1.0, 0.0, 0.0, 1.0], 2)?; // 2 directions, 1 sweep
//! assert_eq!(two.tangents, vec![10.0, 3.0]);
//! assert_eq!(p.jacobian(&[3.0, 4.0])?.row(0), &[10.0, 3.0]);   // forward mode, in chunks
//! // Many points (rows of inputs) -> rows of outputs, split across the rayon pool's
//! // threads; `pool.install(|| ...)` picks the thread count.
//! assert_eq!(p.eval_batch(&[3.0, 4.0, 0.0, 0.0, 1.0, 1.0])?, vec![23.0, 2.0, 4.0]);
//! println!("{} instructions, {} slots\n{p}", p.instruction_count(), p.slot_count());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod batch;
mod code;
mod error;
mod forward;
mod layout;
mod native;
mod program;
mod reverse;
mod reverse_code;
mod reverse_error;
mod reverse_kernels;
mod reverse_schedule;
mod reverse_stack;
mod tangent;

pub use batch::BATCH_WIDTH;
pub use error::ExecError;
pub use forward::Workspace;
pub use native::Native;
pub use program::{Instruction, Program, ValueId, ValueKind};
pub use reverse::{gradient, time_frontier, BatchVjp, ReversePlan, ReverseWorkspace, Stats, Vjp};
pub use reverse_error::ReverseError;
pub use reverse_kernels::LANES;
pub use tangent::{tangent_by_rule, tangent_skipping_zeros, Jacobian, Jvp};
