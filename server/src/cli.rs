//! The `purser` command line: serve, migrate, demo, permissions.

use crate::startup::{self, Settings};
use crate::{db, demo};
use clap::{Parser, Subcommand, ValueEnum};
use purser_core::permissions::{grants, matrix, Action};
use purser_core::Role;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "purser",
    version,
    about = "Purser: an organization console built around the Billing Manager role"
)]
struct Cli {
    /// sqlite://path/to/file.db or postgres://user@host/db. Default: a SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Where the default SQLite database lives.
    #[arg(long, env = "PURSER_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the web UI and the REST API.
    Serve(ServeArgs),
    /// Apply migrations and exit.
    Migrate,
    /// Create (or refresh) the demo organization `acme` and print its users.
    Demo {
        #[arg(long, value_enum, default_value_t = DemoFormat::Text)]
        format: DemoFormat,
    },
    /// Run the monthly billing cycle by hand.
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Print the permission matrix from purser-core.
    Permissions {
        #[arg(long, value_enum, default_value_t = MatrixFormat::Markdown)]
        format: MatrixFormat,
    },
}

#[derive(Subcommand)]
enum BillingCommand {
    /// Charge every organization for one period (YYYY-MM), once: a period already billed is skipped.
    Run {
        #[arg(long)]
        period: String,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, env = "PURSER_ADDR", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// The address people use to reach Purser, for links in emails. Default: http://ADDR.
    #[arg(long, env = "PURSER_BASE_URL")]
    base_url: Option<String>,
    /// SMTP server for outgoing email, e.g. smtp://user:pass@mail.example.com:587?tls=required.
    #[arg(long, env = "PURSER_SMTP_URL")]
    smtp_url: Option<String>,
    #[arg(
        long,
        env = "PURSER_SMTP_FROM",
        default_value = "Purser <purser@localhost>"
    )]
    smtp_from: String,
    /// Serve every queued email at /dev/mailbox (development only: it shows secrets).
    #[arg(long, env = "PURSER_DEV_MAILBOX")]
    dev_mailbox: bool,
    /// The directory cargo-leptos built the site into.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum DemoFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum MatrixFormat {
    Markdown,
    Json,
}

pub async fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let database_url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", cli.data_dir.join("purser.db").display()));
    match run_command(cli.command, database_url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run_command(command: Command, database_url: String) -> Result<(), String> {
    match command {
        Command::Serve(args) => {
            let settings = Settings {
                database_url,
                addr: args.addr,
                base_url: args
                    .base_url
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned(),
                smtp_url: args.smtp_url.filter(|u| !u.is_empty()),
                smtp_from: args.smtp_from,
                dev_mailbox: args.dev_mailbox,
                site_root: args.site_root,
                mail_interval: Duration::from_secs(2),
            };
            let running = startup::start(settings).await.map_err(|e| e.to_string())?;
            tracing::info!("Purser is serving at http://{}", running.addr);
            running
                .handle
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
        }
        Command::Migrate => {
            let pool = db::connect(&database_url)
                .await
                .map_err(|e| e.to_string())?;
            db::MIGRATOR.run(&pool).await.map_err(|e| e.to_string())?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo { format } => {
            let pool = db::connect(&database_url)
                .await
                .map_err(|e| e.to_string())?;
            db::MIGRATOR.run(&pool).await.map_err(|e| e.to_string())?;
            let demo = demo::create(&pool).await.map_err(|e| e.public_message())?;
            match format {
                DemoFormat::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&demo).unwrap_or_default()
                )),
                DemoFormat::Text => emit(&demo.to_text()),
            }
            Ok(())
        }
        Command::Billing {
            command: BillingCommand::Run { period },
        } => {
            let period = purser_core::billing::Period::parse(&period).map_err(|e| e.to_string())?;
            let pool = db::connect(&database_url)
                .await
                .map_err(|e| e.to_string())?;
            db::MIGRATOR.run(&pool).await.map_err(|e| e.to_string())?;
            let report = crate::billing::run_cycle(
                &pool,
                &crate::billing::processor::BuiltInProcessor,
                period,
            )
            .await
            .map_err(|e| e.public_message())?;
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ));
            Ok(())
        }
        Command::Permissions { format } => {
            match format {
                MatrixFormat::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&matrix()).unwrap_or_default()
                )),
                MatrixFormat::Markdown => emit(&matrix_markdown()),
            }
            Ok(())
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The matrix as a Markdown table: one row per action, one column per role.
fn matrix_markdown() -> String {
    let mut out = String::from("| resource | action | admin | member | billing-manager |\n| --- | --- | --- | --- | --- |\n");
    for &action in Action::ALL {
        let cells: Vec<&str> = Role::ALL
            .into_iter()
            .map(|role| {
                let s = grants(role, action);
                match (s.ui, s.api) {
                    (true, true) => "ui, api",
                    (false, true) => "api only",
                    (true, false) => "ui only",
                    (false, false) => "—",
                }
            })
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            action.resource().as_str(),
            action.verb(),
            cells.join(" | ")
        ));
    }
    out
}
