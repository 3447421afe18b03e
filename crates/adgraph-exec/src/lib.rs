//! adgraph-exec (work in progress).
