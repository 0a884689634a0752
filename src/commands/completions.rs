use std::io::Write;

use crate::cli::CompletionsArgs;
use crate::error::Error;

/// Writes the completion script of `args.shell` for every subcommand and flag. Rendered
/// into memory first: clap_complete panics when its writer fails (`| head`).
pub fn completions(args: CompletionsArgs) -> Result<i32, Error> {
    let mut command = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "stackconform", &mut script);
    match std::io::stdout().write_all(&script) {
        Ok(()) => Ok(0),
        // The reader has what it wanted (`completions bash | head`).
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::Config(format!(
            "cannot write the completion script: {e}"
        ))),
    }
}
