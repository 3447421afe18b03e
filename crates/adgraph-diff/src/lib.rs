//! adgraph-diff (work in progress).
