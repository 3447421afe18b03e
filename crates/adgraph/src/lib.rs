//! adgraph facade.
