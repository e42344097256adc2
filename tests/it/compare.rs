//! The pipeline as a library call: `pgrift::compare`, called more than once
//! in one process, writes the scripts `pgrift diff` prints and hands back
//! everything it took.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pgrift::emit::{self, Direction};
use pgrift::source::{self, ConnInfo, Shadow};
use pgrift::{Comparison, Options, compare};

use crate::cli::{pgrift, stderr, stdout};
use crate::support;

fn fixture(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
        .join(file)
}

/// A script of `comparison` as `pgrift diff` prints it.
fn script(comparison: &Comparison, direction: Direction) -> String {
    let shown = match direction {
        Direction::Forward => &comparison.forward,
        Direction::Reverse => comparison.reverse.as_ref().expect("the reverse is planned"),
    };
    let title = emit::script_title(direction, &comparison.from.label, &comparison.to.label);
    let mut out = Vec::new();
    emit::write_script(&shown.plan, &title, Some(&shown.risks), &mut out).expect("written");
    String::from_utf8(out).expect("scripts are UTF-8")
}

#[tokio::test]
async fn one_process_compares_many_pairs_as_the_binary_does() {
    let url = support::shadow_url().await;
    let shadow = Arc::new(Shadow::server(ConnInfo::parse(&url).expect("shadow URL")));
    let options = Options {
        shadow: Arc::clone(&shadow),
        limits: Default::default(),
        reverse: true,
        check_forward: true,
        check_reverse: true,
        probe: None,
        timeouts: Default::default(),
        tool_tables: Vec::new(),
        tool_schema: None,
        history_schema: None,
        online: false,
        filter: Default::default(),
        role_map: Default::default(),
        renames: Vec::new(),
        park_drops: None,
        roles: false,
        create_subscriptions: false,
        expand_contract: None,
        without_dependencies: false,
    };
    // `pgrift diff` hands its catalogs back without their dependency
    // lists (`Options::without_dependencies`), this call keeps them: the
    // scripts and their risks must not tell the two apart, down to the
    // indexes a collation change rebuilds, which the risk rules read off
    // the dependencies.
    for case in ["demo", "enum_add_value", "column_collation_change", "demo"] {
        let (from, to) = (fixture(case, "from.sql"), fixture(case, "to.sql"));
        let spec = |path: &Path| source::parse(path.to_str().expect("UTF-8 path")).expect("spec");
        let comparison = compare(&spec(&from), &spec(&to), &options)
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(
            !comparison.forward.plan.is_empty(),
            "{case}: the schemas differ"
        );
        assert_eq!(
            comparison.warnings,
            Default::default(),
            "{case}: nothing to warn about"
        );

        let args = [from.to_str().unwrap(), to.to_str().unwrap()];
        for (direction, flags) in [
            (Direction::Forward, &[][..]),
            (Direction::Reverse, &["--reverse"][..]),
        ] {
            let out = pgrift(&[&["diff"][..], &args, flags].concat()).await;
            assert_eq!(out.status.code(), Some(0), "{case}: {}", stderr(&out));
            assert_eq!(
                script(&comparison, direction),
                stdout(&out),
                "{case}: {direction:?} differs from pgrift diff"
            );
        }
        if case == "column_collation_change" {
            let forward = script(&comparison, Direction::Forward);
            assert!(
                forward.lines().any(|line| line.starts_with("--   risk")
                    && line.contains("rebuilds its indexes (public.words_word_idx)")),
                "{case}: the risk names the index the collation change rebuilds:\n{forward}"
            );
        }
        // Everything the comparison took is its own: dropping it frees the
        // catalogs, and no task of it still holds the shadow.
        drop(comparison);
        assert_eq!(
            Arc::strong_count(&shadow),
            2,
            "{case}: only the caller holds the shadow"
        );
    }
}
