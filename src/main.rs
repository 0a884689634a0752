//! The binary's edge: parse the command line, run, turn errors into exit codes.
use clap::FromArgMatches;
use stackconform::cli::{Cli, Command};
use stackconform::commands;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in CI logs or files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let matches = stackconform::cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        None => commands::run(cli.run),
        Some(Command::Run(args)) => commands::run(*args),
        Some(Command::Serve(args)) => commands::serve(args),
        Some(Command::Mutants(args)) => commands::mutants(args),
        Some(Command::Schema(args)) => commands::schema(args),
        Some(Command::Coverage(args)) => commands::coverage(args),
        Some(Command::Diff(args)) => commands::diff(args),
        Some(Command::Merge(args)) => commands::merge(args),
        Some(Command::Sweep(args)) => commands::sweep(args),
        Some(Command::Profile(args)) => commands::profile(args),
        Some(Command::Completions(args)) => commands::completions(args),
        Some(Command::Catalogue(args)) => commands::catalogue(args),
        Some(Command::Review(args)) => commands::review(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
