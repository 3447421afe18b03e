//! `Graph`: the hash-consing arena every node lives in, and its smart constructors.

use crate::node::hash_words;
use crate::table::{prefetch, Probe, Table};
use crate::{simplify, GraphError, Node, NodeId, Op};
use indexmap::IndexSet;
use rustc_hash::FxBuildHasher;

/// Which rewrites the smart constructors may apply.
///
/// ```
/// use adgraph_ir::{FloatMode, Graph};
/// let mut strict = Graph::new();
/// let x = strict.input("x")?;
/// let zero = strict.constant(0.0)?;
/// assert_ne!(strict.mul(x, zero)?, zero, "x * 0 is NaN for x = inf: kept");
/// let mut fast = Graph::with_mode(FloatMode::Fast);
/// let x = fast.input("x")?;
/// let zero = fast.constant(0.0)?;
/// assert_eq!(fast.mul(x, zero)?, zero);
/// # Ok::<(), adgraph_ir::GraphError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FloatMode {
    /// Only rewrites that leave every result bit-identical for every input, NaN,
    /// infinities, `-0.0` and subnormals included (`x * 1 -> x`, but `x * 0` stays).
    #[default]
    Strict,
    /// Also the identities of real arithmetic (`x * 0 -> 0`, `x - x -> 0`,
    /// `exp(log x) -> x`, re-association): results may change where a value is
    /// non-finite or where rounding differs.
    Fast,
}

/// The arena of nodes. Equal nodes are one node: building a node that exists returns
/// the existing id.
///
/// Commutative operands are put in one order before lookup: inputs first (ordered by
/// name), then operations (ordered by id), then constants. So `2 * x`, `x * 2` and
/// `x * 2` built before or after any other use of `2` are one node, and it prints as
/// `x * 2` whatever the construction history.
///
/// Invariant: children come before parents (every operand id is smaller than the id of
/// the node using it), so ascending id order is a topological order. Nodes are never
/// removed or reordered; passes rebuild into a fresh graph.
///
/// The arena is three structures: the nodes in a `Vec<Node>` (the index of a node is
/// its [`NodeId`]), their operators in a `Vec<Op>` beside it, and the hash-consing
/// table (`table.rs`), which holds each id in an 8-byte slot with 32 bits of the
/// node's [`Node::hash64`], eight slots to a cache line. The layout is chosen for
/// what a new node costs at a million nodes, where none of it fits in the cache
/// (`benches/build.rs`, figures in the README):
///
/// - The smart constructors ask the op array (one byte a node, 1 MB at a million)
///   whether an operand is a constant, an input, or the operator a rewrite looks
///   for, and read the 16-byte node only when it is. Each operand's op byte is read
///   once; when no operand has an operator a rule of the new node's operator looks
///   for (most nodes), the rules are not called at all (a mask per operator, in
///   `simplify.rs`).
/// - The hash ignores the order of commutative operands, so the table's cache line
///   for the node is prefetched on entry to [`Graph::apply`], while the operands are
///   folded and ordered.
/// - A probe reads that one line: it finds the node, or finds it absent and the slot
///   it goes in; the 32 hash bits spare reading a node that only shares a tag.
/// - The table doubles without reading a node: the slot keeps the hash bits that
///   choose its line. From 2 MiB on it is allocated aligned to a huge page and advised
///   to be backed by huge pages, so its fresh memory costs a few page faults, not one
///   every 512 slots.
/// - One node at a time still waits for its misses in turn. A caller that knows the
///   nodes to come hands them to [`Graph::extend_indexed`] as a batch (or calls
///   [`Graph::prefetch`] itself a few nodes ahead): the same constructors build them,
///   while the lines of the nodes a few entries ahead are fetched, so the misses of
///   several nodes overlap.
///
/// Memory: 16 + 1 bytes a node plus 8 per slot, at most 7 of 8 slots full (about 34
/// bytes a node at a million, reserved up front). It replaced an
/// `IndexSet<Node, FxHash>` (43 to 64 bytes a node), then a `hashbrown::HashTable<u32>`
/// of ids (about 27 bytes a node, but two random cache lines per new node and a
/// 7-bit tag per bucket, so a tag match read the node).
///
/// ```
/// use adgraph_ir::{Graph, Op};
/// let mut g = Graph::new();
/// let x = g.input("x")?;
/// let y = g.input("y")?;
/// let a = g.apply(Op::Mul, &[x, y])?;
/// let b = g.apply(Op::Mul, &[y, x])?; // commutative operands are ordered
/// assert_eq!(a, b);
/// let two = g.constant(2.0)?;
/// let three = g.constant(3.0)?;
/// let five = g.apply(Op::Add, &[two, three])?; // folded at construction
/// assert_eq!(g.node(five).constant_value(), Some(5.0));
/// # Ok::<(), adgraph_ir::GraphError>(())
/// ```
#[derive(Clone)]
pub struct Graph {
    /// Every node, once; the index is the id. Operands precede users.
    nodes: Vec<Node>,
    /// The operator of every node (`ops[i] == nodes[i].op()`), one byte each: what the
    /// smart constructors ask of an operand first (is it a constant, an input, a
    /// negation), answered from 1 MB at a million nodes instead of 16.
    ops: Vec<Op>,
    /// The hash-consing table: the id of every node, keyed by [`Node::hash64`].
    table: Table,
    /// Input names; an input node refers to its name by index here.
    symbols: IndexSet<Box<str>, FxBuildHasher>,
    /// The rewrites the smart constructors may apply.
    mode: FloatMode,
    /// The most nodes this graph may hold (at most `u32::MAX`).
    limit: u32,
}

impl std::fmt::Debug for Graph {
    /// The nodes, input names and settings (the table is derived from the nodes).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("nodes", &self.nodes)
            .field("symbols", &self.symbols)
            .field("mode", &self.mode)
            .field("limit", &self.limit)
            .finish()
    }
}

impl Default for Graph {
    fn default() -> Graph {
        Graph::new()
    }
}

impl Graph {
    /// An empty graph in [`FloatMode::Strict`].
    pub fn new() -> Graph {
        Graph::with_mode(FloatMode::Strict)
    }

    /// An empty graph whose constructors use `mode`.
    pub fn with_mode(mode: FloatMode) -> Graph {
        Graph {
            nodes: Vec::new(),
            ops: Vec::new(),
            table: Table::new(),
            symbols: IndexSet::default(),
            mode,
            limit: u32::MAX,
        }
    }

    /// Reserves room for `additional` more nodes: the node vector exactly, the hash
    /// table to the next power of two of buckets that holds them.
    ///
    /// The node array's room not yet written is advised to be backed by huge pages
    /// where whole ones fit in it (as the table is, `table.rs`): a fresh reservation
    /// for a million nodes is 16 MB, about 4,000 page faults when written in 4 KiB
    /// pages.
    pub fn reserve(&mut self, additional: usize) {
        self.nodes.reserve_exact(additional);
        self.ops.reserve_exact(additional);
        self.table.reserve(additional);
        let room = self.nodes.spare_capacity_mut();
        crate::table::advise_huge_pages(room.as_mut_ptr().cast(), std::mem::size_of_val(room));
    }

    /// Lowers the node limit (it is `u32::MAX` and cannot be raised past it). Building
    /// a new node past the limit returns [`GraphError::CapacityExceeded`].
    pub fn set_node_limit(&mut self, limit: u32) {
        self.limit = limit;
    }

    /// The node limit.
    pub fn node_limit(&self) -> u32 {
        self.limit
    }

    /// The float mode of the smart constructors.
    pub fn mode(&self) -> FloatMode {
        self.mode
    }

    /// Changes the float mode for nodes built from now on.
    pub fn set_mode(&mut self, mode: FloatMode) {
        self.mode = mode;
    }

    /// Number of nodes.
    #[inline]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph has no nodes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node `id` (panics if `id` is not of this graph; see [`Graph::get`]).
    #[inline]
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The node `id`, or `None` if the graph has no such node.
    #[inline]
    pub fn get(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// Whether `id` names a node of this graph.
    #[inline]
    pub fn contains(&self, id: NodeId) -> bool {
        id.index() < self.nodes.len()
    }

    /// Every node with its id, in id (topological) order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (NodeId, &Node)> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId::new(i as u32), n))
    }

    /// The id of `node` if the graph holds it.
    pub fn find(&self, node: &Node) -> Option<NodeId> {
        match self
            .table
            .probe(node.hash64(), |i| self.nodes[i as usize] == *node)
        {
            Probe::Found(i) => Some(NodeId::new(i)),
            Probe::Vacant(_) => None,
        }
    }

    /// A hint that a node like `node` is about to be built (by [`Graph::apply`],
    /// [`Graph::powi`] or [`Graph::constant`], with `node`'s operator and operands as
    /// given to them, in any operand order): asks the processor to fetch the
    /// hash-consing table's cache line for the node and the operands' entries in the
    /// op array and the node array. Nothing observable changes; operands the graph
    /// does not hold are skipped.
    ///
    /// Building a node in a large graph waits for several cache misses in turn;
    /// prefetching a few nodes ahead lets the misses of several nodes overlap.
    /// [`Graph::extend_indexed`] does this for a batch of nodes.
    ///
    /// ```
    /// use adgraph_ir::{Graph, Node, Op};
    /// let mut g = Graph::new();
    /// let x = g.input("x")?;
    /// g.prefetch(&Node::apply(Op::Sin, &[x]));
    /// let s = g.apply(Op::Sin, &[x])?;
    /// # let _ = s;
    /// # Ok::<(), adgraph_ir::GraphError>(())
    /// ```
    #[inline(always)]
    pub fn prefetch(&self, node: &Node) {
        self.table.prefetch(node.hash64());
        for a in node.args() {
            self.prefetch_operand(a.as_u32());
        }
    }

    /// [`Graph::prefetch`] of the node with operator `op` and words `words` (as
    /// [`hash_words`] takes them), whose operands are `operands` (0 for none: node 0's
    /// lines, cached after the first time, are asked for again instead of a branch on
    /// the number of operands).
    #[inline(always)]
    pub(crate) fn prefetch_words(&self, op: Op, words: [u32; 3], operands: [u32; 3]) {
        self.table.prefetch(hash_words(op, words));
        for a in operands {
            self.prefetch_operand(a);
        }
    }

    /// Asks for the op byte and the node of operand `a`, if the graph holds it.
    #[inline(always)]
    fn prefetch_operand(&self, a: u32) {
        let a = a as usize;
        if let (Some(op), Some(node)) = (self.ops.get(a), self.nodes.get(a)) {
            prefetch(op);
            prefetch(node);
        }
    }

    /// Whether building a node here is worth prefetching for: the table has room for
    /// [`PREFETCH_FROM`](crate::PREFETCH_FROM) nodes (the graph holds that many, or
    /// reserved room for them), so its lines are random misses.
    #[inline]
    pub(crate) fn prefetches(&self) -> bool {
        self.table.capacity() >= crate::PREFETCH_FROM
    }

    /// The constant value of node `id`, if it is a constant.
    #[inline]
    pub fn constant_value(&self, id: NodeId) -> Option<f64> {
        // The node itself is read only for a constant.
        (self.op(id) == Op::Const)
            .then(|| self.node(id).constant_value())
            .flatten()
    }

    /// The operator of node `id` (panics if `id` is not of this graph), from the
    /// one-byte side array: reading it does not fetch the node.
    #[inline]
    pub(crate) fn op(&self, id: NodeId) -> Op {
        self.ops[id.index()]
    }

    /// The name of input node `id`, if it is an input.
    pub fn input_name(&self, id: NodeId) -> Option<&str> {
        let sym = self.get(id)?.input_symbol()?;
        self.symbols.get_index(sym as usize).map(|s| &**s)
    }

    /// The input node named `name`, if the graph has one.
    pub fn find_input(&self, name: &str) -> Option<NodeId> {
        let sym = self.symbols.get_index_of(name)?;
        self.find(&Node::input(sym as u32))
    }

    /// The input named `name`; asking twice gives the same node.
    pub fn input(&mut self, name: &str) -> Result<NodeId, GraphError> {
        let sym = match self.symbols.get_index_of(name) {
            Some(i) => i,
            None => self.symbols.insert_full(name.into()).0,
        };
        self.intern(Node::input(sym as u32))
    }

    /// The constant with exactly the bits of `x`.
    #[inline]
    pub fn constant(&mut self, x: f64) -> Result<NodeId, GraphError> {
        self.intern(Node::constant(x))
    }

    /// `a ^ n`, integer power, through the smart constructor.
    pub fn powi(&mut self, a: NodeId, n: i32) -> Result<NodeId, GraphError> {
        let hash = Node::powi(a, n).hash64();
        self.table.prefetch(hash);
        self.check(a)?;
        if let Some(x) = self.constant_value(a) {
            return self.constant(crate::op::powi(x, n));
        }
        if let Some(id) = simplify::rewrite_powi(self, a, n)? {
            return Ok(id);
        }
        self.intern_hashed(Node::powi(a, n), hash)
    }

    /// `op` applied to `args` through the smart constructor: operands checked, constant
    /// operands folded with [`Op::eval`], commutative operands ordered, local rewrites
    /// of the graph's [`FloatMode`] applied, and an equal existing node reused.
    ///
    /// `op` must not be a leaf (use [`Graph::input`], [`Graph::constant`]) or `PowI`
    /// (use [`Graph::powi`]).
    pub fn apply(&mut self, op: Op, args: &[NodeId]) -> Result<NodeId, GraphError> {
        if matches!(op, Op::Input | Op::Const | Op::PowI) || args.len() != op.arity() {
            return Err(GraphError::Arity {
                op,
                found: args.len(),
            });
        }
        // The hash does not depend on the order of commutative operands, so the
        // table's group for the node can be fetched while operands are read and
        // ordered; the node is built as it is unless a rewrite applies. The operands
        // are read once, as three words (0 past the arity), for the hash and the node:
        // three fixed reads, not a copy of `args.len()` ids (a call of `memcpy`).
        let at = |i: usize| args.get(i).copied().unwrap_or(NodeId::new(0));
        let words = [at(0), at(1), at(2)];
        let hash = hash_words(op, words.map(NodeId::as_u32));
        self.table.prefetch(hash);
        self.apply_words(op, words, args.len(), hash)
    }

    /// [`Graph::apply`] past its arity check: `op` of the `n` operands in `words` (the
    /// words past them 0), whose [`Node::hash64`] is `hash` (the table's line for it
    /// already asked for).
    #[inline(always)]
    fn apply_words(
        &mut self,
        op: Op,
        mut words: [NodeId; 3],
        n: usize,
        hash: u64,
    ) -> Result<NodeId, GraphError> {
        debug_assert_eq!(n, op.arity());
        // Each operand's operator is read once, from the one-byte op array: the read
        // checks the id, and the operators decide folding, operand order and whether
        // any rewrite may apply (most nodes have no constant operand and no operand a
        // rule looks for, and skip the rules altogether).
        let mut kinds = [Op::Input; 3];
        let mut seen = 0u32;
        for (k, &a) in kinds.iter_mut().zip(&words[..n]) {
            *k = match self.ops.get(a.index()) {
                Some(&o) => o,
                None => return Err(GraphError::UnknownNode { id: a }),
            };
            seen |= simplify::bit(*k);
        }
        if seen == simplify::bit(Op::Const) {
            let mut values = [0.0; 3];
            for (v, &a) in values.iter_mut().zip(&words[..n]) {
                *v = self.node(a).constant_value().unwrap_or(f64::NAN);
            }
            return self.constant(op.eval(&values[..n], 0));
        }
        if op.is_commutative() && self.goes_before(words[1], kinds[1], words[0], kinds[0]) {
            words.swap(0, 1);
        }
        if simplify::may_rewrite(self.mode, op, seen, &words[..n]) {
            if let Some(id) = simplify::rewrite(self, op, &words[..n])? {
                return Ok(id);
            }
        }
        self.intern_hashed(Node::from_words(op, words), hash)
    }

    /// `a + b`
    pub fn add(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, GraphError> {
        self.apply(Op::Add, &[a, b])
    }

    /// `a - b`
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, GraphError> {
        self.apply(Op::Sub, &[a, b])
    }

    /// `a * b`
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, GraphError> {
        self.apply(Op::Mul, &[a, b])
    }

    /// `a / b`
    pub fn div(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, GraphError> {
        self.apply(Op::Div, &[a, b])
    }

    /// `-a`
    pub fn neg(&mut self, a: NodeId) -> Result<NodeId, GraphError> {
        self.apply(Op::Neg, &[a])
    }

    /// Copies node `node` of another graph, whose operands have already been mapped to
    /// `args` in this graph, through the smart constructors. Inputs keep their names.
    /// This is the step every rebuilding pass takes.
    pub fn rebuild(
        &mut self,
        from: &Graph,
        node: &Node,
        args: &[NodeId],
    ) -> Result<NodeId, GraphError> {
        match node.op() {
            Op::Input => {
                let sym = node.input_symbol().unwrap_or(0);
                let name = from.symbols.get_index(sym as usize).map(|s| &**s);
                self.input(name.unwrap_or("_"))
            }
            Op::Const => self.constant(node.constant_value().unwrap_or(f64::NAN)),
            Op::PowI => self.powi(args[0], node.exponent()),
            op => self.apply(op, args),
        }
    }

    /// A copy of the nodes marked in `keep` (indexed by id), in id order, with
    /// their operands renumbered, and the new id of every old one (`None` for a node
    /// not kept). Nodes are copied as they are, not through the smart constructors:
    /// for a graph built by the constructors in its own mode this is exactly what
    /// rebuilding the kept nodes through them gives, only cheaper (the passes use it
    /// for dead-node elimination of graphs they built). Input names are kept, input
    /// symbols renumbered in id order.
    ///
    /// Errors if `keep` is shorter than the graph or keeps a node without one of its
    /// operands.
    ///
    /// ```
    /// use adgraph_ir::Graph;
    /// let mut g = Graph::new();
    /// let x = g.input("x")?;
    /// let dead = g.apply(adgraph_ir::Op::Sin, &[x])?;
    /// let y = g.apply(adgraph_ir::Op::Cos, &[x])?;
    /// let (c, map) = g.compacted(&[true, false, true])?;
    /// assert_eq!((c.len(), map[dead.index()]), (2, None));
    /// assert_eq!(c.node(map[y.index()].unwrap()).args(), &[map[x.index()].unwrap()]);
    /// # Ok::<(), adgraph_ir::GraphError>(())
    /// ```
    pub fn compacted(&self, keep: &[bool]) -> Result<(Graph, Vec<Option<NodeId>>), GraphError> {
        if keep.len() < self.nodes.len() {
            let id = NodeId::new(keep.len() as u32);
            return Err(GraphError::UnknownNode { id });
        }
        let mut out = Graph::with_mode(self.mode);
        out.limit = self.limit;
        let kept = keep[..self.nodes.len()].iter().filter(|&&k| k).count();
        out.nodes.reserve_exact(kept);
        out.ops.reserve_exact(kept);
        let mut map: Vec<Option<NodeId>> = vec![None; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            let mut copy = *node;
            if let Some(sym) = node.input_symbol() {
                let name = &self.symbols[sym as usize];
                let sym = match out.symbols.get_index_of(name) {
                    Some(j) => j,
                    None => out.symbols.insert_full(name.clone()).0,
                };
                copy = Node::input(sym as u32);
            } else {
                for a in copy.args_mut() {
                    *a = map[a.index()].ok_or(GraphError::UnknownNode { id: *a })?;
                }
            }
            map[i] = Some(NodeId::new(out.nodes.len() as u32));
            out.nodes.push(copy);
            out.ops.push(copy.op());
        }
        out.rebuild_table();
        Ok((out, map))
    }

    /// The order of commutative operands: inputs (by name), then operations (by id),
    /// then constants. Only the operations' relative order depends on when nodes were
    /// built, and the printer writes operations in id order, so a dump parses back to
    /// operands in the same order whenever the inputs and constants were created.
    /// `op_a` and `op_b` are the operators of `a` and `b`.
    #[inline]
    pub(crate) fn goes_before(&self, a: NodeId, op_a: Op, b: NodeId, op_b: Op) -> bool {
        let rank = |op: Op| match op {
            Op::Input => 0u8,
            Op::Const => 2,
            _ => 1,
        };
        match (rank(op_a), rank(op_b)) {
            (0, 0) => self.input_name(a) < self.input_name(b),
            (ra, rb) if ra != rb => ra < rb,
            _ => a < b,
        }
    }

    #[inline]
    fn check(&self, id: NodeId) -> Result<(), GraphError> {
        if self.contains(id) {
            Ok(())
        } else {
            Err(GraphError::UnknownNode { id })
        }
    }

    /// Inserts `node` as it is, or returns the id of the equal node already there.
    /// One probe of the table finds the node or the slot for it.
    #[inline]
    fn intern(&mut self, node: Node) -> Result<NodeId, GraphError> {
        self.intern_hashed(node, node.hash64())
    }

    /// [`Graph::intern`] of a node whose [`Node::hash64`] is `hash`. Inlined into
    /// every constructor (callgrind: a call cost about 25 instructions a node in
    /// saving registers and passing the node and result); growth is out of line.
    #[inline(always)]
    fn intern_hashed(&mut self, node: Node, hash: u64) -> Result<NodeId, GraphError> {
        debug_assert_eq!(hash, node.hash64());
        if self.table.len() == self.table.capacity() {
            self.table.grow();
        }
        let nodes = &self.nodes;
        match self.table.probe(hash, |i| nodes[i as usize] == node) {
            Probe::Found(i) => Ok(NodeId::new(i)),
            Probe::Vacant(at) => {
                let id = self.nodes.len();
                if id as u64 >= self.limit as u64 {
                    return Err(GraphError::CapacityExceeded { limit: self.limit });
                }
                self.table.insert_at(at, hash, id as u32);
                self.nodes.push(node);
                self.ops.push(node.op());
                Ok(NodeId::new(id as u32))
            }
        }
    }

    /// Replaces the table by one holding every node, each inserted once in id order.
    /// In a large graph each insertion writes a random line of the table, so the line
    /// of the node [`PREFETCH_AHEAD`](crate::PREFETCH_AHEAD) places on is prefetched.
    fn rebuild_table(&mut self) {
        let mut table = Table::new();
        table.reserve(self.nodes.len());
        let prefetching = self.nodes.len() >= crate::PREFETCH_FROM;
        for (i, n) in self.nodes.iter().enumerate() {
            if prefetching {
                if let Some(next) = self.nodes.get(i + crate::PREFETCH_AHEAD) {
                    table.prefetch(next.hash64());
                }
            }
            table.insert_new(n.hash64(), i as u32);
        }
        self.table = table;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_nodes_are_one_node() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let x2 = g.input("x").unwrap();
        assert_eq!(x, x2);
        let a = g.apply(Op::Sin, &[x]).unwrap();
        let b = g.apply(Op::Sin, &[x]).unwrap();
        assert_eq!(a, b);
        assert_eq!(g.len(), 2);
        assert_eq!(g.input_name(x), Some("x"));
        assert_eq!(g.find_input("x"), Some(x));
        assert_eq!(g.find_input("y"), None);
    }

    #[test]
    fn commutative_order_ignores_construction_history() {
        let mut g = Graph::new();
        let two = g.constant(2.0).unwrap();
        let y = g.input("y").unwrap();
        let x = g.input("x").unwrap();
        let s = g.apply(Op::Sin, &[x]).unwrap();
        // Constants last, operations in the middle, inputs first and by name.
        for (a, b, want) in [(two, s, [s, two]), (s, y, [y, s]), (y, x, [x, y])] {
            for (p, q) in [(a, b), (b, a)] {
                let m = g.mul(p, q).unwrap();
                assert_eq!(g.node(m).args(), want);
            }
        }
        let t = g.apply(Op::Cos, &[x]).unwrap();
        let m = g.apply(Op::Max, &[t, s]).unwrap();
        assert_eq!(g.node(m).args(), [s, t], "operations by id");
    }

    #[test]
    fn constants_are_keyed_by_bits() {
        let mut g = Graph::new();
        let z = g.constant(0.0).unwrap();
        let nz = g.constant(-0.0).unwrap();
        let n1 = g.constant(f64::NAN).unwrap();
        let n2 = g.constant(-f64::NAN).unwrap();
        assert_ne!(z, nz);
        assert_ne!(n1, n2);
        assert_eq!(g.constant(f64::NAN).unwrap(), n1);
    }

    #[test]
    fn folding_uses_the_op_table() {
        let mut g = Graph::new();
        let a = g.constant(2.0).unwrap();
        let b = g.constant(0.0).unwrap();
        let d = g.div(a, b).unwrap();
        assert_eq!(g.constant_value(d), Some(f64::INFINITY));
        let p = g.powi(a, -2).unwrap();
        assert_eq!(g.constant_value(p), Some(0.25));
        let c = g.constant(1.0).unwrap();
        let s = g.apply(Op::Select, &[c, a, b]).unwrap();
        assert_eq!(s, a);
    }

    #[test]
    fn limit_is_an_error_not_a_wrap() {
        let mut g = Graph::new();
        g.set_node_limit(3);
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let s = g.add(x, y).unwrap();
        assert_eq!(g.add(y, x).unwrap(), s, "an existing node is still found");
        let err = g.mul(x, y).unwrap_err();
        assert_eq!(err, GraphError::CapacityExceeded { limit: 3 });
        assert_eq!(g.len(), 3);
    }

    #[test]
    fn compacting_renumbers_operands_and_inputs() {
        let mut g = Graph::new();
        let unused = g.input("unused").unwrap();
        let x = g.input("x").unwrap();
        let s = g.apply(Op::Sin, &[x]).unwrap();
        let two = g.constant(2.0).unwrap();
        let m = g.mul(s, two).unwrap();
        let mut keep = vec![true; g.len()];
        keep[unused.index()] = false;
        let (c, map) = g.compacted(&keep).unwrap();
        assert_eq!(c.len(), 4);
        let at = |id: NodeId| map[id.index()].unwrap();
        assert_eq!(c.input_name(at(x)), Some("x"));
        assert_eq!(c.find_input("x"), Some(at(x)));
        assert_eq!(c.node(at(m)).args(), [at(s), at(two)]);
        assert_eq!(
            c.find(c.node(at(m))),
            Some(at(m)),
            "the table finds every node"
        );
        keep[s.index()] = false;
        assert!(g.compacted(&keep).is_err(), "a kept node lost an operand");
        assert!(g.compacted(&keep[..2]).is_err(), "keep is too short");
    }

    #[test]
    fn a_large_reservation_builds_and_reads_back() {
        // 300,000 nodes are 4.8 MB of node array, advised to huge pages: the advice
        // changes no contents, before or after nodes are written.
        let mut g = Graph::new();
        g.reserve(300_000);
        let x = g.input("x").unwrap();
        let mut last = x;
        for i in 0..300_000u32 {
            let c = g.constant(f64::from(i)).unwrap();
            last = g.add(last, c).unwrap();
        }
        assert_eq!(g.len(), 600_001);
        assert_eq!(g.node(last).op(), Op::Add);
        assert_eq!(g.constant_value(g.node(last).arg(1)), Some(299_999.0));
        assert_eq!(g.find(g.node(last)), Some(last));
    }

    #[test]
    fn bad_operands_are_errors() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        assert!(matches!(
            g.apply(Op::Add, &[x]),
            Err(GraphError::Arity {
                op: Op::Add,
                found: 1
            })
        ));
        assert!(matches!(
            g.apply(Op::Neg, &[NodeId::new(9)]),
            Err(GraphError::UnknownNode { .. })
        ));
        assert!(g.apply(Op::Const, &[]).is_err());
    }
}
