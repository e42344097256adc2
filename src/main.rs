//! The `pgrift` binary: parses arguments, runs a command, and turns errors
//! into a message with a hint and a documented exit status.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(cli::EXIT_ERROR);
        }
    };
    runtime.block_on(async {
        pgrift::source::install_signal_cleanup();
        match cli::run(cli).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                if let Some(hint) = e.hint() {
                    eprintln!("hint: {hint}");
                }
                ExitCode::from(cli::EXIT_ERROR)
            }
        }
    })
}
