//! adgraph-opt (work in progress).
