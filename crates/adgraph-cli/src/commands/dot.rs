//! `adgraph dot FILE`: the function as a Graphviz DOT graph, for
//! `adgraph dot f.adg | dot -Tsvg > f.svg`.

use crate::error::CliError;
use crate::sink::Sink;
use crate::source::SourceArgs;
use clap::Args;

/// Arguments of `adgraph dot`.
#[derive(Args, Debug)]
#[command(after_help = "Example:\n  adgraph dot examples/seed.adg | dot -Tsvg > seed.svg")]
pub struct DotArgs {
    #[command(flatten)]
    source: SourceArgs,
}

/// Runs `adgraph dot`.
pub fn run(args: &DotArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let mut sink = Sink::stdout();
    sink.write(&adgraph::ir::to_dot(&loaded.graph, &loaded.function))?;
    sink.finish()
}
