//! Building many nodes at once: [`Graph::extend_indexed`] takes a batch of nodes whose
//! operands are existing ids or earlier entries of the batch, and builds them one by
//! one through the smart constructors while fetching the memory of the nodes a few
//! entries ahead.
//!
//! Why: in a graph of a million nodes nothing the constructors read is in the cache,
//! and a new node waits for several misses in turn (its operands' op bytes, an
//! operand's node when a fold or a rewrite looks at it, the table's line). One call of
//! [`Graph::apply`] cannot know the next node, so its misses are paid one node at a
//! time; a batch knows the nodes to come, and [`Graph::prefetch`] for the entry
//! [`PREFETCH_AHEAD`] places on lets the misses of several nodes overlap (and, where
//! operands are named by their position in the output vector, [`BatchArg::Out`], the
//! ids at those positions are fetched twice as far ahead, so a caller that numbers its
//! nodes need not read its ids itself, one miss a node that nothing overlapped: 2% to
//! 12% off a million-node build, alternated on one core). Each entry is
//! then built by a call of `apply`, `powi` or `constant`, so the batch gives the same
//! ids and the same graph, node for node, as those calls in order. (The prefetch hashes
//! an entry from its operator and operand ids and keeps nothing; the constructor hashes
//! it again. Carrying the node and its hash from the prefetch to the constructor in a
//! ring cost as many instructions as hashing twice, about 157 an entry over a call of
//! `apply` either way, in callgrind.)

use crate::{Graph, GraphError, NodeId, Op};

/// How many nodes ahead of the one being built a batch, a rebuild of the hash-consing
/// table or a pass's rebuild ([`Graph::prefetch`]) fetches: enough misses in flight to
/// hide most of the latency, few enough that the lines stay in L1/L2 (16 and 32
/// measured no better).
pub const PREFETCH_AHEAD: usize = 8;

/// The graph size from which prefetching pays: below it the node array (16 bytes a
/// node, 4 MB here) and the table mostly hit the 2 MB L2 or the L3 close by, and the
/// prefetch's own work (a hash and a few address computations per node) costs more
/// than it saves (measured: a batched build of 100,000 nodes 30% slower with it, of a
/// million 20% faster; a pass's rebuild of 100,000 nodes 4.7 -> 6.4 ms, of a million
/// 130 -> 120 ms). [`Graph::extend_indexed`] counts the table's room, not the nodes:
/// a graph that reserved room for this many nodes probes a table as large (and as
/// far out of the cache) from its first node on.
pub const PREFETCH_FROM: usize = 1 << 18;

/// An operand of a [`BatchNode`]: a node the graph holds, an earlier entry of the
/// same batch (its index in the batch), whose id is not known until it is built, or a
/// position in the output vector of [`Graph::extend_indexed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatchArg {
    /// A node of the graph.
    Id(NodeId),
    /// The node built for entry `i` of the batch; `i` must be below the index of the
    /// entry that uses it.
    Entry(u32),
    /// The id at position `i` of the output vector `out`: pushed there before the call
    /// or by an earlier entry of it. A DAG given as a list whose operands are
    /// positions in the list is built by naming every operand so, in one call or in
    /// batches into the same `out`, without the caller reading `out` itself: the batch
    /// fetches those reads ahead too.
    Out(u32),
}

/// One node of a batch for [`Graph::extend_indexed`]: the call of a smart constructor
/// it stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BatchNode {
    /// [`Graph::constant`] of the value.
    Constant(f64),
    /// [`Graph::apply`] of the operator to the first `op.arity()` operands (the rest
    /// are ignored).
    Apply(Op, [BatchArg; 3]),
    /// [`Graph::powi`] of the operand and the exponent.
    PowI(BatchArg, i32),
}

impl BatchNode {
    /// `op` applied to `args`.
    ///
    /// Errors with [`GraphError::Arity`] if `args.len()` is not `op.arity()`. A leaf
    /// or `PowI` passes here and is an error of [`Graph::extend_indexed`], as it is of
    /// [`Graph::apply`].
    pub fn apply(op: Op, args: &[BatchArg]) -> Result<BatchNode, GraphError> {
        let mut words = [BatchArg::Id(NodeId::new(0)); 3];
        if args.len() > 3 || args.len() != op.arity() {
            return Err(GraphError::Arity {
                op,
                found: args.len(),
            });
        }
        words[..args.len()].copy_from_slice(args);
        Ok(BatchNode::Apply(op, words))
    }
}

impl BatchArg {
    /// The position in `out` this operand names, if it names one (`base`: the length
    /// of `out` when the batch began).
    #[inline(always)]
    fn position(self, base: usize) -> Option<usize> {
        match self {
            BatchArg::Id(_) => None,
            BatchArg::Entry(i) => Some(base + i as usize),
            BatchArg::Out(i) => Some(i as usize),
        }
    }

    /// The id of this operand if it is built (`out`: the ids pushed so far, the batch's
    /// from `base` on).
    #[inline(always)]
    fn resolved(self, out: &[NodeId], base: usize) -> Option<u32> {
        match self {
            BatchArg::Id(id) => Some(id.as_u32()),
            _ => out.get(self.position(base)?).map(|id| id.as_u32()),
        }
    }
}

/// Asks for the cache lines of the positions of `out` that `entry`'s operands name, where
/// they are built.
#[inline(always)]
fn prefetch_positions(entry: &BatchNode, out: &[NodeId], base: usize) {
    let args = match entry {
        BatchNode::Constant(_) => return,
        BatchNode::PowI(a, _) => std::slice::from_ref(a),
        BatchNode::Apply(op, args) => &args[..op.arity()],
    };
    for a in args {
        if let Some(id) = a.position(base).and_then(|p| out.get(p)) {
            crate::table::prefetch(id);
        }
    }
}

impl Graph {
    /// Builds every entry of `batch` in order, each exactly as the smart constructor it
    /// names would (checks, folding, operand order, rewrites, hash-consing), and
    /// appends the id of each to `out`, one per entry. [`BatchArg::Entry`]`(i)` is
    /// the id of entry `i`, that is `out[len + i]` where `len` is the length of `out`
    /// on entry; [`BatchArg::Out`]`(p)` is `out[p]`.
    ///
    /// The result, ids and graph, is that of the constructor calls in order; it is
    /// faster in a large graph because the memory of entries a few places ahead is
    /// fetched while an entry is built ([`Graph::prefetch`]).
    ///
    /// On an error the entries before the failing one are built and their ids are in
    /// `out`. Errors: those of the constructors, and
    /// [`GraphError::ForwardEntry`] for an operand that is not an earlier entry (or
    /// position of `out`; its `operand` is then the position less `len`).
    ///
    /// ```
    /// use adgraph_ir::{BatchArg::{Entry, Id}, BatchNode, Graph, Op};
    /// let mut g = Graph::new();
    /// let x = g.input("x")?;
    /// let batch = [
    ///     BatchNode::apply(Op::Sin, &[Id(x)])?,         // entry 0: sin(x)
    ///     BatchNode::Constant(2.0),                      // entry 1: 2
    ///     BatchNode::apply(Op::Mul, &[Entry(1), Entry(0)])?, // sin(x) * 2
    ///     BatchNode::PowI(Entry(2), 1),                  // (sin(x) * 2)^1 = entry 2
    /// ];
    /// let mut ids = Vec::new();
    /// g.extend_indexed(&batch, &mut ids)?;
    /// let s = g.apply(Op::Sin, &[x])?;
    /// let two = g.constant(2.0)?;
    /// assert_eq!(ids, [s, two, g.mul(s, two)?, ids[2]]);
    /// # Ok::<(), adgraph_ir::GraphError>(())
    /// ```
    pub fn extend_indexed(
        &mut self,
        batch: &[BatchNode],
        out: &mut Vec<NodeId>,
    ) -> Result<(), GraphError> {
        let base = out.len();
        out.reserve(batch.len());
        let ahead = if self.prefetches() { PREFETCH_AHEAD } else { 0 };
        // Two stages: the positions of `out` an entry names are fetched 2 * `ahead`
        // entries before it is built, so that its operands' ids are at hand when its
        // node's memory is fetched, `ahead` entries before.
        for entry in batch.iter().take(2 * ahead) {
            prefetch_positions(entry, out, base);
        }
        for entry in batch.iter().take(ahead) {
            self.prefetch_entry(entry, out, base);
        }
        for (i, entry) in batch.iter().enumerate() {
            if ahead != 0 {
                if let Some(far) = batch.get(i + 2 * ahead) {
                    prefetch_positions(far, out, base);
                }
                if let Some(next) = batch.get(i + ahead) {
                    self.prefetch_entry(next, out, base);
                }
            }
            let id = self.build_entry(entry, i, out, base)?;
            out.push(id);
        }
        Ok(())
    }

    /// [`Graph::prefetch`] for `entry` if its operands are built (`out`: the ids pushed
    /// so far, the batch's from `base` on): its hash from its operator and operand
    /// ids, without building or keeping the node (the constructor hashes it again).
    #[inline(always)]
    fn prefetch_entry(&self, entry: &BatchNode, out: &[NodeId], base: usize) {
        match *entry {
            BatchNode::Constant(x) => {
                let bits = x.to_bits();
                self.prefetch_words(Op::Const, [bits as u32, (bits >> 32) as u32, 0], [0; 3]);
            }
            BatchNode::PowI(a, n) => {
                if let Some(a) = a.resolved(out, base) {
                    self.prefetch_words(Op::PowI, [a, n as u32, 0], [a, 0, 0]);
                }
            }
            BatchNode::Apply(op, args) => {
                let n = op.arity();
                let mut words = [0; 3];
                for (k, (w, a)) in words.iter_mut().zip(args).enumerate() {
                    if k < n {
                        match a.resolved(out, base) {
                            Some(id) => *w = id,
                            None => return,
                        }
                    }
                }
                self.prefetch_words(op, words, words);
            }
        }
    }

    /// Builds entry `i` of a batch through its constructor (`out`: the ids pushed so
    /// far, the batch's from `base` on).
    fn build_entry(
        &mut self,
        entry: &BatchNode,
        i: usize,
        out: &[NodeId],
        base: usize,
    ) -> Result<NodeId, GraphError> {
        let arg = |a: BatchArg| {
            a.resolved(out, base)
                .map(NodeId::new)
                .ok_or(GraphError::ForwardEntry {
                    entry: i,
                    operand: a.position(base).unwrap_or(0).saturating_sub(base),
                })
        };
        match *entry {
            BatchNode::Apply(op, args) => {
                let n = op.arity();
                let mut ids = [NodeId::new(0); 3];
                for k in 0..n {
                    ids[k] = arg(args[k])?;
                }
                self.apply(op, &ids[..n])
            }
            BatchNode::Constant(x) => self.constant(x),
            BatchNode::PowI(a, n) => {
                let a = arg(a)?;
                self.powi(a, n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_refer_only_backwards() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let mut out = vec![x];
        let batch = [
            BatchNode::apply(Op::Neg, &[BatchArg::Id(x)]).unwrap(),
            BatchNode::apply(Op::Sin, &[BatchArg::Entry(1)]).unwrap(),
        ];
        let err = g.extend_indexed(&batch, &mut out).unwrap_err();
        assert_eq!(
            err,
            GraphError::ForwardEntry {
                entry: 1,
                operand: 1
            }
        );
        assert_eq!(out.len(), 2, "the entry before the error is built");
        assert_eq!(g.len(), 2);
    }

    #[test]
    fn bad_operands_are_the_constructors_errors() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let mut out = Vec::new();
        let unknown = BatchArg::Id(NodeId::new(7));
        let leaf = BatchNode::Apply(Op::Const, [BatchArg::Id(x); 3]);
        for (entry, want) in [
            (
                BatchNode::apply(Op::Sin, &[unknown]).unwrap(),
                GraphError::UnknownNode { id: NodeId::new(7) },
            ),
            (
                BatchNode::PowI(unknown, 2),
                GraphError::UnknownNode { id: NodeId::new(7) },
            ),
            (
                leaf,
                GraphError::Arity {
                    op: Op::Const,
                    found: 0,
                },
            ),
        ] {
            assert_eq!(g.extend_indexed(&[entry], &mut out), Err(want));
        }
        assert!(BatchNode::apply(Op::Add, &[BatchArg::Id(x)]).is_err());
        assert!(out.is_empty());
    }
}
