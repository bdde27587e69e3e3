#[tokio::main]
async fn main() -> std::process::ExitCode {
    purser_server::cli::run().await
}
