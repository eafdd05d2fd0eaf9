//! `portal-server`: Cartable's reference portal (see `portal_server::cli`).

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to stderr: stdout carries only the origin line (docs/contract.md §0).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    portal_server::cli::run(portal_server::cli::Cli::parse()).await
}
