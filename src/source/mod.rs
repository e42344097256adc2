//! Schema sources: what a schema argument on the command line names, and
//! how it becomes a [`Catalog`].
//!
//! A schema is one of
//! - a connection string, as a URL (`postgres://user@host/db`) or in libpq's
//!   `key=value` form, read with libpq's conventions ([`ConnInfo`]);
//! - a `.sql` file, or a directory of them applied in lexical order, loaded
//!   into a shadow database ([`Shadow`]) and read back;
//! - a `.json` snapshot written by `pgrift snapshot` ([`snapshot`]);
//! - `empty`: the schema of a freshly created database.
//!
//! This layer owns the throwaway PostgreSQL cluster ([`Cluster`]) that the
//! product uses as its shadow database and the test suite as its server.
//! Only this module, `introspect` and `deploy` open a connection (the risk
//! probes run on one [`connect_spec`] opens); no message here ever shows a
//! password.

mod cleanup;
pub mod cluster;
mod conninfo;
mod error;
mod pgpass;
mod script;
pub mod shadow;
pub mod snapshot;
mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use cleanup::{clean_up_now, install_signal_cleanup};
pub use cluster::{Cluster, ClusterOptions, find_bin_dir};
pub use conninfo::{
    ChannelBinding, ConnInfo, DEFAULT_CONNECT_TIMEOUT, Env, Host, Notices, connect,
    connect_with_notices,
};
pub use error::{SourceError, SqlError};
pub use shadow::{Shadow, ShadowDb, load_path, sql_files};
pub use tls::SslMode;

use crate::catalog::NumberedDependencies;
use crate::catalog::{Catalog, Schema};
use crate::introspect::{Limits, introspect_numbered, introspect_with};

/// A parsed schema argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A live database.
    Url(ConnInfo),
    /// A `.sql` file or a directory of them.
    Sql(PathBuf),
    /// A snapshot file.
    Snapshot(PathBuf),
    /// The schema of a freshly created database.
    Empty,
}

impl SourceSpec {
    /// Names the source for messages and reports, without any password.
    pub fn label(&self) -> String {
        match self {
            SourceSpec::Url(info) => info.to_string(),
            SourceSpec::Sql(path) | SourceSpec::Snapshot(path) => path.display().to_string(),
            SourceSpec::Empty => "empty".to_owned(),
        }
    }

    /// Names the source briefly, for headings: a database and its host
    /// (`shop on db.internal`, the port only when it is not 5432), a
    /// file's name, a directory's name with a slash, `empty`.
    pub fn name(&self) -> String {
        match self {
            SourceSpec::Url(info) => {
                let port = if info.port == 5432 {
                    String::new()
                } else {
                    format!(":{}", info.port)
                };
                match &info.host {
                    Host::Tcp(host) => format!("{} on {host}{port}", info.dbname),
                    Host::Socket(dir) => {
                        format!("{} on socket {}{port}", info.dbname, dir.display())
                    }
                }
            }
            SourceSpec::Sql(path) | SourceSpec::Snapshot(path) => {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |name| name.to_string_lossy().into_owned(),
                );
                if path.is_dir() {
                    format!("{name}/")
                } else {
                    name
                }
            }
            SourceSpec::Empty => "empty".to_owned(),
        }
    }
}

/// A schema, read from its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub catalog: Catalog,
    /// The server the catalog was read from; `None` for `empty`, and for a
    /// snapshot that does not record it.
    pub server_version_num: Option<i32>,
    /// What the user passed, password-free.
    pub label: String,
    /// Its brief name, for headings (`SourceSpec::name`).
    pub name: String,
    /// Things the user should know, such as an ignored password file.
    pub warnings: Vec<String>,
    /// The extension versions the server can install, by name; only known
    /// for a live database (a shadow database's server is not where a
    /// script runs).
    pub available_extensions: Option<BTreeMap<String, BTreeSet<String>>>,
    /// The server's roles; only known for a live database, like
    /// `available_extensions`.
    pub roles: Option<BTreeSet<String>>,
    /// The roles `--roles` compares, as the side's cluster has them: read
    /// from a live database, or kept in a snapshot taken with `--roles`;
    /// none for `empty`; unknown (`None`) for `.sql` files, which the
    /// shadow loads with stand-in roles, and for a snapshot taken without.
    pub cluster_roles: Option<Vec<crate::catalog::Role>>,
}

/// Works out which kind of schema `arg` names, reading the environment of
/// this process for connection strings.
///
/// In order: `empty`; a `postgres://` or `postgresql://` URL; an existing
/// directory; a string containing `=` that is not an existing path (a
/// `key=value` connection string); a path ending in `.sql` (which must
/// exist); a path ending in `.json`. Anything else is an error whose hint
/// lists these forms.
pub fn parse(arg: &str) -> Result<SourceSpec, SourceError> {
    parse_with(arg, &Env::from_process())
}

/// Like [`parse`], with the environment given.
pub fn parse_with(arg: &str, env: &Env) -> Result<SourceSpec, SourceError> {
    if arg == "empty" {
        return Ok(SourceSpec::Empty);
    }
    if conninfo::is_url(arg) {
        return Ok(SourceSpec::Url(ConnInfo::parse_with(arg, env)?));
    }
    let path = Path::new(arg);
    if path.is_dir() {
        return Ok(SourceSpec::Sql(path.to_path_buf()));
    }
    if arg.contains('=') && !path.exists() {
        return Ok(SourceSpec::Url(ConnInfo::parse_with(arg, env)?));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let (what, spec) = match extension.as_deref() {
        Some("sql") => ("SQL file", SourceSpec::Sql(path.to_path_buf())),
        Some("json") => ("snapshot file", SourceSpec::Snapshot(path.to_path_buf())),
        _ => {
            // Something like `postgres:/u:pw@host` is a mistyped URL; do not
            // echo what may hold a password.
            let shown = (!arg.contains('@') && !arg.contains("://")).then(|| arg.to_owned());
            return Err(SourceError::UnknownSource { shown });
        }
    };
    if !path.exists() {
        return Err(SourceError::NotFound {
            what,
            path: path.to_path_buf(),
        });
    }
    Ok(spec)
}

/// The catalog of a freshly created database: the `public` schema with the
/// comment PostgreSQL gives it.
pub fn empty_catalog() -> Catalog {
    Catalog {
        schemas: vec![Schema {
            name: "public".to_owned(),
            comment: Some("standard public schema".to_owned()),
            // The privileges and the owner it is created with, whichever
            // they are.
            acl: Default::default(),
            owner: None,
        }],
        // initdb installs plpgsql in every database; its version is 1.0 on
        // every supported server.
        extensions: vec![crate::catalog::Extension {
            name: "plpgsql".to_owned(),
            schema: "pg_catalog".to_owned(),
            version: "1.0".to_owned(),
            update_targets: None,
            relocatable: None,
        }],
        ..Catalog::default()
    }
}

/// Reads the schema `spec` names, under the default [`Limits`] of reading a
/// catalog; see [`load_with`].
pub async fn load(spec: &SourceSpec, shadow: &Shadow) -> Result<Loaded, SourceError> {
    load_with(spec, shadow, &Limits::default()).await
}

/// Reads the schema `spec` names, its catalog within `limits`. `.sql`
/// sources are loaded into a database from `shadow`, which is dropped
/// afterwards whether loading worked or not.
///
/// Fails when the database cannot be reached, a `.sql` file fails (with its
/// file, line and column), introspection fails or runs out of time, or a
/// snapshot cannot be read.
pub async fn load_with(
    spec: &SourceSpec,
    shadow: &Shadow,
    limits: &Limits,
) -> Result<Loaded, SourceError> {
    load_as(spec, shadow, limits, false)
        .await
        .map(|(loaded, _)| loaded)
}

/// Like [`load_with`], with the dependencies of a catalog read from a
/// server (live, or `.sql` files in the shadow) handed back as numbers and
/// its list left empty (see [`introspect_numbered`]). A snapshot's and
/// `empty`'s stay in the list, and `None` comes back.
pub async fn load_numbered(
    spec: &SourceSpec,
    shadow: &Shadow,
    limits: &Limits,
) -> Result<(Loaded, Option<NumberedDependencies>), SourceError> {
    load_as(spec, shadow, limits, true).await
}

async fn load_as(
    spec: &SourceSpec,
    shadow: &Shadow,
    limits: &Limits,
    numbered: bool,
) -> Result<(Loaded, Option<NumberedDependencies>), SourceError> {
    let introspect = |client, limits| async move {
        if numbered {
            introspect_numbered(client, limits)
                .await
                .map(|(found, dependencies)| (found, Some(dependencies)))
        } else {
            introspect_with(client, limits)
                .await
                .map(|found| (found, None))
        }
    };
    let label = spec.label();
    let name = spec.name();
    match spec {
        SourceSpec::Empty => Ok((
            Loaded {
                catalog: empty_catalog(),
                server_version_num: None,
                label,
                name,
                warnings: Vec::new(),
                available_extensions: None,
                roles: None,
                cluster_roles: Some(Vec::new()),
            },
            None,
        )),
        SourceSpec::Snapshot(path) => {
            let mut snapshot = snapshot::read(path)?;
            // A snapshot taken with `--roles` holds its cluster's roles in
            // the catalog's list, which `--roles` fills again from them.
            // One taken without (a plan's, which holds the roles that plan
            // compared) compares none: roles are compared only when asked.
            let roles = std::mem::take(&mut snapshot.catalog.roles);
            let cluster_roles = snapshot.roles.then_some(roles);
            let loaded = Loaded {
                catalog: snapshot.catalog,
                server_version_num: snapshot.server_version_num,
                label,
                name,
                warnings: Vec::new(),
                available_extensions: None,
                roles: None,
                cluster_roles,
            };
            Ok((loaded, None))
        }
        SourceSpec::Url(info) => {
            let client = connect(info).await?;
            let (found, dependencies) =
                introspect(&client, limits)
                    .await
                    .map_err(|cause| SourceError::Introspect {
                        label: label.clone(),
                        cause,
                    })?;
            let loaded = Loaded {
                catalog: found.catalog,
                server_version_num: Some(found.server_version_num),
                label,
                name,
                warnings: info.warnings.clone(),
                available_extensions: Some(found.available_extensions),
                roles: Some(found.roles),
                cluster_roles: Some(found.cluster_roles),
            };
            Ok((loaded, dependencies))
        }
        SourceSpec::Sql(path) => {
            let db = shadow.create_database().await?;
            let mut notes = Vec::new();
            let result = async {
                match limits.load {
                    None => db.apply(path).await?,
                    Some(limit) => match tokio::time::timeout(limit, db.apply(path)).await {
                        Ok(applied) => applied?,
                        Err(_) => {
                            db.stop_loading().await;
                            return Err(SourceError::LoadTimeout {
                                path: path.clone(),
                                limit,
                            });
                        }
                    },
                }
                notes = db.notes();
                introspect(db.client(), limits)
                    .await
                    .map_err(|cause| SourceError::Introspect {
                        label: label.clone(),
                        cause,
                    })
            }
            .await;
            let loader = db.loader().to_owned();
            let closed = db.close().await;
            let (mut found, dependencies) = result?;
            closed?;
            // What the files created belongs to the role that loaded them,
            // pgrift's own: the files said no owner, so whoever runs the
            // script is one (see `catalog::owner`).
            crate::catalog::owner::forget(&mut found.catalog, &loader);
            let loaded = Loaded {
                catalog: found.catalog,
                server_version_num: Some(found.server_version_num),
                label,
                name,
                warnings: notes,
                available_extensions: None,
                roles: None,
                cluster_roles: None,
            };
            Ok((loaded, dependencies))
        }
    }
}

/// A connection to the live database a schema argument names, for reading
/// its data (the risk probes); `None` for sources that hold no data (`.sql`
/// files, snapshots, `empty`).
///
/// Fails when the database cannot be reached.
pub async fn connect_spec(
    spec: &SourceSpec,
) -> Result<Option<tokio_postgres::Client>, SourceError> {
    match spec {
        SourceSpec::Url(info) => connect(info).await.map(Some),
        SourceSpec::Sql(_) | SourceSpec::Snapshot(_) | SourceSpec::Empty => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            os_user: Some("me".into()),
            ..Env::default()
        }
    }

    #[test]
    fn schema_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("schema.sql");
        std::fs::write(&sql, "").unwrap();
        let eq_dir = dir.path().join("a=b");
        std::fs::create_dir(&eq_dir).unwrap();
        let p = |p: &Path| p.to_str().unwrap().to_owned();

        assert_eq!(parse_with("empty", &env()).unwrap(), SourceSpec::Empty);
        assert!(matches!(
            parse_with("postgres://h/db", &env()).unwrap(),
            SourceSpec::Url(info) if info.dbname == "db"
        ));
        assert!(matches!(
            parse_with("host=h dbname=x", &env()).unwrap(),
            SourceSpec::Url(info) if info.dbname == "x"
        ));
        assert_eq!(
            parse_with(&p(dir.path()), &env()).unwrap(),
            SourceSpec::Sql(dir.path().to_owned())
        );
        // An existing path wins over reading `=` as a connection string.
        assert_eq!(
            parse_with(&p(&eq_dir), &env()).unwrap(),
            SourceSpec::Sql(eq_dir.clone())
        );
        assert_eq!(
            parse_with(&p(&sql), &env()).unwrap(),
            SourceSpec::Sql(sql.clone())
        );
        let json = dir.path().join("snap.json");
        std::fs::write(&json, "{}").unwrap();
        assert_eq!(
            parse_with(&p(&json), &env()).unwrap(),
            SourceSpec::Snapshot(json)
        );
    }

    #[test]
    fn schema_argument_errors() {
        let error = parse_with("missing.sql", &env()).unwrap_err();
        assert_eq!(error.to_string(), "SQL file missing.sql does not exist");
        let error = parse_with("missing.json", &env()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "snapshot file missing.json does not exist"
        );

        let error = parse_with("schema.txt", &env()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot tell what kind of schema \"schema.txt\" is"
        );
        let hint = error.hint().unwrap();
        for form in ["postgres://", ".sql", ".json", "empty"] {
            assert!(hint.contains(form), "{hint}");
        }

        let error = parse_with("postgres:/me:hunter2@db/app", &env()).unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
    }

    #[test]
    fn shadow_from_the_command_line() {
        assert!(Shadow::new(None).is_ok());
        assert!(Shadow::new(Some("postgres://u:pw@h/db")).is_ok());
        let error = Shadow::new(Some("postgres://h/db?bogus=1")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid connection string: unsupported connection parameter \"bogus\""
        );
    }

    #[test]
    fn labels_hide_passwords() {
        let spec = parse_with("postgres://me:hunter2@db/app", &env()).unwrap();
        assert_eq!(spec.label(), "postgres://me@db:5432/app");
        assert_eq!(SourceSpec::Empty.label(), "empty");
    }

    #[test]
    fn names_are_brief() {
        let name = |arg: &str| parse_with(arg, &env()).unwrap().name();
        assert_eq!(name("postgres://me:hunter2@db/app"), "app on db");
        assert_eq!(
            name("postgres://me@db.internal:6432/My%20App"),
            "My App on db.internal:6432"
        );
        assert_eq!(
            name("host=/var/run/postgresql dbname=app"),
            "app on socket /var/run/postgresql"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("schema.sql");
        std::fs::write(&file, "").unwrap();
        assert_eq!(SourceSpec::Sql(file).name(), "schema.sql");
        let named = SourceSpec::Sql(dir.path().to_path_buf()).name();
        assert!(named.ends_with('/') && !named.contains("tmp/"), "{named}");
        assert_eq!(SourceSpec::Empty.name(), "empty");
    }

    #[tokio::test]
    async fn empty_and_snapshot_need_no_server() {
        // A shadow that would fail to start is never touched.
        let shadow = Shadow::local_with_bin_dir(PathBuf::from("/nonexistent"));
        let loaded = load(&SourceSpec::Empty, &shadow).await.unwrap();
        assert_eq!(loaded.catalog, empty_catalog());
        assert_eq!(loaded.server_version_num, None);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let snap = snapshot::Snapshot {
            server_version_num: Some(170000),
            roles: false,
            catalog: empty_catalog(),
        };
        snapshot::save(&path, &snap).unwrap();
        let loaded = load(&SourceSpec::Snapshot(path.clone()), &shadow)
            .await
            .unwrap();
        assert_eq!(loaded.catalog, empty_catalog());
        assert_eq!(loaded.server_version_num, Some(170000));
        assert_eq!(loaded.label, path.display().to_string());
        assert_eq!(loaded.cluster_roles, None);

        // Roles in a snapshot taken without --roles are compared by
        // nobody; with it they are the cluster's, for --roles.
        let role = crate::catalog::Role::new("r");
        for taken_with_roles in [false, true] {
            let mut catalog = empty_catalog();
            catalog.roles.push(role.clone());
            let snap = snapshot::Snapshot {
                server_version_num: Some(170000),
                roles: taken_with_roles,
                catalog,
            };
            snapshot::save(&path, &snap).unwrap();
            let loaded = load(&SourceSpec::Snapshot(path.clone()), &shadow)
                .await
                .unwrap();
            assert_eq!(loaded.catalog, empty_catalog());
            assert_eq!(
                loaded.cluster_roles,
                taken_with_roles.then(|| vec![role.clone()])
            );
        }
    }
}
