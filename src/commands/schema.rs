use std::io::Write;

use crate::cli::SchemaArgs;
use crate::error::Error;

/// Prints the JSON Schema of one file kind on stdout.
pub fn schema(args: SchemaArgs) -> Result<i32, Error> {
    std::io::stdout()
        .write_all(crate::file_formats::json_schema_text(args.kind).as_bytes())
        .map_err(|e| Error::Config(format!("cannot write the schema: {e}")))?;
    Ok(0)
}
