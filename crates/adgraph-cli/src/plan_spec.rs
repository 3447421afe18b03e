//! `--plan P`: the checkpoint plan a gradient runs under, as the user writes it.
//!
//! `store-all` (the default), `recompute-all`, `periodic:K` (a checkpoint every K
//! segments), `revolve:S` (binomial checkpointing with S snapshots) and `budget:SIZE`
//! (the least recomputation that fits SIZE bytes; SIZE like `65536B`, `64KiB`,
//! `16MiB`, `1GiB`, or a bare number of bytes). A [`PlanSpec`] prints back as the
//! text it was read from (sizes normalized), which is what `adgraph bench --json`
//! reports under `"plan"`.

use crate::number::shorten;
use std::fmt;
use std::str::FromStr;

/// A checkpoint plan as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSpec {
    /// Keep every value the backward sweep needs.
    StoreAll,
    /// Keep only the inputs; recompute every needed value.
    RecomputeAll,
    /// A checkpoint every `k` segments.
    Periodic(usize),
    /// Binomial checkpointing with `s` snapshots.
    Revolve(usize),
    /// The least recomputation whose peak memory fits in this many bytes.
    Budget(u64),
}

/// The plans `--plan` takes, for messages.
pub const PLAN_FORMS: &str =
    "store-all, recompute-all, periodic:K, revolve:S or budget:SIZE (e.g. budget:64KiB)";

impl FromStr for PlanSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<PlanSpec, String> {
        let text = text.trim();
        let (name, argument) = match text.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (text, None),
        };
        let count = |what: &str| -> Result<usize, String> {
            let a = argument.unwrap_or("");
            match a.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(format!(
                    "`{}`: {what} must be a whole number, at least 1 (e.g. {name}:10)",
                    shorten(text)
                )),
            }
        };
        match (name, argument) {
            ("store-all", None) => Ok(PlanSpec::StoreAll),
            ("recompute-all", None) => Ok(PlanSpec::RecomputeAll),
            ("periodic", Some(_)) => Ok(PlanSpec::Periodic(count("K")?)),
            ("revolve", Some(_)) => Ok(PlanSpec::Revolve(count("S")?)),
            ("budget", Some(size)) => parse_size(size)
                .map(PlanSpec::Budget)
                .map_err(|e| format!("`{}`: {e}", shorten(text))),
            ("periodic" | "revolve" | "budget", None) => Err(format!(
                "`{name}` needs a value after a colon, e.g. {}",
                match name {
                    "periodic" => "periodic:10",
                    "revolve" => "revolve:20",
                    _ => "budget:64KiB",
                }
            )),
            _ => Err(format!(
                "unknown plan `{}`; write {PLAN_FORMS}",
                shorten(text)
            )),
        }
    }
}

impl fmt::Display for PlanSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanSpec::StoreAll => f.write_str("store-all"),
            PlanSpec::RecomputeAll => f.write_str("recompute-all"),
            PlanSpec::Periodic(k) => write!(f, "periodic:{k}"),
            PlanSpec::Revolve(s) => write!(f, "revolve:{s}"),
            PlanSpec::Budget(bytes) => write!(f, "budget:{}", format_size(*bytes)),
        }
    }
}

/// A byte count: digits, then `B`, `KiB`, `MiB`, `GiB` (or nothing, meaning bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let scale: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => {
            return Err(format!(
                "`{}` is not a size; write e.g. 65536B, 64KiB, 16MiB",
                shorten(text)
            ))
        }
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!(
            "`{}` is not a size; write e.g. 65536B, 64KiB, 16MiB",
            shorten(text)
        )
    })?;
    n.checked_mul(scale)
        .ok_or_else(|| format!("`{}` is too large", shorten(text)))
}

/// `bytes` in the largest binary unit that divides it exactly (`64KiB`, `100B`).
pub fn format_size(bytes: u64) -> String {
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{}{unit}", bytes / scale);
        }
    }
    format!("{bytes}B")
}

/// `--plan` as a clap value parser.
pub fn parse_plan(text: &str) -> Result<PlanSpec, String> {
    text.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for (text, plan) in [
            ("store-all", PlanSpec::StoreAll),
            ("recompute-all", PlanSpec::RecomputeAll),
            ("periodic:10", PlanSpec::Periodic(10)),
            ("revolve:20", PlanSpec::Revolve(20)),
            ("budget:64KiB", PlanSpec::Budget(65536)),
            ("budget:16MiB", PlanSpec::Budget(16 << 20)),
            ("budget:100B", PlanSpec::Budget(100)),
        ] {
            assert_eq!(text.parse::<PlanSpec>(), Ok(plan));
            assert_eq!(plan.to_string(), text);
        }
        assert_eq!(parse_plan("budget:65536B"), Ok(PlanSpec::Budget(65536)));
        assert_eq!(parse_plan("budget:2048"), Ok(PlanSpec::Budget(2048)));
        assert_eq!(PlanSpec::Budget(65536).to_string(), "budget:64KiB");
    }

    #[test]
    fn bad_plans_say_what_to_write() {
        assert_eq!(
            parse_plan("keep-some").unwrap_err(),
            "unknown plan `keep-some`; write store-all, recompute-all, periodic:K, revolve:S or budget:SIZE (e.g. budget:64KiB)"
        );
        assert_eq!(
            parse_plan("revolve:0").unwrap_err(),
            "`revolve:0`: S must be a whole number, at least 1 (e.g. revolve:10)"
        );
        assert_eq!(
            parse_plan("periodic:x").unwrap_err(),
            "`periodic:x`: K must be a whole number, at least 1 (e.g. periodic:10)"
        );
        assert_eq!(
            parse_plan("budget").unwrap_err(),
            "`budget` needs a value after a colon, e.g. budget:64KiB"
        );
        assert_eq!(
            parse_plan("budget:64KB").unwrap_err(),
            "`budget:64KB`: `64KB` is not a size; write e.g. 65536B, 64KiB, 16MiB"
        );
        assert_eq!(
            parse_plan("budget:99999999999999GiB").unwrap_err(),
            "`budget:99999999999999GiB`: `99999999999999GiB` is too large"
        );
        assert!(parse_plan("store-all:3").is_err());
        assert!(parse_plan("budget:KiB").is_err());
    }
}
