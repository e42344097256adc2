//! The `pgrift` binary: parses arguments, runs a command, and turns errors
//! into a message with a hint and a documented exit status.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tune_malloc();
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
                // Errors quote names and server messages, which may hold
                // control characters: each line is printed as `visible`
                // text, keeping only the message's own line breaks.
                let lines = |text: &str| {
                    text.split('\n')
                        .map(|line| pgrift::sql::visible(line).into_owned())
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                eprintln!("error: {}", lines(&e.to_string()));
                if let Some(hint) = e.hint() {
                    eprintln!("hint: {}", lines(&hint));
                }
                ExitCode::from(e.exit_code())
            }
        }
    })
}

/// Two settings of glibc's allocator, for a process that reads two large
/// catalogs at once and frees a third of what it read once they are built.
///
/// glibc gives each thread that allocates an arena of its own, and each
/// arena keeps what is freed in it: with an arena per thread a large
/// catalog peaks a fifth higher for no gain in speed (10,000 tables: 244 MB
/// with glibc's default, 194 MB with one arena, in the same time).
///
/// A block of 256 KiB or more (the read's lists of rows, the address map,
/// the indexes' tables) is mapped on its own and unmapped when freed. By
/// default glibc raises that threshold to the size of the largest such
/// block freed, up to 32 MB, so after the first large list was freed the
/// next ones came from the heap and went back to it as holes that the
/// process kept: about 30 MB of a 10,000-table comparison's peak.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    const M_ARENA_MAX: std::ffi::c_int = -8;
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    unsafe extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    // SAFETY: `mallopt` sets a parameter of the allocator; it runs before
    // any other thread exists. A refusal (a zero result) only leaves the
    // default in place.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
        mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
