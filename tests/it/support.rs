//! Helpers shared by the integration tests.

use std::sync::Arc;

use pgrift::source::{Cluster, SourceError};

/// The error and its hint, as the binary would print them.
pub fn explain(error: &SourceError) -> String {
    match error.hint() {
        Some(hint) => format!("{error}\nhint: {hint}"),
        None => error.to_string(),
    }
}

/// Starts a cluster of its own for a test. Missing PostgreSQL programs fail
/// the test with the install hint: the suite needs a server.
pub async fn start_cluster() -> Cluster {
    match Cluster::start().await {
        Ok(cluster) => cluster,
        Err(error) => panic!("{}", explain(&error)),
    }
}

/// One cluster shared by every test of the binary, started by the first
/// test that asks. Each test works in databases of its own. The cluster is
/// never dropped; the exit hook of `pgrift::source` stops it when the test
/// binary exits.
pub async fn shared_cluster() -> Arc<Cluster> {
    static CLUSTER: tokio::sync::OnceCell<Arc<Cluster>> = tokio::sync::OnceCell::const_new();
    CLUSTER
        .get_or_init(|| async { Arc::new(start_cluster().await) })
        .await
        .clone()
}

/// A database name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
