//! Placeholder until this area's bench lands.
fn main() {}
