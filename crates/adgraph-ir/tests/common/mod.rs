//! Helpers the property tests of this crate share.

use proptest::prelude::ProptestConfig;

/// Cases per property: `ADGRAPH_PROPTEST_CASES`, else `default`.
pub fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("ADGRAPH_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(n)
}
