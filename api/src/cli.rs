//! The `lianluo` command line: `serve` (the default), `migrate up|status`, `openapi`, and
//! `create-admin --username NAME` (password on standard input).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migration::{MigrationStatus, Migrator, MigratorTrait};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::{DisplayName, Username};
use crate::error::ApiError;
use crate::startup::Application;
use crate::{auth, openapi, routes, telemetry};

#[derive(Debug, Parser)]
#[command(name = "lianluo", version, about = "人大代表联络站 API service")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply or inspect database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Create a global administrator; the password is read from standard input.
    CreateAdmin {
        /// The administrator's sign-in name.
        #[arg(long)]
        username: String,
        /// The name shown to colleagues (default: the username).
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// List the migrations and whether each is applied.
    Status,
}

/// Runs the command line and returns the process's exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", openapi::spec_json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("lianluo: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let result = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Serve => serve(settings).await,
            Command::Migrate { action } => migrate(settings, action).await,
            Command::CreateAdmin {
                username,
                display_name,
            } => create_admin(settings, username, display_name).await,
            Command::Openapi => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lianluo: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let bind = settings.bind;
    let app = Application::build(settings).await?;
    tracing::info!(address = %bind, port = app.port(), "lianluo is listening; Swagger UI at /docs");
    app.run_until_stopped().await?;
    tracing::info!("lianluo stopped");
    Ok(())
}

async fn migrate(settings: Settings, action: MigrateAction) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url, 1).await?;
    match action {
        MigrateAction::Up => {
            db.migrate().await?;
            println!("migrations applied");
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(db.writer()).await? {
                let status = match migration.status() {
                    MigrationStatus::Applied => "applied",
                    MigrationStatus::Pending => "pending",
                };
                println!("{status:8} {}", migration.name());
            }
        }
    }
    Ok(())
}

async fn create_admin(
    settings: Settings,
    username: String,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let username =
        Username::parse("username", &username).map_err(|e| anyhow::anyhow!("{}", e.message.en))?;
    let display_name = DisplayName::parse(
        "display_name",
        display_name.as_deref().unwrap_or(username.as_str()),
        100,
    )
    .map_err(|e| anyhow::anyhow!("display name: {}", e.message.en))?
    .into_inner();
    let password = read_password()?;
    auth::password::check_policy("password", &password, Some(username.as_str()))
        .map_err(|e| anyhow::anyhow!("{}", e.message.en))?;
    let db = Db::connect(&settings.database_url, 1).await?;
    db.migrate().await?;
    let name = username.as_str().to_owned();
    match routes::users::service::create_global_admin(&db, username, display_name, password).await {
        Ok(user) => {
            println!("created global administrator {name} ({})", user.id);
            Ok(())
        }
        Err(ApiError::Conflict(_)) => Err(anyhow::anyhow!("a user named {name} already exists")),
        Err(err) => Err(anyhow::anyhow!("could not create the administrator: {err}")),
    }
}

/// Reads the password: hidden at a terminal, else the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        rpassword::prompt_password("password: ")?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        anyhow::bail!("no password on standard input");
    }
    Ok(password)
}
