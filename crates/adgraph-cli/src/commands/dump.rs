//! `adgraph dump FILE`: the function as normalized `.adg`, one `let` per node.
//!
//! The printer's output is valid input again, so `adgraph dump f.adg | adgraph dump -`
//! prints the same text: a quick way to see what hash-consing and the constructors'
//! local rewrites made of a file.

use crate::error::CliError;
use crate::sink::Sink;
use crate::source::SourceArgs;
use clap::Args;

/// Arguments of `adgraph dump`.
#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  adgraph dump examples/seed.adg\n  adgraph dump -e 'x*x + x*y + 2'"
)]
pub struct DumpArgs {
    #[command(flatten)]
    source: SourceArgs,
}

/// Runs `adgraph dump`.
pub fn run(args: &DumpArgs) -> Result<(), CliError> {
    let loaded = args.source.load()?;
    let mut sink = Sink::stdout();
    sink.write(&adgraph::ir::dump(&loaded.graph, &loaded.function))?;
    sink.finish()
}
