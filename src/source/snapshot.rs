//! Snapshot files: a catalog saved as JSON by `pgrift snapshot`.
//!
//! ```json
//! {
//!   "format": "pgrift-snapshot",
//!   "version": 2,
//!   "server_version_num": 150018,
//!   "catalog": { … }
//! }
//! ```
//!
//! `version` changes whenever a snapshot written by one pgrift could be
//! misread by another: a new object kind, a field whose meaning changes.
//! A reader reads every version up to its own (a list an older snapshot
//! lacks reads as empty) and refuses newer ones, rather than drop what it
//! does not know. `tests/it/data/` holds snapshots written by earlier
//! releases, which must keep loading.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::SourceError;
use crate::catalog::{Catalog, ObjectId};

/// The value of the `format` field.
pub const FORMAT: &str = "pgrift-snapshot";

/// The snapshot version this pgrift writes, and the newest it reads: the
/// registry's, raised with each kind that adds a list (see
/// `catalog::SNAPSHOT_VERSION`).
pub const VERSION: u64 = crate::catalog::SNAPSHOT_VERSION;

/// The contents of a snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The version of the server the catalog was read from, if known.
    pub server_version_num: Option<i32>,
    /// Taken with `--roles`: the catalog's list of roles holds every role
    /// of its cluster that `--roles` compares (see `catalog::role`).
    pub roles: bool,
    pub catalog: Catalog,
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'a str,
    version: u64,
    server_version_num: Option<i32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    roles: bool,
    catalog: &'a Catalog,
}

/// The fields that say what a file is, read before anything else.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    server_version_num: Option<i32>,
    #[serde(default)]
    roles: bool,
    catalog: Catalog,
}

/// Writes `snapshot` as pretty JSON with a trailing newline.
pub fn write(mut out: impl Write, snapshot: &Snapshot) -> std::io::Result<()> {
    let envelope = EnvelopeOut {
        format: FORMAT,
        version: VERSION,
        server_version_num: snapshot.server_version_num,
        roles: snapshot.roles,
        catalog: &snapshot.catalog,
    };
    serde_json::to_writer_pretty(&mut out, &envelope)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The snapshot of a loaded schema as the text of a snapshot file.
pub fn to_json(loaded: &super::Loaded) -> String {
    let snapshot = Snapshot {
        server_version_num: loaded.server_version_num,
        roles: false,
        catalog: loaded.catalog.clone(),
    };
    let mut out = Vec::new();
    // Writing to memory cannot fail, and the catalog has string keys only,
    // which is all serde_json could object to.
    write(&mut out, &snapshot).expect("a catalog serialises to JSON");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Saves `snapshot` to `path`, replacing the file only once the new one is
/// complete.
pub fn save(path: &Path, snapshot: &Snapshot) -> Result<(), SourceError> {
    let io_error = |cause| SourceError::Io {
        action: "write",
        path: path.to_path_buf(),
        cause,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io_error)?;
    write(std::io::BufWriter::new(file.as_file_mut()), snapshot).map_err(io_error)?;
    file.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

/// Reads the snapshot at `path`.
///
/// Fails when the file cannot be read, is not UTF-8, is not JSON, is not a
/// snapshot, has a version this pgrift does not read, or does not match the
/// model.
pub fn read(path: &Path) -> Result<Snapshot, SourceError> {
    let bytes = std::fs::read(path).map_err(|cause| SourceError::Io {
        action: "read",
        path: path.to_path_buf(),
        cause,
    })?;
    // A file that is not UTF-8 is named with the line and column where it
    // stops being so, rather than as a file that could not be read.
    let text = super::shadow::decode(path, bytes)?;
    parse(&text, path)
}

/// Parses snapshot text; `path` is only for messages.
pub fn parse(text: &str, path: &Path) -> Result<Snapshot, SourceError> {
    let json_error = |e: serde_json::Error| SourceError::SnapshotJson {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e),
    };
    let header: Header = match serde_json::from_str(text) {
        Ok(header) => header,
        // Valid JSON that is not an object, or has a `format` or `version`
        // of the wrong type, is not a snapshot.
        Err(e) if e.is_data() => {
            return Err(SourceError::SnapshotFormat {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(json_error(e)),
    };
    if header.format.as_deref() != Some(FORMAT) {
        return Err(SourceError::SnapshotFormat {
            path: path.to_path_buf(),
        });
    }
    match header.version {
        Some(1..=VERSION) => {}
        found => {
            return Err(SourceError::SnapshotVersion {
                path: path.to_path_buf(),
                found,
                supported: VERSION,
            });
        }
    }
    let mut envelope: EnvelopeIn = serde_json::from_str(text).map_err(json_error)?;
    verify_definitions(&envelope.catalog).map_err(|(object, reason)| {
        SourceError::SnapshotDefinition {
            path: path.to_path_buf(),
            object,
            reason,
        }
    })?;
    // pgrift writes snapshots normalized; sorting again costs little and
    // keeps lookups by name correct for a file edited by hand.
    envelope.catalog.normalize();
    Ok(Snapshot {
        server_version_num: envelope.server_version_num,
        roles: envelope.roles,
        catalog: envelope.catalog,
    })
}

/// Checks every text of a snapshot that a script copies as it stands (the
/// definitions, expressions and types the server deparsed) against the
/// shape the server gives it, so that a snapshot edited to carry a second
/// statement is refused rather than written into a script. The error names
/// the object and its field, and says what is wrong.
fn verify_definitions(catalog: &Catalog) -> Result<(), (String, String)> {
    for obj in catalog.objects() {
        for (text, shape) in obj.deparsed() {
            if let Err(reason) = crate::sql::verify::check(text, shape) {
                let id = ObjectId::from_key(obj.key());
                return Err((format!("{} {id}", id.kind_name()), reason));
            }
        }
    }
    Ok(())
}

/// serde_json's message without its own " at line L column C", which the
/// error shows in front instead.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Schema;

    fn snapshot() -> Snapshot {
        Snapshot {
            server_version_num: Some(150018),
            roles: false,
            catalog: Catalog {
                schemas: vec![Schema {
                    acl: Default::default(),
                    owner: Default::default(),
                    name: "public".into(),
                    comment: Some("standard public schema".into()),
                }],
                ..Catalog::default()
            },
        }
    }

    fn check_error(text: &str, expected: &str) {
        let error = parse(text, Path::new("s.json")).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn round_trip() {
        let mut out = Vec::new();
        write(&mut out, &snapshot()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let head = format!(
            "{{\n  \"format\": \"pgrift-snapshot\",\n  \"version\": {VERSION},\n  \
             \"server_version_num\": 150018,\n  \"catalog\": {{"
        );
        assert!(text.starts_with(&head), "{text}");
        assert!(text.ends_with("}\n"));
        assert_eq!(parse(&text, Path::new("s.json")).unwrap(), snapshot());
    }

    #[test]
    fn to_json_writes_what_read_accepts() {
        let loaded = crate::source::Loaded {
            catalog: snapshot().catalog,
            server_version_num: Some(150018),
            label: "x".into(),
            name: "x".into(),
            warnings: Vec::new(),
            available_extensions: None,
            roles: None,
            cluster_roles: None,
        };
        let text = to_json(&loaded);
        assert!(text.ends_with("}\n"));
        assert_eq!(parse(&text, Path::new("s.json")).unwrap(), snapshot());
    }

    #[test]
    fn save_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        save(&path, &snapshot()).unwrap();
        assert_eq!(read(&path).unwrap(), snapshot());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_named_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, b"{\n  \"format\": \"pgrift-\xffsnapshot\"}").unwrap();
        let error = read(&path).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{}:2:21: the file is not valid UTF-8", path.display())
        );
        assert_eq!(error.hint().unwrap(), "convert the file to UTF-8");
    }

    #[test]
    fn unknown_version_is_refused() {
        let newer = VERSION + 1;
        let text =
            format!(r#"{{"format": "pgrift-snapshot", "version": {newer}, "whatever": [1, 2]}}"#);
        check_error(
            &text,
            &format!(
                "s.json is a version {newer} snapshot, but this pgrift reads versions 1 to \
                 {VERSION} only"
            ),
        );
        let error = parse(&text, Path::new("s.json")).unwrap_err();
        assert!(error.hint().unwrap().contains("regenerate the snapshot"));
    }

    #[test]
    fn errors() {
        check_error(
            "{\n  \"format\": \"pgrift-snapshot\",\n  \"version\": 1,\n  \"catalog\": {\"schemas\": [}\n}",
            "s.json:4:27: invalid snapshot: expected value",
        );
        check_error(
            "{\"format\": \"pgrift-snapshot\", \"version\": 1, \"catalog\": {\"schemas\": 3}}",
            "s.json:1:68: invalid snapshot: invalid type: integer `3`, expected a sequence",
        );
        check_error(
            "[1]",
            "s.json is not a pgrift snapshot: it lacks \"format\": \"pgrift-snapshot\"",
        );
        check_error(
            "{\"format\": \"something-else\"}",
            "s.json is not a pgrift snapshot: it lacks \"format\": \"pgrift-snapshot\"",
        );
        check_error(
            "",
            "s.json:1:0: invalid snapshot: EOF while parsing a value",
        );
    }

    #[test]
    fn a_definition_carrying_another_statement_is_refused() {
        use crate::catalog::{QualName, View};

        let mut tampered = snapshot();
        tampered.catalog.views.push(View {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "v"),
            materialized: false,
            definition: " SELECT 1 AS one;\nDROP TABLE public.users;".into(),
            options: Vec::new(),
            comment: None,
            column_comments: Vec::new(),
            columns: Vec::new(),
        });
        let mut out = Vec::new();
        write(&mut out, &tampered).unwrap();
        let error = parse(&String::from_utf8(out).unwrap(), Path::new("s.json")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "s.json: invalid snapshot: the definition of view public.v is refused: \
             it holds more than one statement (a `;` outside quotes)"
        );
        assert!(error.hint().unwrap().contains("pgrift snapshot"));
    }
}
