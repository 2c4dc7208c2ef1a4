//! Server entry: load config, start telemetry, run. Everything else lives in `server::startup`.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match mewayz::server::config::Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("mewayz: {err}");
            return ExitCode::FAILURE;
        }
    };
    mewayz::server::telemetry::init(&config);
    match mewayz::server::startup::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line the operator can act on (e.g. which variable to fix), not a backtrace.
            eprintln!("mewayz: {err:#}");
            ExitCode::FAILURE
        }
    }
}
