//! adgraph itself on a [`Case`], the way a user runs it: optimize the function
//! (strict mode, bit-exact), compile it to a `Program`, evaluate with a reused
//! workspace; batches through the batched interpreter on the calling thread. The
//! symbolic gradient is `adgraph_diff::grad` (f and its gradient as one function in
//! the same arena), optimized the same way and compiled to a second `Program`.
//!
//! The native rows run the same two programs translated to machine code
//! (`Program::native`): the function, and its compiled symbolic gradient.
//!
//! Everything is prepared once in [`Adgraph::new`] (differentiating, optimizing,
//! compiling), so the benches time only evaluation, as they do for echidna's recorded
//! tape and CasADi's `Function`.

use adgraph_exec::{Native, Program, Workspace};
use adgraph_ir::FloatMode;

use crate::error::PeersError;
use crate::Case;

/// adgraph prepared for one case: the compiled programs of the function and of its
/// symbolic gradient.
#[derive(Debug)]
pub struct Adgraph {
    program: Program,
    gradient: Program,
    native: Native,
    native_gradient: Native,
    workspace: Workspace,
    outputs: Vec<f64>,
    gradient_outputs: Vec<f64>,
    /// Operation nodes of the function after the strict pipeline.
    pub ops: usize,
    /// Operation nodes of [f, grad f] after the strict pipeline.
    pub gradient_ops: usize,
}

/// Optimizes `function` of `graph` (strict pipeline) and compiles it; also returns its
/// operation count after the passes.
fn compile(
    graph: &adgraph_ir::Graph,
    function: &adgraph_ir::Function,
) -> Result<(Program, usize), PeersError> {
    let (optimized, _) =
        adgraph_opt::optimize(graph, std::slice::from_ref(function), FloatMode::Strict)?;
    let ops = adgraph_opt::op_count(&optimized);
    let function = optimized.functions.first().ok_or(PeersError::NoFunction)?;
    Ok((Program::compile(&optimized.graph, function)?, ops))
}

impl Adgraph {
    /// Optimizes (strict) and compiles the case's function, and builds, optimizes and
    /// compiles its symbolic gradient.
    pub fn new(case: &Case) -> Result<Adgraph, PeersError> {
        let w = &case.workload;
        let (program, ops) = compile(&w.graph, &w.function)?;
        let mut graph = w.graph.clone();
        let with_gradient = adgraph_diff::grad(&mut graph, &w.function, None)?;
        let (gradient, gradient_ops) = compile(&graph, &with_gradient)?;
        Ok(Adgraph {
            native: program.native()?,
            native_gradient: gradient.native()?,
            outputs: vec![0.0; program.output_count()],
            gradient_outputs: vec![0.0; gradient.output_count()],
            program,
            gradient,
            workspace: Workspace::new(),
            ops,
            gradient_ops,
        })
    }

    /// The value and gradient at `x` from the compiled symbolic gradient: output 0 is
    /// f, then one output per input.
    pub fn symbolic_grad(&mut self, x: &[f64]) -> Result<&[f64], PeersError> {
        self.gradient
            .eval_with(&mut self.workspace, x, &mut self.gradient_outputs)?;
        Ok(&self.gradient_outputs)
    }

    /// The value and gradient at `x` from the compiled symbolic gradient's native code.
    pub fn native_grad(&mut self, x: &[f64]) -> Result<&[f64], PeersError> {
        self.native_gradient
            .eval_with(&mut self.workspace, x, &mut self.gradient_outputs)?;
        Ok(&self.gradient_outputs)
    }

    /// The value at `x` from the function's native code.
    pub fn native_f(&mut self, x: &[f64]) -> Result<f64, PeersError> {
        self.native
            .eval_with(&mut self.workspace, x, &mut self.outputs)?;
        Ok(self.outputs[0])
    }

    /// Values and gradients at many points (`points` row-major) from the compiled
    /// symbolic gradient, one thread: `out` holds `1 + inputs` values per point.
    pub fn symbolic_grad_batch(&self, points: &[f64], out: &mut [f64]) -> Result<(), PeersError> {
        Ok(self.gradient.eval_batch_into(points, out, false)?)
    }

    /// The value at `x` (the forward interpreter, no allocation once warm).
    pub fn f(&mut self, x: &[f64]) -> Result<f64, PeersError> {
        self.program
            .eval_with(&mut self.workspace, x, &mut self.outputs)?;
        Ok(self.outputs[0])
    }

    /// Values at many points (`points` row-major) into `out`, one thread.
    pub fn f_batch(&self, points: &[f64], out: &mut [f64]) -> Result<(), PeersError> {
        Ok(self.program.eval_batch_into(points, out, false)?)
    }
}
