//! The `adgraph` binary: installs the panic hook, runs the command line, exits with
//! its status (0 done, 2 a user error, 1 an internal error). Everything else lives in
//! the `adgraph_cli` library beside this file.

fn main() {
    adgraph_cli::install_panic_hook();
    std::process::exit(adgraph_cli::run());
}
