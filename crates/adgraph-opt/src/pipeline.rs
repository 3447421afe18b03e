//! `Pipeline`: named passes run in order, repeated to a fixed point (with a bound),
//! with a [`Report`] of what each did.
//!
//! Rounds after the first are kept only while they do not add operations: a round that
//! leaves more operations than the best result so far stops the pipeline with that
//! result, and so do two rounds in a row that change the graph without removing an
//! operation. Fast mode's `simplify` and the constructors can disagree on how to
//! associate a few sums, so on some graphs the rounds after the first move a few
//! hundred operations back and forth without reaching a fixed point: on a random
//! 100,000-node graph round 1 left 60,319 operations and rounds 2 to 8 between 60,344
//! and 60,347. The pipeline now returns round 1's graph after 2 rounds instead of
//! round 8's after 8.

use crate::rebuild::{compact, reachable, rebuild, same, Keep};
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
    /// that changes nothing), when a round after the first adds operations, or after
    /// two rounds that change the graph without removing one (see the module docs).
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
    /// round after round until a round changes nothing, a round after the first
    /// leaves more operations than the best result so far (which is then returned),
    /// two rounds in a row change the graph without removing an operation, or
    /// `max_rounds` is reached. The result holds the functions in the order given.
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
        let segments = segments(&self.passes, self.mode);
        // The result of the last round (None: the input itself, not copied).
        let mut done: Option<Optimized> = None;
        let mut ops = count_ops(g, functions);
        // Operations left by the result kept so far (`done`), and the rounds in a row
        // that changed the graph without removing one.
        let mut best_ops = ops;
        let mut flat = 0;
        for round in 1..=self.max_rounds.max(1) {
            let mut next: Option<Optimized> = None;
            // Whether any segment of this round changed its input.
            let mut changed = false;
            for segment in &segments {
                let (pg, pf) = match next.as_ref().or(done.as_ref()) {
                    Some(r) => (&r.graph, r.functions.as_slice()),
                    None => (g, functions),
                };
                // Every graph but the caller's was built by the constructors in `mode`.
                let own = next.is_some() || done.is_some();
                let start = Instant::now();
                let out = run_segment(segment, pg, pf, self.mode, own)?;
                let time = start.elapsed();
                let nodes_in = pg.len();
                let (nodes_out, ops_out) = match &out {
                    Some(o) => (o.graph.len(), count_ops(&o.graph, &o.functions)),
                    None => (nodes_in, ops),
                };
                report.steps.push(Step {
                    round,
                    pass: segment[0],
                    fused: segment[1..].to_vec(),
                    nodes_in,
                    nodes_out,
                    ops_in: ops,
                    ops_out,
                    time,
                });
                ops = ops_out;
                if let Some(out) = out {
                    changed = true;
                    next = Some(out);
                }
            }
            report.rounds = round;
            let unchanged = match &next {
                // No segment changed anything: the round's result is its input.
                None => true,
                Some(n) => {
                    let (bg, bf) = match done.as_ref() {
                        Some(r) => (&r.graph, r.functions.as_slice()),
                        None => (g, functions),
                    };
                    !changed || same(bg, bf, &n.graph, &n.functions)
                }
            };
            if unchanged {
                if next.is_some() {
                    done = next;
                    report.kept = round;
                }
                report.converged = true;
                break;
            }
            if round > 1 && ops > best_ops {
                // A change for the worse: keep the best result and stop.
                report.stalled = true;
                break;
            }
            flat = if round > 1 && ops == best_ops {
                flat + 1
            } else {
                0
            };
            if next.is_some() {
                done = next;
                best_ops = ops;
                report.kept = round;
            }
            if flat == 2 {
                report.stalled = true;
                break;
            }
        }
        let current = done.unwrap_or_else(|| Optimized {
            graph: g.clone(),
            functions: functions.to_vec(),
        });
        Ok((current, report))
    }
}

/// Whether `pass` in `mode` is nothing but a rebuild through the constructors, and of
/// which nodes; `None` for a pass that does more (the Fast `simplify`).
fn rebuild_kind(pass: Pass, mode: FloatMode) -> Option<Keep> {
    match pass {
        Pass::Fold | Pass::Cse => Some(Keep::All),
        Pass::Dce => Some(Keep::Reachable),
        Pass::Simplify if mode == FloatMode::Strict => Some(Keep::Reachable),
        Pass::Simplify => None,
    }
}

/// Splits a round into segments run as one: each maximal run of consecutive
/// rebuild-only passes is one segment (run by [`run_segment`]), any other pass is a
/// segment of its own.
fn segments(passes: &[Pass], mode: FloatMode) -> Vec<Vec<Pass>> {
    let mut out: Vec<Vec<Pass>> = Vec::new();
    for &pass in passes {
        let fusible = rebuild_kind(pass, mode).is_some();
        match out.last_mut() {
            Some(last) if fusible && rebuild_kind(last[0], mode).is_some() => last.push(pass),
            _ => out.push(vec![pass]),
        }
    }
    out
}

/// Runs a segment of passes as few rebuilds as give the same fixed point; `None` when
/// the result would be node for node the input.
///
/// The constructors are applied to every node a rebuild copies, so rebuilding a
/// graph that a rebuild has just built changes nothing more than the rounds of the
/// pipeline would catch: a run of rebuild-only passes needs at most two rebuilds,
/// one of every node (if the run starts with `fold` or `cse`: nodes the outputs do
/// not reach take part in sharing, exactly as when the passes run one by one) and one
/// of the reachable nodes (if the run has `dce` or a Strict `simplify`). The second
/// is skipped when the first changed nothing and every node is reachable. A segment
/// of one other pass runs that pass.
///
/// `own` says that `g` was built by the constructors in `mode` (every graph the
/// pipeline produced is). Then the rebuild of every node is skipped: it would give
/// `g` back node for node, because each node of `g` is what the constructors made of
/// its operands, and rebuilding it from the same operands (the same ids, as the map is
/// the identity up to it) makes the same choices again (folding, operand order and
/// every local rule read only the operands' structure and ids, and the mode). By the
/// same argument (renumbering keeps the ids' order), rebuilding only the reachable
/// nodes of `g` is copying them ([`Graph::compacted`]). The tests
/// `a_rebuild_of_a_rebuilt_graph_is_the_same_graph` check both on random graphs.
fn run_segment(
    segment: &[Pass],
    g: &Graph,
    functions: &[Function],
    mode: FloatMode,
    own: bool,
) -> Result<Option<Optimized>, OptError> {
    let Some(first) = rebuild_kind(segment[0], mode) else {
        return segment[0].run(g, functions, mode).map(Some);
    };
    let prune = segment
        .iter()
        .any(|&p| rebuild_kind(p, mode) == Some(Keep::Reachable));
    if own {
        if prune {
            let mask = reachable(g, functions);
            if !mask.iter().all(|&r| r) {
                // For the same reason, a rebuild of the reachable nodes is a copy.
                return compact(g, functions, &mask).map(Some);
            }
        }
        return Ok(None);
    }
    if first == Keep::Reachable {
        return rebuild(g, functions, mode, Keep::Reachable).map(Some);
    }
    let all = rebuild(g, functions, mode, Keep::All)?;
    if !prune {
        return Ok(Some(all));
    }
    // `all` is the pipeline's own: its reachable nodes are copied, not rebuilt.
    let mask = reachable(&all.graph, &all.functions);
    if mask.iter().all(|&r| r) {
        return Ok(Some(all));
    }
    compact(&all.graph, &all.functions, &mask).map(Some)
}

/// The operation nodes (not inputs or constants) any of the functions of `r` reaches.
pub fn op_count(r: &Optimized) -> usize {
    count_ops(&r.graph, &r.functions)
}

/// The operation nodes (not inputs or constants) any of `functions` reaches in `g`.
pub(crate) fn count_ops(g: &Graph, functions: &[Function]) -> usize {
    let mask = crate::rebuild::reachable(g, functions);
    g.iter()
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
