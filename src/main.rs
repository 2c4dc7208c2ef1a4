//! Server entry: load config, start telemetry, run. Everything else lives in `server::startup`.
//!
//! With arguments it is the operator's command line instead:
//! `mewayz admin grant <email>` / `mewayz admin revoke <email>` set or clear an account's
//! platform-admin flag (same `DATABASE_URL` and `.env` as the server).
use std::process::ExitCode;

use mewayz::server::config::Config;

const USAGE: &str = "usage:
  mewayz                        start the server
  mewayz admin grant <email>    make the account a platform admin
  mewayz admin revoke <email>   take platform admin access away";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("mewayz: {err}");
            return ExitCode::FAILURE;
        }
    };
    if !args.is_empty() {
        // Only warnings and errors: the command's own output is one line.
        if std::env::var_os("LOG_LEVEL").is_none() {
            config.log_level = "warn".into();
        }
        mewayz::server::telemetry::init(&config);
        return command(config, &args).await;
    }
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

async fn command(config: Config, args: &[String]) -> ExitCode {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["admin", action @ ("grant" | "revoke"), email] => set_platform_admin(config, email, *action == "grant").await,
        _ => {
            eprintln!("mewayz: unknown command: {}\n{USAGE}", args.join(" "));
            ExitCode::from(2)
        }
    }
}

async fn set_platform_admin(config: Config, email: &str, on: bool) -> ExitCode {
    use mewayz::server::{db, error::AppError};

    let pool = match db::connect(&config).await {
        Ok(pool) => pool,
        Err(err) => {
            eprintln!("mewayz: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = db::migrate(&pool).await {
        eprintln!("mewayz: {err:#}");
        return ExitCode::FAILURE;
    }
    let email = email.trim().to_lowercase();
    let result = mewayz::modules::admin::service::set_platform_admin(&pool, &email, on).await;
    pool.close().await;
    match result {
        Ok(()) if on => {
            println!("{email} is now a platform admin");
            ExitCode::SUCCESS
        }
        Ok(()) => {
            println!("{email} is no longer a platform admin");
            ExitCode::SUCCESS
        }
        Err(AppError::NotFound) => {
            eprintln!("mewayz: no account has the email {email:?}");
            ExitCode::FAILURE
        }
        Err(AppError::Validation { errors }) => {
            let message = errors.first().map(|e| e.message.as_str()).unwrap_or("invalid input");
            eprintln!("mewayz: {message}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("mewayz: {err}");
            ExitCode::FAILURE
        }
    }
}
