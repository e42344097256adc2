//! Cleaning up on Ctrl-C and termination.
//!
//! A throwaway cluster and a shadow database on an existing server must not
//! outlive pgrift. Normal returns and errors drop them; this module covers
//! signals. [`install_signal_cleanup`] spawns a task that, on SIGINT,
//! SIGTERM or SIGHUP, drops every registered shadow database (giving each
//! a few seconds), stops every running cluster, removes their directories
//! and exits with 128 plus the signal number (130 for Ctrl-C).

use std::sync::Mutex;
use std::time::Duration;

use super::cluster;
use super::conninfo::ConnInfo;
use super::shadow;

/// A shadow database on an existing server, until it is dropped.
struct RemoteDatabase {
    admin: ConnInfo,
    name: String,
    server_version_num: i32,
}

static DATABASES: Mutex<Vec<RemoteDatabase>> = Mutex::new(Vec::new());

fn databases() -> std::sync::MutexGuard<'static, Vec<RemoteDatabase>> {
    // A panic while holding the lock leaves the list intact.
    DATABASES.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn register_database(admin: &ConnInfo, name: &str, server_version_num: i32) {
    databases().push(RemoteDatabase {
        admin: admin.clone(),
        name: name.to_owned(),
        server_version_num,
    });
}

pub(crate) fn unregister_database(name: &str) {
    databases().retain(|d| d.name != name);
}

/// Installs the signal handlers and spawns the task that cleans up and
/// exits. Call it once, early, from within the tokio runtime.
///
/// Fails only if the signal handlers cannot be installed.
pub fn install_signal_cleanup() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        let code = tokio::select! {
            _ = interrupt.recv() => 128 + libc::SIGINT,
            _ = terminate.recv() => 128 + libc::SIGTERM,
            _ = hangup.recv() => 128 + libc::SIGHUP,
        };
        clean_up_now().await;
        std::process::exit(code);
    });
    Ok(())
}

/// Drops the registered shadow databases and stops the running clusters.
/// Failures are reported on stderr: pgrift is exiting anyway.
pub async fn clean_up_now() {
    let remote = std::mem::take(&mut *databases());
    for db in remote {
        let dropped = tokio::time::timeout(
            Duration::from_secs(5),
            shadow::drop_database(&db.admin, &db.name, db.server_version_num),
        )
        .await;
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("pgrift: {error}"),
            Err(_) => eprintln!(
                "pgrift: gave up dropping shadow database {} on {} after 5 seconds",
                crate::sql::quote_ident(&db.name),
                db.admin
            ),
        }
    }
    cluster::stop_all();
}
