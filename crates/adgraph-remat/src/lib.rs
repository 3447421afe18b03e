//! adgraph-remat (work in progress).
