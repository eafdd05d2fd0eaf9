//! `portal-server`: Cartable's reference portal (see `portal_server::cli`).

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = portal_server::cli::Cli::parse();
    portal_server::cli::init_logging(cli.log_format);
    portal_server::cli::run(cli).await
}
