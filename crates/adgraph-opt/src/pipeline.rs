//! `Pipeline`: named passes run in order, repeated to a fixed point (with a bound),
//! with a [`Report`] of what each did.

use crate::rebuild::same;
use crate::report::{Report, Step};
use crate::{
    eliminate_common_subexpressions, eliminate_dead_nodes, fold_constants, simplify, OptError,
    Optimized,
};
use adgraph_ir::{FloatMode, Function, Graph, Op};
use std::fmt;
use std::str::FromStr;
use std::time::Instant;

/// A pass of the pipeline, by the name the CLI's `--passes` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pass {
    /// `fold`: [`fold_constants`].
    Fold,
    /// `simplify`: [`simplify`](crate::simplify()).
    Simplify,
    /// `cse`: [`eliminate_common_subexpressions`].
    Cse,
    /// `dce`: [`eliminate_dead_nodes`].
    Dce,
}

impl Pass {
    /// Every pass, in the default order.
    pub const ALL: [Pass; 4] = [Pass::Fold, Pass::Simplify, Pass::Cse, Pass::Dce];

    /// The pass's name: `fold`, `simplify`, `cse`, `dce`.
    pub fn name(self) -> &'static str {
        match self {
            Pass::Fold => "fold",
            Pass::Simplify => "simplify",
            Pass::Cse => "cse",
            Pass::Dce => "dce",
        }
    }

    /// Runs the pass on `g` and `functions`, building into a graph in `mode`.
    pub fn run(
        self,
        g: &Graph,
        functions: &[Function],
        mode: FloatMode,
    ) -> Result<Optimized, OptError> {
        match self {
            Pass::Fold => fold_constants(g, functions, mode),
            Pass::Simplify => simplify(g, functions, mode),
            Pass::Cse => eliminate_common_subexpressions(g, functions, mode),
            Pass::Dce => eliminate_dead_nodes(g, functions, mode),
        }
    }

    /// Parses a comma-separated list such as `fold,cse` (spaces allowed).
    ///
    /// ```
    /// use adgraph_opt::Pass;
    /// assert_eq!(Pass::parse_list("fold, cse")?, vec![Pass::Fold, Pass::Cse]);
    /// assert!(Pass::parse_list("fold,inline").is_err());
    /// # Ok::<(), adgraph_opt::OptError>(())
    /// ```
    pub fn parse_list(list: &str) -> Result<Vec<Pass>, OptError> {
        let passes = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Pass>, OptError>>()?;
        if passes.is_empty() {
            return Err(OptError::NoPasses);
        }
        Ok(passes)
    }
}

impl FromStr for Pass {
    type Err = OptError;
    fn from_str(s: &str) -> Result<Pass, OptError> {
        Pass::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| OptError::UnknownPass { name: s.into() })
    }
}

impl fmt::Display for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Passes to run in order, the float mode they build in, and how many rounds at most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// The passes of one round, in order.
    pub passes: Vec<Pass>,
    /// The mode of the graphs the passes build.
    pub mode: FloatMode,
    /// The most rounds to run; the pipeline stops earlier at a fixed point (a round
    /// that changes nothing).
    pub max_rounds: usize,
}

impl Default for Pipeline {
    /// `fold, simplify, cse, dce` in Strict mode, at most 8 rounds.
    fn default() -> Pipeline {
        Pipeline::new(FloatMode::Strict)
    }
}

impl Pipeline {
    /// The default passes (`fold, simplify, cse, dce`) in `mode`, at most 8 rounds.
    pub fn new(mode: FloatMode) -> Pipeline {
        Pipeline {
            passes: Pass::ALL.to_vec(),
            mode,
            max_rounds: 8,
        }
    }

    /// The same pipeline with other passes.
    pub fn with_passes(mut self, passes: Vec<Pass>) -> Pipeline {
        self.passes = passes;
        self
    }

    /// Runs the passes on `g` and `functions` (which must be functions of `g`),
    /// round after round until a round changes nothing or `max_rounds` is reached.
    /// The result holds the functions in the order given.
    ///
    /// ```
    /// use adgraph_ir::{dump, parse, FloatMode};
    /// use adgraph_opt::Pipeline;
    /// let (g, f) = parse("input x, y\nlet dead = exp(y)\noutput z = (x + y) * 1 - 0")?;
    /// let (r, report) = Pipeline::new(FloatMode::Strict).run(&g, &[f])?;
    /// assert_eq!(dump(&r.graph, &r.functions[0]), "input x, y\noutput z = x + y\n");
    /// assert!(report.converged);
    /// println!("{report}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, g: &Graph, functions: &[Function]) -> Result<(Optimized, Report), OptError> {
        if self.passes.is_empty() {
            return Err(OptError::NoPasses);
        }
        crate::rebuild::check_functions(g, functions)?;
        let mut report = Report::default();
        let mut current = Optimized {
            graph: g.clone(),
            functions: functions.to_vec(),
        };
        for round in 1..=self.max_rounds.max(1) {
            let before = current.clone();
            for &pass in &self.passes {
                let start = Instant::now();
                let next = pass.run(&current.graph, &current.functions, self.mode)?;
                let time = start.elapsed();
                report.steps.push(Step {
                    round,
                    pass,
                    nodes_in: current.graph.len(),
                    nodes_out: next.graph.len(),
                    ops_in: op_count(&current),
                    ops_out: op_count(&next),
                    time,
                });
                current = next;
            }
            report.rounds = round;
            if same(
                &before.graph,
                &before.functions,
                &current.graph,
                &current.functions,
            ) {
                report.converged = true;
                break;
            }
        }
        Ok((current, report))
    }
}

/// The operation nodes (not inputs or constants) any of the functions reaches.
pub fn op_count(r: &Optimized) -> usize {
    let mask = crate::rebuild::reachable(&r.graph, &r.functions);
    r.graph
        .iter()
        .filter(|(id, n)| mask[id.index()] && !matches!(n.op(), Op::Input | Op::Const))
        .count()
}

/// Runs the default pipeline (`fold, simplify, cse, dce`, at most 8 rounds) in `mode`.
///
/// ```
/// use adgraph_ir::{dump, parse, FloatMode};
/// let (g, f) = parse("input x\noutput y = x * 2 * 3 + (x - x)")?;
/// let (strict, _) = adgraph_opt::optimize(&g, &[f.clone()], FloatMode::Strict)?;
/// assert_eq!(dump(&strict.graph, &strict.functions[0]), dump(&g, &f)); // nothing is exact
/// let (fast, report) = adgraph_opt::optimize(&g, &[f], FloatMode::Fast)?;
/// assert_eq!(dump(&fast.graph, &fast.functions[0]), "input x\noutput y = x * 6\n");
/// assert!(report.without_times().contains("fixed point"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn optimize(
    g: &Graph,
    functions: &[Function],
    mode: FloatMode,
) -> Result<(Optimized, Report), OptError> {
    Pipeline::new(mode).run(g, functions)
}
