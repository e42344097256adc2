//! Cleaning up on Ctrl-C and termination.
//!
//! A throwaway cluster and a shadow database on an existing server must not
//! outlive pgrift. Normal returns and errors drop them; this module covers
//! signals. [`install_signal_cleanup`] spawns a task that, on SIGINT,
//! SIGTERM or SIGHUP, drops every registered shadow database (giving each
//! a few seconds), stops every running cluster, removes their directories
//! and exits with 128 plus the signal number (130 for Ctrl-C).

use super::cluster;
use super::shadow;

/// Installs the signal handlers and spawns the task that cleans up and
/// exits. Call it once, early, from within the tokio runtime.
///
/// If the handlers cannot be installed, which the operating system allows
/// only in theory, a warning goes to stderr and pgrift runs on: an
/// interrupted run may then leave a temporary cluster behind, nothing worse.
pub fn install_signal_cleanup() {
    use tokio::signal::unix::{SignalKind, signal};

    let handlers = (|| {
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
        ))
    })();
    let (mut interrupt, mut terminate, mut hangup) = match handlers {
        Ok(handlers) => handlers,
        Err(error) => {
            eprintln!("warning: could not install signal handlers for clean-up: {error}");
            return;
        }
    };
    tokio::spawn(async move {
        let code = tokio::select! {
            _ = interrupt.recv() => 128 + libc::SIGINT,
            _ = terminate.recv() => 128 + libc::SIGTERM,
            _ = hangup.recv() => 128 + libc::SIGHUP,
        };
        clean_up_now().await;
        std::process::exit(code);
    });
}

/// Drops the registered shadow databases and stops the running clusters.
/// Failures are reported on stderr: pgrift is exiting anyway.
pub async fn clean_up_now() {
    shadow::drop_registered_databases().await;
    cluster::stop_all();
}
