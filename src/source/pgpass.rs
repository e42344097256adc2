//! The libpq password file (`~/.pgpass`, or `PGPASSFILE`).
//!
//! Each line is `hostname:port:database:username:password`. A field that is
//! exactly `*` matches anything; `\:` and `\\` stand for a literal colon and
//! backslash. Lines starting with `#` are comments. The first matching line
//! wins. As with libpq, a file that the group or others can read is ignored,
//! with a warning.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The connection a password is looked up for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// A host name, or the socket directory for a Unix-domain socket.
    pub host: &'a str,
    pub is_socket: bool,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// The password for `target` from the file at `path`, if the file exists,
/// has safe permissions and has a matching line. Problems that make the file
/// unusable are pushed to `warnings`; a missing file is not a problem.
pub(crate) fn lookup(
    path: &Path,
    target: &Target<'_>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() {
        warnings.push(format!(
            "password file \"{}\" is not a plain file",
            path.display()
        ));
        return None;
    }
    if metadata.permissions().mode() & 0o077 != 0 {
        warnings.push(format!(
            "password file \"{}\" has group or world access; permissions should be u=rw \
             (0600) or less, so it is ignored",
            path.display()
        ));
        return None;
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            warnings.push(format!(
                "could not read password file \"{}\": {error}",
                path.display()
            ));
            return None;
        }
    };
    find(&text, target)
}

/// The password of the first line of `text` that matches `target`.
fn find(text: &str, target: &Target<'_>) -> Option<String> {
    let port = target.port.to_string();
    // libpq matches a Unix-domain socket as `localhost`. pgrift also
    // accepts the socket directory written out, which is what a user
    // reading the connection string would type.
    let hosts: &[&str] = if target.is_socket {
        &["localhost", target.host]
    } else {
        &[target.host]
    };
    text.lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .find_map(|line| {
            hosts.iter().find_map(|host| {
                let rest = match_field(line, host)?;
                let rest = match_field(rest, &port)?;
                let rest = match_field(rest, target.dbname)?;
                let rest = match_field(rest, target.user)?;
                Some(unescape(rest))
            })
        })
}

/// Matches the field at the start of `line` against `value` and returns the
/// rest of the line after its colon, following libpq's `pwdfMatchesString`.
fn match_field<'a>(line: &'a str, value: &str) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut wanted = value.chars();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        let (c, escaped) = if c == '\\' {
            match chars.next() {
                Some((_, next)) => (next, true),
                None => return None,
            }
        } else {
            (c, false)
        };
        if c == ':' && !escaped {
            return wanted.next().is_none().then(|| &line[i + 1..]);
        }
        if wanted.next() != Some(c) {
            return None;
        }
    }
    None
}

/// Removes backslash escapes from the password field.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(host: &'static str) -> Target<'static> {
        Target {
            host,
            is_socket: host.starts_with('/'),
            port: 5432,
            dbname: "app",
            user: "alice",
        }
    }

    fn check(file: &str, host: &'static str, expected: Option<&str>) {
        assert_eq!(
            find(file, &target(host)).as_deref(),
            expected,
            "file {file:?}, host {host}"
        );
    }

    #[test]
    fn matching() {
        check("db:5432:app:alice:pw", "db", Some("pw"));
        check("db:5432:app:alice:pw", "other", None);
        check("db:5433:app:alice:pw", "db", None);
        check("db:5432:app:bob:pw", "db", None);
        check("*:*:*:*:any", "db", Some("any"));
        check("*:5432:*:alice:pw", "db", Some("pw"));
        // The first matching line wins; comments and blank lines are skipped.
        check(
            "# db:5432:app:alice:commented\n\nx:*:*:*:no\r\ndb:*:app:*:first\r\n*:*:*:*:second\n",
            "db",
            Some("first"),
        );
        // A field that merely starts like the value does not match.
        check("d:5432:app:alice:pw", "db", None);
        check("dbx:5432:app:alice:pw", "db", None);
        // A `*` inside a field is literal.
        check("d*:5432:app:alice:pw", "db", None);
    }

    #[test]
    fn escapes() {
        check("db:5432:app:alice:p\\:w\\\\d", "db", Some("p:w\\d"));
        check("db:5432:app:alice:a:b", "db", Some("a:b"));
        let t = Target {
            host: "h:x",
            is_socket: false,
            port: 5432,
            dbname: "a\\b",
            user: "alice",
        };
        assert_eq!(
            find("h\\:x:5432:a\\\\b:alice:pw", &t).as_deref(),
            Some("pw")
        );
        assert_eq!(find("h:x:5432:a\\\\b:alice:pw", &t), None);
    }

    #[test]
    fn sockets_match_localhost_or_their_directory() {
        check(
            "localhost:5432:app:alice:local",
            "/var/run/postgresql",
            Some("local"),
        );
        check("/tmp/sock:5432:app:alice:dir", "/tmp/sock", Some("dir"));
        check("db:5432:app:alice:pw", "/tmp/sock", None);
    }

    #[test]
    fn permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        let mut warnings = Vec::new();

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            lookup(&path, &target("db"), &mut warnings).as_deref(),
            Some("secret")
        );
        assert!(warnings.is_empty());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(lookup(&path, &target("db"), &mut warnings), None);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("has group or world access"),
            "{warnings:?}"
        );

        let missing = dir.path().join("missing");
        assert_eq!(lookup(&missing, &target("db"), &mut warnings), None);
        assert_eq!(warnings.len(), 1);
    }
}
