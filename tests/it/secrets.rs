//! Secret option values and subscriptions' connection strings never reach
//! an output: every output pgrift makes of the `foreign_data_objects`
//! fixture (a foreign table's and its column's secrets among them), with
//! subscriptions added (both scripts, the plan's
//! directory, every report format, a snapshot, the errors of an apply
//! without its secrets and of a read that may not see them) holds none of
//! the fixture's passwords, tokens and keys, while an apply given them
//! through `--secret` and the environment arrives at TO.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::cli::{path, stderr, stdout};
use crate::{roundtrip, support};

/// Every secret value the fixture's files hold, as the server keeps it.
const SECRETS: &[&str] = &[
    "tok-FROM-9f2a",
    "tok-TO-2c88",
    "pw-FROM-user-31c7",
    "pw-FROM-public-7d02",
    "pw-FROM-moved-5e11",
    "k'FROM-0b9e",
    "pw-FROM-gone-44af",
    "cs-TO-61d3",
    "pw-TO-user-8a41",
    "pw-TO-public-19be",
    "pw-TO-moved-c4f0",
    "k'TO-77e2",
    "pw-FROM-ft-6b1d",
    "pw-TO-ft-92ce",
    "ak-FROM-col-3d5e",
    "ak-TO-col-a90c",
    "sub-FROM-5b7d",
    "sub-TO-a93e",
    "sub-TO-new-0c21",
];

/// The subscriptions each side adds to the fixture, with passwords in
/// their connection strings: one whose password changes, one TO creates.
fn subscriptions(side: &str) -> &'static str {
    if side == "from" {
        "CREATE SUBSCRIPTION \"sec sub\" \
         CONNECTION 'host=pub.invalid dbname=app password=sub-FROM-5b7d' \
         PUBLICATION p WITH (connect = false, slot_name = NONE);\n"
    } else {
        "CREATE SUBSCRIPTION \"sec sub\" \
         CONNECTION 'host=pub.invalid dbname=app password=sub-TO-a93e' \
         PUBLICATION p WITH (connect = false, slot_name = NONE);\n\
         CREATE SUBSCRIPTION \"new sec sub\" \
         CONNECTION 'dbname=app password=sub-TO-new-0c21' \
         PUBLICATION p WITH (connect = false, slot_name = NONE);\n"
    }
}

/// Fails naming `what` if `text` holds a secret; each is looked for also
/// as a literal writes it and by the part that sets it apart: what follows
/// its quote, which any quoting leaves as it is, or else its first dash.
/// That part always names the side, so that it is never four hex digits
/// alone, which a SHA-256 in a plan holds about once in a thousand runs.
fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        let core = match secret.split_once('\'') {
            Some((_, rest)) => rest,
            None => secret.split_once('-').map_or(*secret, |(_, rest)| rest),
        };
        assert!(core.contains("FROM") || core.contains("TO"), "{core}");
        for form in [*secret, &secret.replace('\'', "''"), core] {
            assert!(
                !text.contains(form),
                "{what} shows the secret {secret:?}:\n{text}"
            );
        }
    }
}

/// Runs `pgrift` with `args` and `env`, loading `.sql` sources as the shared
/// cluster's superuser: the fixture's wrappers need one
/// (`--shadow-superuser`).
async fn pgrift(args: &[&str], env: &[(String, &str)]) -> Output {
    let cluster = support::shared_cluster().await;
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .env(
            "PGRIFT_SHADOW_URL",
            cluster.conninfo("postgres").to_string(),
        )
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .await
        .expect("pgrift runs")
}

fn output_text(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// The fixture's `side` (`from` or `to`) as one file: the schema file, then
/// what the harness runs as the superuser, but for the block that creates
/// the roles (a shadow database creates none), which is returned apart,
/// and the side's subscriptions.
fn whole_side(dir: &Path, side: &str) -> (PathBuf, String) {
    let fixture = roundtrip::fixtures_dir().join("foreign_data_objects");
    let read = |name: String| {
        std::fs::read_to_string(fixture.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let owners = read(format!("{side}.owners.sql"));
    let start = owners.find("DO $$").expect("the roles' block");
    let end = start + owners[start..].find("$$;\n").expect("its end") + 4;
    let file = dir.join(format!("{side}.sql"));
    let text = format!(
        "{}\n{}{}{}",
        read(format!("{side}.sql")),
        &owners[..start],
        &owners[end..],
        subscriptions(side)
    );
    std::fs::write(&file, text).expect("write the side's file");
    (file, owners[start..end].to_owned())
}

/// Every file of `dir`, with its name.
fn files_of(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("read the plan's directory")
        .filter_map(Result::ok)
        .map(|entry| {
            let text = std::fs::read_to_string(entry.path()).expect("read a plan file");
            (entry.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn no_output_shows_a_secret() {
    let _turn = support::subscriptions_turn().await;
    let cluster = support::shared_cluster().await;
    let work = tempfile::tempdir().expect("temp dir");
    let (from, roles) = whole_side(work.path(), "from");
    let (to, _) = whole_side(work.path(), "to");
    let (from, to) = (path(&from), path(&to));
    cluster
        .connect("postgres")
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)))
        .batch_execute(&roles)
        .await
        .expect("create the fixture's roles");

    for direction in [&[][..], &["--reverse"][..]] {
        let mut args = vec![
            "diff",
            from,
            to,
            "--shadow-superuser",
            "--create-subscriptions",
        ];
        args.extend(direction);
        let out = pgrift(&args, &[]).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(":'pgrift_secret_"),
            "{}",
            stdout(&out)
        );
        assert_no_secret("diff", &output_text(&out));
    }
    // Without --create-subscriptions, the new subscription is left out,
    // and the warning names it.
    let out = pgrift(&["diff", from, to, "--shadow-superuser"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("CREATE SUBSCRIPTION")
            && stdout(&out).contains("ALTER SUBSCRIPTION \"sec sub\" CONNECTION :'pgrift_secret_"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(
            "subscription \"new sec sub\" is not created: creating one connects to another \
             server; pass --create-subscriptions"
        ),
        "{}",
        stderr(&out)
    );
    assert_no_secret("a diff that creates no subscription", &output_text(&out));
    for format in ["terminal", "markdown", "json", "html"] {
        let out = pgrift(
            &[
                "report",
                from,
                to,
                "--shadow-superuser",
                "--create-subscriptions",
                "--format",
                format,
            ],
            &[],
        )
        .await;
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
        assert!(output_text(&out).contains("secret-differs"), "{format}");
        assert_no_secret(&format!("the {format} report"), &output_text(&out));
    }
    let out = pgrift(&["snapshot", from, "--shadow-superuser"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("secret_sha256"), "{}", stdout(&out));
    assert_no_secret("the snapshot", &output_text(&out));

    // A plan from a live FROM, applied without its secrets, then with them.
    let from_db = support::unique_name("secrets_from");
    let to_db = support::unique_name("secrets_to");
    for (db, file) in [(&from_db, from), (&to_db, to)] {
        cluster
            .create_database(db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
        support::psql_file(db, Path::new(file)).await;
    }
    let url = cluster.conninfo(&from_db).to_string();
    let release = work.path().join("release");
    let out = pgrift(
        &[
            "plan",
            &url,
            to,
            "--shadow-superuser",
            "--create-subscriptions",
            "--out",
            path(&release),
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_secret("plan", &output_text(&out));
    for (name, text) in files_of(&release) {
        assert_no_secret(&name, &text);
    }

    // A role that may not see a user mapping's options, nor a
    // subscription's connection string, cannot read FROM.
    support::shadow_url().await;
    let unprivileged = pgrift::source::ConnInfo {
        user: "pgrift_cli".into(),
        ..cluster.conninfo(&from_db)
    }
    .to_string();
    let out = pgrift(&["snapshot", &unprivileged], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        stderr(&out).contains("cannot read the options of user mapping for")
            || stderr(&out).contains("cannot read the connection string of subscription"),
        "{}",
        stderr(&out)
    );
    assert_no_secret("a read that may not see the options", &output_text(&out));

    let out = pgrift(&["apply", path(&release), "--db", &url, "--yes"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        stderr(&out).contains("no value for the secret pgrift_secret_"),
        "{}",
        stderr(&out)
    );
    assert_no_secret("an apply without secrets", &output_text(&out));

    let malformed = format!("--secret={}", SECRETS[0]);
    let out = pgrift(
        &["apply", path(&release), "--db", &url, "--yes", &malformed],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert_no_secret("an apply with a malformed --secret", &output_text(&out));

    // All but one secret on the command line, the last in the environment.
    let values = roundtrip::secrets(&cluster, &to_db)
        .await
        .expect("read TO's secrets");
    let mut given: Vec<String> = values
        .iter()
        .map(|(name, value)| format!("--secret={name}={value}"))
        .collect();
    let (env_name, env_value) = values.iter().next_back().expect("TO has secrets");
    given.pop();
    let mut args = vec!["apply", path(&release), "--db", &url, "--yes"];
    args.extend(given.iter().map(String::as_str));
    let env = [(pgrift::sql::secret::env_name(env_name), env_value.as_str())];
    let out = pgrift(&args, &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert_no_secret("an apply with its secrets", &output_text(&out));
    let out = pgrift(
        &["diff", &url, to, "--shadow-superuser", "--exit-code"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));

    for db in [&from_db, &to_db] {
        // Their subscriptions, which have no slot, keep them from being
        // dropped.
        cluster
            .connect(db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)))
            .batch_execute(
                "DROP SUBSCRIPTION IF EXISTS \"sec sub\"; \
                 DROP SUBSCRIPTION IF EXISTS \"new sec sub\"",
            )
            .await
            .expect("drop the subscriptions");
        cluster
            .drop_database(db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    }
}
