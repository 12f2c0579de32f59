//! The `prefixproof` command-line tool; see `prefixproof --help`.

fn main() -> std::process::ExitCode {
    prefixproof::app::cli::main()
}
