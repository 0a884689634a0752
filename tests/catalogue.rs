//! The catalogue as a test target of this crate, so `cargo test` and `cargo nextest run`
//! drive it like any other tests (nextest runs one process per case). It takes the same
//! arguments and environment variables as `stackconform run`; without `--cloud` it runs
//! against the embedded reference cloud.
use clap::Parser;
use stackconform::cli::RunArgs;

#[derive(Parser)]
#[command(name = "catalogue")]
struct Args {
    #[command(flatten)]
    run: RunArgs,
}

fn main() {
    let args = Args::parse();
    let code = match stackconform::commands::run(args.run) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
