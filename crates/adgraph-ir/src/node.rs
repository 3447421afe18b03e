//! `Node`: one operator applied to operand ids, packed into 16 bytes.

use crate::{NodeId, Op};
use std::hash::{Hash, Hasher};

/// A node of the graph: an operator and up to three operands.
///
/// Packed into 16 bytes so the arena stays dense. Leaves keep their payload in the
/// operand words: a constant's `f64` bits in words 0 and 1, an input's symbol index in
/// word 0; `PowI` keeps its exponent in word 1. Unused words are 0, so equal nodes are
/// equal bit for bit, which is what hash-consing relies on.
///
/// ```
/// use adgraph_ir::{parse, Op};
/// let (g, f) = parse("input x\noutput y = x ^ -2")?;
/// let node = g.node(f.outputs()[0].id);
/// assert_eq!((node.op(), node.exponent()), (Op::PowI, -2));
/// assert_eq!(node.args(), &[f.inputs()[0]]);
/// # Ok::<(), adgraph_ir::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// The operator.
    op: Op,
    /// Operand ids (the first `op.arity()` words) or the leaf payload; unused words are 0.
    /// Stored as `NodeId`s so [`Node::args`] is a plain sub-slice; a payload word is a
    /// `NodeId` only in name.
    words: [NodeId; 3],
}

impl Hash for Node {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Two words instead of a discriminant, a length and three fields.
        let [a, b, c] = self.words.map(NodeId::as_u32);
        state.write_u64(self.op as u64 | (a as u64) << 32);
        state.write_u64(b as u64 | (c as u64) << 32);
    }
}

impl Node {
    /// The hash the graph's hash-consing table keys this node by: the operator and the
    /// three words as two 64-bit words, mixed by two folded multiplies (the 128-bit
    /// product's halves xor-ed), so every input bit reaches the top bits (which
    /// choose the table's group and are kept beside the id) of the result. Equal nodes
    /// hash equal, and a commutative operator's two operands hash the same in either
    /// order, so the graph knows where to look for a node before it orders them.
    ///
    /// ```
    /// use adgraph_ir::{Node, NodeId, Op};
    /// assert_eq!(Node::constant(1.0).hash64(), Node::constant(1.0).hash64());
    /// assert_ne!(Node::constant(0.0).hash64(), Node::constant(-0.0).hash64());
    /// let (x, y) = (NodeId::new(0), NodeId::new(1));
    /// let hash = |op, args: [NodeId; 2]| Node::apply(op, &args).hash64();
    /// assert_eq!(hash(Op::Mul, [x, y]), hash(Op::Mul, [y, x]));
    /// assert_ne!(hash(Op::Sub, [x, y]), hash(Op::Sub, [y, x]));
    /// ```
    #[inline]
    pub fn hash64(&self) -> u64 {
        hash_words(self.op, self.words.map(NodeId::as_u32))
    }

    /// A constant node holding exactly the bits of `x`.
    #[inline]
    pub fn constant(x: f64) -> Node {
        let bits = x.to_bits();
        Node {
            op: Op::Const,
            words: [word(bits as u32), word((bits >> 32) as u32), word(0)],
        }
    }

    /// An input node for the graph's symbol `symbol`.
    #[inline]
    pub fn input(symbol: u32) -> Node {
        Node {
            op: Op::Input,
            words: [word(symbol), word(0), word(0)],
        }
    }

    /// `a ^ n`, integer power.
    #[inline]
    pub fn powi(a: NodeId, n: i32) -> Node {
        Node {
            op: Op::PowI,
            words: [a, word(n as u32), word(0)],
        }
    }

    /// `op` applied to `args`, exactly as given (no normalization). `args.len()` must be
    /// `op.arity()`, and `op` must not be a leaf or `PowI`.
    #[inline]
    pub fn apply(op: Op, args: &[NodeId]) -> Node {
        debug_assert_eq!(args.len(), op.arity());
        debug_assert!(!matches!(op, Op::Input | Op::Const | Op::PowI));
        // Three fixed reads rather than a copy of `args.len()` words, which compiles
        // to a call of `memcpy`.
        let at = |i: usize| args.get(i).copied().unwrap_or(word(0));
        Node {
            op,
            words: [at(0), at(1), at(2)],
        }
    }

    /// `op` of the words `words` as they are (operands, or a payload; the words past
    /// the operator's operands 0).
    #[inline]
    pub(crate) fn from_words(op: Op, words: [NodeId; 3]) -> Node {
        Node { op, words }
    }

    /// The operator.
    #[inline]
    pub fn op(&self) -> Op {
        self.op
    }

    /// The operand ids (empty for leaves).
    #[inline]
    pub fn args(&self) -> &[NodeId] {
        &self.words[..self.op.arity()]
    }

    /// The operand ids, to renumber them (empty for leaves).
    #[inline]
    pub(crate) fn args_mut(&mut self) -> &mut [NodeId] {
        let n = self.op.arity();
        &mut self.words[..n]
    }

    /// Operand `i` (panics past the arity).
    #[inline]
    pub fn arg(&self, i: usize) -> NodeId {
        self.args()[i]
    }

    /// The value of a constant node.
    #[inline]
    pub fn constant_value(&self) -> Option<f64> {
        (self.op == Op::Const)
            .then(|| f64::from_bits(self.word(0) as u64 | (self.word(1) as u64) << 32))
    }

    /// The symbol index of an input node.
    #[inline]
    pub fn input_symbol(&self) -> Option<u32> {
        (self.op == Op::Input).then_some(self.word(0))
    }

    /// The exponent of a `PowI` node (0 for every other node).
    #[inline]
    pub fn exponent(&self) -> i32 {
        if self.op == Op::PowI {
            self.word(1) as i32
        } else {
            0
        }
    }
}

impl Node {
    /// Payload word `i` as a plain number.
    #[inline]
    fn word(&self, i: usize) -> u32 {
        self.words[i].as_u32()
    }
}

/// [`Node::hash64`] of the node with operator `op` and words `[a, b, c]` (operands or
/// payload, unused words 0), without building the node.
#[inline(always)]
pub(crate) fn hash_words(op: Op, [a, b, c]: [u32; 3]) -> u64 {
    let (a, b) = if op.is_commutative() {
        (a.min(b), a.max(b))
    } else {
        (a, b)
    };
    let lo = op as u64 | (a as u64) << 32;
    let hi = b as u64 | (c as u64) << 32;
    let h = fold_multiply(lo ^ 0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7345);
    fold_multiply(h ^ hi, 0xA409_3822_299F_31D1)
}

/// The 128-bit product of `a` and `b`, its halves xor-ed.
#[inline]
const fn fold_multiply(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// A payload word (not an operand id).
#[inline]
const fn word(x: u32) -> NodeId {
    NodeId::new(x)
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.op {
            Op::Const => write!(f, "Const({:?})", self.constant_value().unwrap_or(f64::NAN)),
            Op::Input => write!(f, "Input(#{})", self.word(0)),
            Op::PowI => write!(f, "PowI({}, {})", self.arg(0), self.exponent()),
            op => write!(f, "{op:?}{:?}", self.args()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 16);
    }

    #[test]
    fn payloads_round_trip() {
        for x in [0.0, -0.0, 1.5, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(
                Node::constant(x).constant_value().unwrap().to_bits(),
                x.to_bits()
            );
        }
        assert_ne!(Node::constant(0.0), Node::constant(-0.0));
        let p = Node::powi(NodeId::new(7), -3);
        assert_eq!(p.exponent(), -3);
        assert_eq!(p.args(), &[NodeId::new(7)]);
        let s = Node::apply(
            Op::Select,
            &[NodeId::new(1), NodeId::new(2), NodeId::new(3)],
        );
        assert_eq!(s.arg(2), NodeId::new(3));
        assert_eq!(Node::input(4).input_symbol(), Some(4));
    }
}
