//! The `purser` command line: serve, migrate, demo, permissions.

use crate::startup::{self, Settings};
use clap::{Args, Parser, Subcommand, ValueEnum};
use purser_core::permissions::{grants, matrix, Action};
use purser_core::Role;
use purser_services::demo;
use purser_services::state::PaymentSettings;
use purser_services::storage::db;
use purser_services::throttle::Limits;
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
    // (Boxed: its many settings would make every other command as large.)
    Serve(Box<ServeArgs>),
    /// Apply migrations and exit.
    Migrate,
    /// Create (or refresh) the demo organization `acme` and print its users.
    Demo {
        #[arg(long, value_enum, default_value_t = DemoFormat::Text)]
        format: DemoFormat,
        /// `large` grows the organization to 10,000 members, 500 billing managers,
        /// 10,000 pending invitations and 200 stacks with 500 updates each (Enterprise),
        /// for the load benchmark.
        #[arg(long, value_enum, default_value_t = DemoSize::Small)]
        size: DemoSize,
    },
    /// Copy the SQLite database, consistently, while the server runs (to a new file).
    Backup {
        /// Where the copy goes; it must not exist yet.
        path: PathBuf,
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
        /// The address people use to reach Purser, for the links in payment emails.
        #[arg(long, env = "PURSER_BASE_URL", default_value = "http://127.0.0.1:3000")]
        base_url: String,
        #[command(flatten)]
        payments: PaymentArgs,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProcessorChoice {
    /// The built-in test processor: approves every card but 4000 0000 0000 0002.
    Builtin,
    /// Stripe: keys from PURSER_STRIPE_SECRET_KEY, PURSER_STRIPE_PUBLISHABLE_KEY and
    /// PURSER_STRIPE_WEBHOOK_SECRET.
    Stripe,
}

/// Which processor takes payments. Stripe's keys are read from the environment only
/// (never flags, which `ps` shows), and never logged.
#[derive(Args)]
struct PaymentArgs {
    #[arg(long, env = "PURSER_PAYMENT_PROCESSOR", value_enum, default_value_t = ProcessorChoice::Builtin)]
    payment_processor: ProcessorChoice,
}

impl PaymentArgs {
    fn settings(&self) -> Result<PaymentSettings, String> {
        use purser_services::billing::stripe::{StripeConfig, DEFAULT_API_BASE, DEFAULT_JS_URL};
        if self.payment_processor == ProcessorChoice::Builtin {
            return Ok(PaymentSettings::BuiltIn);
        }
        let required = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
            _ => Err(format!(
                "--payment-processor stripe needs {name} in the environment (see docs/payments.md)"
            )),
        };
        let optional = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let config = StripeConfig {
            secret_key: required("PURSER_STRIPE_SECRET_KEY")?,
            publishable_key: required("PURSER_STRIPE_PUBLISHABLE_KEY")?,
            webhook_secret: required("PURSER_STRIPE_WEBHOOK_SECRET")?,
            api_base: optional("PURSER_STRIPE_API_BASE", DEFAULT_API_BASE),
            js_url: optional("PURSER_STRIPE_JS_URL", DEFAULT_JS_URL),
        };
        for (name, value) in [
            ("PURSER_STRIPE_API_BASE", &config.api_base),
            ("PURSER_STRIPE_JS_URL", &config.js_url),
        ] {
            match url::Url::parse(value) {
                Ok(u) if u.scheme() == "https" || u.scheme() == "http" => {}
                _ => return Err(format!("{name} is not an http(s) address: {value:?}")),
            }
        }
        if !config.publishable_key.starts_with("pk_") {
            return Err("PURSER_STRIPE_PUBLISHABLE_KEY is not a publishable key (pk_…)".into());
        }
        Ok(PaymentSettings::Stripe(config))
    }
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
    /// Serve Prometheus metrics at http://ADDR/metrics (off unless set; keep it private).
    #[arg(long, env = "PURSER_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Let organizations' identity providers (OpenID Connect) live on private or
    /// loopback addresses and plain http: for a company's own provider inside its
    /// network. Off, Purser calls providers only at public https addresses.
    #[arg(long, env = "PURSER_SSO_ALLOW_PRIVATE_NETWORKS")]
    sso_allow_private_networks: bool,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    payments: PaymentArgs,
    /// A session ends after this many hours without use.
    #[arg(long, env = "PURSER_SESSION_IDLE_HOURS", default_value_t = 168, value_parser = clap::value_parser!(u64).range(1..))]
    session_idle_hours: u64,
    /// A session ends this many days after sign-in, however much it is used.
    #[arg(long, env = "PURSER_SESSION_MAX_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    session_max_days: u64,
}

/// Rate limits (see `throttle`); 0 turns a limit off.
#[derive(Args)]
struct LimitArgs {
    /// Sign-in attempts per client address per minute.
    #[arg(long, env = "PURSER_LIMIT_SIGN_IN_PER_MINUTE", default_value_t = Limits::default().sign_in_per_minute)]
    limit_sign_in_per_minute: u32,
    /// Accounts created per client address per hour.
    #[arg(long, env = "PURSER_LIMIT_SIGN_UP_PER_HOUR", default_value_t = Limits::default().sign_up_per_hour)]
    limit_sign_up_per_hour: u32,
    /// Verification resends and password-reset requests per client address and per account per hour.
    #[arg(long, env = "PURSER_LIMIT_EMAILS_PER_HOUR", default_value_t = Limits::default().emails_per_hour)]
    limit_emails_per_hour: u32,
    /// Invitations per account per hour (each address invited, link created or resend
    /// counts one), and invitation requests per client address per hour.
    #[arg(long, env = "PURSER_LIMIT_INVITATIONS_PER_HOUR", default_value_t = Limits::default().invitations_per_hour)]
    limit_invitations_per_hour: u32,
    /// Attempts to accept an invitation per account per hour.
    #[arg(long, env = "PURSER_LIMIT_ACCEPTANCES_PER_HOUR", default_value_t = Limits::default().acceptances_per_hour)]
    limit_acceptances_per_hour: u32,
    /// Failed token authentications per client address per minute.
    #[arg(long, env = "PURSER_LIMIT_TOKEN_FAILURES_PER_MINUTE", default_value_t = Limits::default().token_failures_per_minute)]
    limit_token_failures_per_minute: u32,
    /// Failed sign-ins that lock an account (shared by every instance)…
    #[arg(long, env = "PURSER_LOCKOUT_FAILURES", default_value_t = Limits::default().lockout_failures)]
    lockout_failures: u32,
    /// …within this many minutes, and for this many minutes.
    #[arg(long, env = "PURSER_LOCKOUT_MINUTES", default_value_t = Limits::default().lockout_minutes, value_parser = clap::value_parser!(u32).range(1..))]
    lockout_minutes: u32,
    /// Password hashes computed at once (argon2id uses 19 MiB each).
    #[arg(long, env = "PURSER_PASSWORD_HASHING_CONCURRENCY", default_value_t = Limits::default().password_hashing_concurrency as u64, value_parser = clap::value_parser!(u64).range(1..=256))]
    password_hashing_concurrency: u64,
    /// Count clients by the last `X-Forwarded-For` address (only behind a proxy that sets it).
    #[arg(long, env = "PURSER_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
}

impl From<LimitArgs> for Limits {
    fn from(a: LimitArgs) -> Limits {
        Limits {
            sign_in_per_minute: a.limit_sign_in_per_minute,
            sign_up_per_hour: a.limit_sign_up_per_hour,
            emails_per_hour: a.limit_emails_per_hour,
            invitations_per_hour: a.limit_invitations_per_hour,
            acceptances_per_hour: a.limit_acceptances_per_hour,
            token_failures_per_minute: a.limit_token_failures_per_minute,
            lockout_failures: a.lockout_failures,
            lockout_minutes: a.lockout_minutes,
            password_hashing_concurrency: a.password_hashing_concurrency as usize,
            trust_forwarded_for: a.trust_forwarded_for,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DemoFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DemoSize {
    Small,
    Large,
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
                limits: args.limits.into(),
                session_idle: Duration::from_secs(args.session_idle_hours.saturating_mul(3600)),
                session_max: Duration::from_secs(args.session_max_days.saturating_mul(24 * 3600)),
                metrics_addr: args.metrics_addr,
                sso_allow_private_networks: args.sso_allow_private_networks,
                payments: args.payments.settings()?,
            };
            let running = startup::start(settings).await.map_err(|e| e.to_string())?;
            tracing::info!("Purser is serving at http://{}", running.addr);
            if let Some(addr) = running.metrics_addr {
                tracing::info!("metrics at http://{addr}/metrics");
            }
            running
                .handle
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
        }
        Command::Migrate => {
            prepared(&database_url).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo { format, size } => {
            let pool = prepared(&database_url).await?;
            let demo = demo::create(&pool).await.map_err(|e| e.public_message())?;
            if size == DemoSize::Large {
                demo::large::grow(&pool)
                    .await
                    .map_err(|e| e.public_message())?;
            }
            match format {
                DemoFormat::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&demo).unwrap_or_default()
                )),
                DemoFormat::Text => emit(&demo.to_text()),
            }
            Ok(())
        }
        Command::Backup { path } => {
            let bytes = purser_services::backup::sqlite(&database_url, &path)
                .await
                .map_err(|e| e.to_string())?;
            emit(&format!(
                "backed up to {} ({bytes} bytes, integrity checked)\n",
                path.display()
            ));
            Ok(())
        }
        Command::Billing {
            command:
                BillingCommand::Run {
                    period,
                    base_url,
                    payments,
                },
        } => {
            let period = purser_core::billing::Period::parse(&period).map_err(|e| e.to_string())?;
            let (processor, _) = purser_services::billing::processor_for(&payments.settings()?);
            let pool = prepared(&database_url).await?;
            let report = purser_services::billing::run_cycle(
                &pool,
                processor.as_ref(),
                base_url.trim_end_matches('/'),
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

/// The database at `url`, connected and migrated, for the commands that work on it.
async fn prepared(url: &str) -> Result<db::Db, String> {
    let pool = db::connect(url).await.map_err(|e| e.to_string())?;
    crate::startup::migrate(&pool)
        .await
        .map_err(|e| e.chain())?;
    Ok(pool)
}
