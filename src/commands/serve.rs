use std::io::Write;

use crate::cli::ServeArgs;
use crate::error::Error;
use refcloud::CloudConfig;

/// Serves the reference cloud until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<i32, Error> {
    let rt = super::runtime()?;
    rt.block_on(async {
        // Installed before READY is printed, so a signal sent right after is not lost.
        let mut signals = super::signals::Signals::install();
        let config = CloudConfig {
            listen: args.listen,
            ..args.reference.cloud_config()
        };
        if let Some(m) = config.mutant {
            eprintln!(
                "the reference cloud runs with the mutant {m}: {}",
                m.description()
            );
        }
        let cloud = refcloud::start(config)
            .await
            .map_err(|e| Error::Target(format!("cannot start the reference cloud: {e}")))?;
        if let Some(path) = &args.clouds_yaml {
            std::fs::write(path, cloud.clouds_yaml()).map_err(|e| Error::Io {
                path: path.clone(),
                source: e,
            })?;
        }
        // A closed stdout (`serve | head -1`) must not stop the cloud: ignore write errors.
        let say = |line: String| {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        };
        say(format!(
            "READY reference cloud at {} (auth_url {})",
            cloud.base_url(),
            cloud.auth_url()
        ));
        if let Some(path) = &args.clouds_yaml {
            say(format!("READY clouds.yaml written to {}", path.display()));
        }
        signals.next().await;
        cloud.shutdown().await;
        say("STOPPED".to_string());
        Ok(0)
    })
}
