//! What the reverse-mode subcommands (`grad`, `plan`, `bench`) share: the `--plan`
//! value, picking the output to differentiate, and planning with errors worded for
//! the command line.
//!
//! Plans are `adgraph::remat::Strategy` values, parsed by the library's own spelling
//! (`store-all`, `recompute-all`, `periodic:K`, `revolve:S`, `budget:SIZE`). A budget no
//! plan fits is the user's to fix (status 2), and the message gives the smallest
//! feasible budget.

use crate::error::CliError;
use crate::source::Loaded;
use adgraph::remat::{plan_checkpoints, CostModel, Plan, RematError, Strategy, Trace};

/// `--plan` as a clap value parser.
pub fn parse_strategy(text: &str) -> Result<Strategy, String> {
    text.parse::<Strategy>().map_err(|e| e.to_string())
}

/// The position of the output to differentiate: `name`, or the only output.
pub fn output_index(loaded: &Loaded, name: Option<&str>) -> Result<usize, CliError> {
    let names = loaded.output_names();
    match name {
        Some(name) => names.iter().position(|n| *n == name).ok_or_else(|| {
            CliError::usage(format!(
                "--output: `{name}` is not an output of the function (its outputs: {})",
                names.join(", ")
            ))
        }),
        None if names.len() == 1 => Ok(0),
        None => Err(CliError::usage(format!(
            "the function has {} outputs ({}); pick one with --output NAME",
            names.len(),
            names.join(", ")
        ))),
    }
}

/// The trace of the loaded function: its program as the planner sees it.
pub fn trace(loaded: &Loaded) -> Result<Trace, CliError> {
    Trace::from_function(&loaded.graph, &loaded.function).map_err(CliError::internal)
}

/// The plan of `strategy` over `trace`, with the default cost model.
pub fn plan(trace: &Trace, strategy: Strategy) -> Result<Plan, CliError> {
    plan_checkpoints(trace, strategy, &CostModel::default()).map_err(|e| match e {
        RematError::BudgetTooSmall { .. } | RematError::BadParameter { .. } => {
            CliError::usage(format!("--plan {strategy}: {e}"))
        }
        e => CliError::internal(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceArgs;

    fn load(expression: &str) -> Loaded {
        SourceArgs {
            file: None,
            expression: Some(expression.to_string()),
        }
        .load()
        .unwrap()
    }

    #[test]
    fn plans_parse_in_the_library_spelling() {
        assert_eq!(parse_strategy("store-all"), Ok(Strategy::StoreAll));
        assert_eq!(parse_strategy("budget:64KiB"), Ok(Strategy::Budget(65536)));
        assert_eq!(parse_strategy("revolve:20"), Ok(Strategy::Revolve(20)));
        assert!(parse_strategy("revolve:0").is_err());
        assert!(parse_strategy("keep-some")
            .unwrap_err()
            .contains("store-all"));
    }

    #[test]
    fn an_infeasible_budget_is_a_user_error_naming_the_smallest() {
        let loaded = load("sin(x) * exp(y) + x*y");
        let t = trace(&loaded).unwrap();
        let err = plan(&t, Strategy::Budget(1)).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(
            err.to_string().contains("smallest feasible budget"),
            "{err}"
        );
        assert!(plan(&t, Strategy::StoreAll).is_ok());
    }

    #[test]
    fn the_output_is_named_or_the_only_one() {
        let loaded = load("x * y");
        assert_eq!(output_index(&loaded, None).unwrap(), 0);
        assert_eq!(output_index(&loaded, Some("out0")).unwrap(), 0);
        let err = output_index(&loaded, Some("z")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: --output: `z` is not an output of the function (its outputs: out0)"
        );
    }
}
