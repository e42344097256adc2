//! Snapshots written by earlier releases of pgrift keep loading: a snapshot
//! is a file users keep, and a list it lacks (a kind modelled later) reads
//! as empty. The files under `tests/it/data/` were written by the release
//! their name gives and are never regenerated.

use std::path::Path;

use crate::cli::{path, pgrift, stderr, stdout};

#[tokio::test]
async fn a_snapshot_written_by_an_earlier_release_still_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snapshot = root.join("tests/it/data/snapshot_v1_empty_to_full.json");
    let schema = root.join("fixtures/empty_to_full/to.sql");
    let out = pgrift(&["diff", path(&snapshot), path(&schema), "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[tokio::test]
async fn a_snapshot_missing_lists_reads_them_as_empty() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("old.json");
    std::fs::write(
        &file,
        r#"{"format": "pgrift-snapshot", "version": 1, "catalog": {
            "schemas": [{"name": "public", "comment": "standard public schema"}],
            "extensions": [{"name": "plpgsql", "schema": "pg_catalog", "version": "1.0"}]
        }}"#,
    )
    .expect("write");
    let out = pgrift(&["diff", path(&file), "empty", "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}
