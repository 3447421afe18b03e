//! `NodeId`: the index of a node in its `Graph`, printed as `v<index>`.

use std::fmt;

/// The index of a node in a [`Graph`](crate::Graph) arena.
///
/// Ids are dense and assigned in creation order; every operand of a node has a smaller
/// id than the node itself, so ascending id order is a topological order. An id is only
/// meaningful in the graph that returned it.
///
/// ```
/// use adgraph_ir::NodeId;
/// assert_eq!(NodeId::new(12).to_string(), "v12");
/// assert_eq!(NodeId::new(12).index(), 12);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct NodeId(u32);

impl NodeId {
    /// The id of the node at `index`.
    #[inline]
    pub const fn new(index: u32) -> NodeId {
        NodeId(index)
    }

    /// The id as a `usize`, for indexing side tables.
    #[inline]
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw `u32`.
    #[inline]
    pub const fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}
