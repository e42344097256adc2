//! Connection strings, read the way libpq reads them.
//!
//! Both forms libpq accepts are understood: URLs (`postgres://` and
//! `postgresql://`) and `key=value` strings. What the string leaves out is
//! taken from the `PG*` environment variables, then from libpq's defaults,
//! and a missing password from the password file (`~/.pgpass`). Reading the
//! environment goes through [`Env`], so tests pass their own instead of
//! changing the process's.
//!
//! A [`ConnInfo`] never shows its password: neither `Display` (which names
//! the database in every message) nor `Debug` prints it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};

use super::error::{SourceError, describe_pg_error};
use super::pgpass;
use super::tls::{self, SslMode};
use crate::introspect::duration;

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or IP address, reached over TCP.
    Tcp(String),
    /// A directory holding the server's Unix-domain socket
    /// (`<dir>/.s.PGSQL.<port>`).
    Socket(PathBuf),
}

/// libpq's `channel_binding`: whether SCRAM authentication must be bound to
/// the TLS channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelBinding {
    Disable,
    #[default]
    Prefer,
    Require,
}

/// A complete, resolved set of connection parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    pub host: Host,
    pub port: u16,
    pub user: String,
    /// Never displayed, never printed by `Debug`.
    pub password: Option<String>,
    pub dbname: String,
    pub sslmode: SslMode,
    /// A PEM file of trusted root certificates, or `system` for the
    /// platform's; `~/.postgresql/root.crt` when that exists and none was
    /// given, as with libpq.
    pub sslrootcert: Option<PathBuf>,
    pub channel_binding: ChannelBinding,
    pub application_name: Option<String>,
    /// How long connecting may take, from resolving the host name to the
    /// end of the login: [`DEFAULT_CONNECT_TIMEOUT`] unless the connection
    /// string or `PGCONNECT_TIMEOUT` says; `None` (`connect_timeout=0`)
    /// waits as long as the operating system does.
    pub connect_timeout: Option<Duration>,
    /// Command-line options sent to the server (`-c search_path=…`).
    pub options: Option<String>,
    /// Things the user should know that did not stop parsing, such as a
    /// password file ignored for its permissions.
    pub warnings: Vec<String>,
}

/// The parts of the process environment that shape a connection. Tests
/// build one by hand; [`Env::from_process`] reads the real one.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Environment variables. Only `PG*` ones are consulted; empty values
    /// count as unset.
    pub vars: BTreeMap<String, String>,
    /// The name of the operating-system user, libpq's default user name.
    pub os_user: Option<String>,
    /// The home directory, where `.pgpass` and `.postgresql/root.crt` live.
    pub home: Option<PathBuf>,
    /// Directories where a local server's socket may be, in order of
    /// preference. Without a host, the first that holds the socket for the
    /// port is used, else `localhost`.
    pub socket_dirs: Vec<PathBuf>,
}

impl Env {
    /// The environment of this process.
    pub fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("PG"))
            .collect();
        let account = current_account();
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| account.as_ref().map(|a| a.1.clone()));
        Env {
            vars,
            os_user: account.map(|a| a.0).or_else(|| std::env::var("USER").ok()),
            home,
            socket_dirs: vec![PathBuf::from("/var/run/postgresql"), PathBuf::from("/tmp")],
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The effective user's name and home directory, from the password database.
fn current_account() -> Option<(String, PathBuf)> {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let mut buf = vec![0u8; 16 * 1024];
    let mut pwd = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut result = std::ptr::null_mut();
    // SAFETY: the buffers are valid for the sizes passed, and the strings in
    // `pwd` are read only while `buf` lives.
    unsafe {
        let rc = libc::getpwuid_r(
            uid,
            pwd.as_mut_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() {
            return None;
        }
        let pwd = pwd.assume_init();
        let name = std::ffi::CStr::from_ptr(pwd.pw_name)
            .to_str()
            .ok()?
            .to_owned();
        let dir = std::ffi::CStr::from_ptr(pwd.pw_dir).to_str().ok()?.into();
        Some((name, dir))
    }
}

/// How long connecting may take when neither the connection string nor
/// `PGCONNECT_TIMEOUT` says. libpq has no default and waits as long as the
/// operating system does: minutes for a host that drops packets, forever
/// for one that accepts the connection and never answers.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parameters that pgrift passes on or uses.
const SUPPORTED: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "channel_binding",
    "application_name",
    "fallback_application_name",
    "connect_timeout",
    "options",
    "passfile",
];

/// Parameters libpq knows that make no difference to what pgrift reads, so
/// they are accepted and ignored with a warning.
const IGNORED: &[&str] = &[
    "gssencmode",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "target_session_attrs",
    "load_balance_hosts",
    "sslcompression",
    "sslnegotiation",
    "sslsni",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requirepeer",
    "krbsrvname",
    "gsslib",
    "service",
];

impl ConnInfo {
    /// Parses a URL or `key=value` connection string and fills the gaps from
    /// this process's environment and password file.
    pub fn parse(input: &str) -> Result<ConnInfo, SourceError> {
        ConnInfo::parse_with(input, &Env::from_process())
    }

    /// Like [`ConnInfo::parse`], with the environment given.
    pub fn parse_with(input: &str, env: &Env) -> Result<ConnInfo, SourceError> {
        let params = parse_params(input)?;
        resolve(params, env)
    }

    /// The same server and login, another database.
    pub fn with_dbname(&self, dbname: &str) -> ConnInfo {
        ConnInfo {
            dbname: dbname.to_owned(),
            ..self.clone()
        }
    }

    /// True when the connection goes through a Unix-domain socket, which
    /// never uses TLS.
    pub fn is_socket(&self) -> bool {
        matches!(self.host, Host::Socket(_))
    }
}

/// True when the argument is written as a URL rather than `key=value`.
pub fn is_url(input: &str) -> bool {
    input.starts_with("postgres://") || input.starts_with("postgresql://")
}

fn invalid(message: impl Into<String>) -> SourceError {
    SourceError::InvalidConnInfo {
        message: message.into(),
        hint: None,
    }
}

/// Splits a connection string into keyword/value pairs, later ones winning.
fn parse_params(input: &str) -> Result<BTreeMap<String, String>, SourceError> {
    let pairs = if is_url(input) {
        parse_url(input)?
    } else {
        parse_keyword_value(input)?
    };
    let mut params = BTreeMap::new();
    for (key, value) in pairs {
        if !SUPPORTED.contains(&key.as_str()) && !IGNORED.contains(&key.as_str()) {
            let hint = match key.as_str() {
                "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => Some(
                    "pgrift does not support TLS client certificates or revocation lists".into(),
                ),
                "hostaddr" => Some("give the address as host instead".into()),
                _ => None,
            };
            return Err(SourceError::InvalidConnInfo {
                message: format!("unsupported connection parameter \"{key}\""),
                hint,
            });
        }
        params.insert(key, value);
    }
    Ok(params)
}

/// Parses libpq's `key=value` form: whitespace-separated pairs, values
/// optionally single-quoted, backslash escaping the next character.
fn parse_keyword_value(input: &str) -> Result<Vec<(String, String)>, SourceError> {
    let mut pairs = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(invalid(format!("missing \"=\" after \"{key}\"")));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(invalid(format!("unterminated quoted value for \"{key}\"")));
                    }
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// Parses libpq's URL form:
/// `postgres[ql]://[user[:password]@][host][:port][/dbname][?key=value&…]`.
fn parse_url(input: &str) -> Result<Vec<(String, String)>, SourceError> {
    let rest = input
        .strip_prefix("postgresql://")
        .or_else(|| input.strip_prefix("postgres://"))
        .unwrap_or(input);
    let mut pairs = Vec::new();

    // The query string starts at the first `?`; the path at the first `/`
    // before it. As with libpq, `/` and `?` in a password must be encoded.
    let (before_query, query) = match rest.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let (netloc, path) = match before_query.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (before_query, None),
    };
    // An `@` after the host part most likely means a password with an
    // unencoded `/` or `?`, which would otherwise end up in the database name
    // or a parameter, and from there in messages.
    if !netloc.contains('@') && rest.contains('@') {
        return Err(SourceError::InvalidConnInfo {
            message: "the URL has an \"@\" after its host part".into(),
            hint: Some(
                "percent-encode special characters in the user name and password \
                 (/ as %2F, ? as %3F, @ as %40, : as %3A)"
                    .into(),
            ),
        });
    }
    let hostport = match netloc.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                pairs.push(("user".into(), percent_decode(user, "the user name")?));
            }
            if let Some(password) = password {
                pairs.push(("password".into(), percent_decode(password, "the password")?));
            }
            hostport
        }
        None => netloc,
    };
    if hostport.contains(',') {
        return Err(SourceError::InvalidConnInfo {
            message: "more than one host is not supported".into(),
            hint: Some("name a single host".into()),
        });
    }
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| invalid("unterminated IPv6 address in brackets"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| invalid("unexpected text after the IPv6 address"))?,
            ),
        };
        (host.to_owned(), port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (percent_decode(h, "the host")?, Some(p)),
            None => (percent_decode(hostport, "the host")?, None),
        }
    };
    if !host.is_empty() {
        pairs.push(("host".into(), host));
    }
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        let port = percent_decode(port, "the port")?;
        // A URL whose `user:password` lacks its `@` reads as `host:port`,
        // so a port that is not one is not quoted: it may be a password.
        if !matches!(port.parse::<u16>(), Ok(1..)) {
            return Err(SourceError::InvalidConnInfo {
                message: "the port in the URL is not a number from 1 to 65535".into(),
                hint: Some(
                    "a password goes between the user name and an @: \
                     postgres://user:password@host:port/dbname"
                        .into(),
                ),
            });
        }
        pairs.push(("port".into(), port));
    }
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        pairs.push(("dbname".into(), percent_decode(path, "the database name")?));
    }
    for param in query.into_iter().flat_map(|q| q.split('&')) {
        if param.is_empty() {
            continue;
        }
        let (key, value) = param
            .split_once('=')
            .ok_or_else(|| invalid("a URL query parameter lacks \"=\""))?;
        let key = percent_decode(key, "a query parameter name")?;
        let value = percent_decode(value, "a query parameter value")?;
        // libpq reads the JDBC-style `ssl=true` as `sslmode=require`.
        if key == "ssl" && value == "true" {
            pairs.push(("sslmode".into(), "require".into()));
        } else {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// Decodes `%XX` escapes. `what` names the part for the error message, which
/// never quotes the text itself: it may be a password.
fn percent_decode(text: &str, what: &str) -> Result<String, SourceError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| invalid(format!("invalid percent-encoding in {what}")))?;
            if hex == 0 {
                return Err(invalid(format!("%00 is not allowed in {what}")));
            }
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid(format!("{what} is not valid UTF-8 once decoded")))
}

/// Percent-encodes everything but URL-unreserved characters and those in
/// `keep`, for `Display`.
fn percent_encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Applies libpq's order: the connection string, then environment
/// variables, then built-in defaults.
fn resolve(params: BTreeMap<String, String>, env: &Env) -> Result<ConnInfo, SourceError> {
    let mut warnings = Vec::new();
    for key in params.keys() {
        if IGNORED.contains(&key.as_str()) {
            warnings.push(format!(
                "connection parameter \"{key}\" is ignored by pgrift"
            ));
        }
    }
    let get = |key: &str, var: &str| -> Option<String> {
        params
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
            .or_else(|| env.var(var).map(str::to_owned))
    };

    let port = match get("port", "PGPORT") {
        None => 5432,
        Some(text) => match text.trim().parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ if text.contains(',') => {
                return Err(invalid("more than one port is not supported"));
            }
            _ => return Err(invalid(format!("invalid port number \"{text}\""))),
        },
    };

    let host = match get("host", "PGHOST") {
        Some(host) if host.contains(',') => {
            return Err(SourceError::InvalidConnInfo {
                message: "more than one host is not supported".into(),
                hint: Some("name a single host".into()),
            });
        }
        Some(host) if host.starts_with('/') => Host::Socket(PathBuf::from(host)),
        Some(host) => Host::Tcp(host),
        None => env
            .socket_dirs
            .iter()
            .find(|dir| dir.join(format!(".s.PGSQL.{port}")).exists())
            .map(|dir| Host::Socket(dir.clone()))
            .unwrap_or_else(|| Host::Tcp("localhost".into())),
    };

    let user = get("user", "PGUSER")
        .or_else(|| env.os_user.clone())
        .ok_or_else(|| SourceError::InvalidConnInfo {
            message: "no user name given, and the operating-system user has none".into(),
            hint: Some("give a user in the connection string or PGUSER".into()),
        })?;
    let dbname = get("dbname", "PGDATABASE").unwrap_or_else(|| user.clone());

    let sslmode = match get("sslmode", "PGSSLMODE") {
        None => SslMode::default(),
        Some(text) => SslMode::parse(&text).ok_or_else(|| SourceError::InvalidConnInfo {
            message: format!("invalid sslmode \"{text}\""),
            hint: Some(
                "sslmode is one of disable, allow, prefer, require, verify-ca, verify-full".into(),
            ),
        })?,
    };
    let sslrootcert = get("sslrootcert", "PGSSLROOTCERT")
        .map(PathBuf::from)
        .or_else(|| {
            let default = env.home.as_ref()?.join(".postgresql/root.crt");
            default.is_file().then_some(default)
        });
    let channel_binding = match get("channel_binding", "PGCHANNELBINDING").as_deref() {
        None | Some("prefer") => ChannelBinding::Prefer,
        Some("disable") => ChannelBinding::Disable,
        Some("require") => ChannelBinding::Require,
        Some(other) => {
            return Err(SourceError::InvalidConnInfo {
                message: format!("invalid channel_binding \"{other}\""),
                hint: Some("channel_binding is one of disable, prefer, require".into()),
            });
        }
    };

    let connect_timeout = match get("connect_timeout", "PGCONNECT_TIMEOUT") {
        None => Some(DEFAULT_CONNECT_TIMEOUT),
        Some(text) => match text.trim().parse::<i64>() {
            // As in libpq, zero or less waits as long as the operating
            // system does, and the shortest timeout is two seconds.
            Ok(secs) if secs <= 0 => None,
            Ok(secs) => Some(Duration::from_secs(secs.max(2) as u64)),
            Err(_) => return Err(invalid(format!("invalid connect_timeout \"{text}\""))),
        },
    };
    let application_name = get("application_name", "PGAPPNAME")
        .or_else(|| params.get("fallback_application_name").cloned());
    let options = get("options", "PGOPTIONS");

    let mut password = get("password", "PGPASSWORD");
    if password.is_none() {
        let passfile = get("passfile", "PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| env.home.as_ref().map(|h| h.join(".pgpass")));
        if let Some(passfile) = passfile {
            let host_name = match &host {
                Host::Tcp(name) => name.clone(),
                Host::Socket(dir) => dir.to_string_lossy().into_owned(),
            };
            password = pgpass::lookup(
                &passfile,
                &pgpass::Target {
                    host: &host_name,
                    is_socket: matches!(host, Host::Socket(_)),
                    port,
                    dbname: &dbname,
                    user: &user,
                },
                &mut warnings,
            );
        }
    }

    Ok(ConnInfo {
        host,
        port,
        user,
        password,
        dbname,
        sslmode,
        sslrootcert,
        channel_binding,
        application_name,
        connect_timeout,
        options,
        warnings,
    })
}

/// Shows the connection as a URL without its password, for messages:
/// `postgres://alice@db.example.com:5432/app`, or for a socket
/// `postgres://alice@/app?host=/var/run/postgresql&port=5432`.
impl fmt::Display for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = percent_encode(&self.user, "");
        let dbname = percent_encode(&self.dbname, "");
        // Only an IPv6 address goes in brackets as it is; any other host
        // with a `:` is percent-encoded, so that the URL reads back.
        let ipv6 = |host: &str| {
            host.contains(':')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '%'))
        };
        match &self.host {
            Host::Tcp(host) if ipv6(host) => {
                write!(f, "postgres://{user}@[{host}]:{}/{dbname}", self.port)
            }
            Host::Tcp(host) => write!(
                f,
                "postgres://{user}@{}:{}/{dbname}",
                percent_encode(host, ""),
                self.port
            ),
            Host::Socket(dir) => write!(
                f,
                "postgres://{user}@/{dbname}?host={}&port={}",
                percent_encode(&dir.to_string_lossy(), "/"),
                self.port
            ),
        }
    }
}

/// Like `Display`, plus the settings, with the password hidden.
impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnInfo")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field("channel_binding", &self.channel_binding)
            .field("application_name", &self.application_name)
            .field("connect_timeout", &self.connect_timeout)
            .field("options", &self.options)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Connects, and runs the connection on the current tokio runtime until
/// the client is dropped.
///
/// The whole attempt (resolving the host name, opening the connection, TLS
/// and the login) is bounded by `connect_timeout`; the error of an attempt
/// that runs out of time says which of these it was waiting for.
///
/// Fails when the server cannot be reached in time, refuses the login,
/// answers in something other than PostgreSQL's protocol, or the TLS
/// requirements of `sslmode` cannot be met. Unix-domain sockets never use
/// TLS, whatever `sslmode` says, as with libpq.
pub async fn connect(info: &ConnInfo) -> Result<tokio_postgres::Client, SourceError> {
    connect_with(info, None).await
}

/// The server's notices to a session, as they arrive (`RAISE NOTICE`).
pub type Notices = tokio::sync::mpsc::UnboundedReceiver<String>;

/// Connects as [`connect`] does, and hands over the session's notices
/// instead of dropping them: `apply` relays the ones that report progress.
pub async fn connect_with_notices(
    info: &ConnInfo,
) -> Result<(tokio_postgres::Client, Notices), SourceError> {
    let (sender, notices) = tokio::sync::mpsc::unbounded_channel();
    Ok((connect_with(info, Some(sender)).await?, notices))
}

async fn connect_with(
    info: &ConnInfo,
    notices: Option<tokio::sync::mpsc::UnboundedSender<String>>,
) -> Result<tokio_postgres::Client, SourceError> {
    let config = client_config(info);
    let deadline = info
        .connect_timeout
        .map(|limit| (tokio::time::Instant::now() + limit, limit));
    let within = |stage| Within {
        info,
        deadline,
        stage,
    };
    match &info.host {
        Host::Socket(dir) => {
            let path = socket_path(dir, info.port);
            let shown = path.display().to_string();
            let stream = within(Stage::Opening(shown.clone()))
                .run(UnixStream::connect(&path))
                .await?
                .map_err(|e| open_error(info, &e))?;
            within(Stage::Answer(shown))
                .run(start_session(
                    info,
                    &config,
                    stream,
                    tokio_postgres::NoTls,
                    notices,
                ))
                .await?
        }
        Host::Tcp(host) => {
            let addrs = within(Stage::Resolving)
                .run(tokio::net::lookup_host((host.as_str(), info.port)))
                .await?
                .map_err(|e| resolve_error(info, host, &e))?;
            let mut last_error = None;
            let mut opened = None;
            // As libpq does, each address the name resolves to is tried in
            // turn until one accepts.
            for addr in addrs {
                match within(Stage::Opening(addr.to_string()))
                    .run(TcpStream::connect(addr))
                    .await?
                {
                    Ok(stream) => {
                        opened = Some((addr, stream));
                        break;
                    }
                    Err(e) => last_error = Some(e),
                }
            }
            let Some((addr, stream)) = opened else {
                let error = last_error.unwrap_or_else(|| std::io::ErrorKind::NotFound.into());
                return Err(open_error(info, &error));
            };
            // Like libpq: the protocol's messages are small, and Nagle's
            // algorithm would hold each back until the last is answered.
            stream.set_nodelay(true).map_err(|e| open_error(info, &e))?;
            let answer = within(Stage::Answer(addr.to_string()));
            if info.sslmode == SslMode::Disable {
                answer
                    .run(start_session(
                        info,
                        &config,
                        stream,
                        tokio_postgres::NoTls,
                        notices,
                    ))
                    .await?
            } else {
                let mut connector =
                    tls::connector(info.sslmode, info.sslrootcert.as_deref(), info)?;
                let Ok(tls) = MakeTlsConnect::<TcpStream>::make_tls_connect(&mut connector, host);
                answer
                    .run(start_session(info, &config, stream, tls, notices))
                    .await?
            }
        }
    }
}

/// One stage of a connection attempt, bounded by what is left of the
/// attempt's time.
struct Within<'a> {
    info: &'a ConnInfo,
    /// When the attempt runs out of time, and its whole limit; `None`
    /// waits as long as it takes.
    deadline: Option<(tokio::time::Instant, Duration)>,
    stage: Stage,
}

impl Within<'_> {
    async fn run<T>(self, work: impl Future<Output = T>) -> Result<T, SourceError> {
        match self.deadline {
            None => Ok(work.await),
            Some((at, limit)) => tokio::time::timeout_at(at, work)
                .await
                .map_err(|_| timed_out(self.info, limit, &self.stage)),
        }
    }
}

/// What a connection attempt is waiting for, for the message when it runs
/// out of time.
#[derive(Debug)]
enum Stage {
    /// The host name's addresses.
    Resolving,
    /// The TCP connection or the socket, named by its address or path.
    Opening(String),
    /// The server's answers: TLS, the login, the session's start.
    Answer(String),
}

/// The settings of the session, less where to find the server: the caller
/// opens the connection itself, to bound and name each stage of it.
fn client_config(info: &ConnInfo) -> tokio_postgres::Config {
    use tokio_postgres::config::{ChannelBinding as PgBinding, SslMode as PgSslMode};

    let mut config = tokio_postgres::Config::new();
    config.user(&info.user).dbname(&info.dbname);
    if let Some(password) = &info.password {
        config.password(password);
    }
    config.application_name(info.application_name.as_deref().unwrap_or("pgrift"));
    if let Some(options) = &info.options {
        config.options(options);
    }
    config.channel_binding(match info.channel_binding {
        ChannelBinding::Disable => PgBinding::Disable,
        ChannelBinding::Prefer => PgBinding::Prefer,
        ChannelBinding::Require => PgBinding::Require,
    });
    config.ssl_mode(match info.sslmode {
        _ if info.is_socket() => PgSslMode::Disable,
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Allow | SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
    });
    config
}

/// Logs in over `stream` and runs the connection on a task of its own,
/// which sends the server's notices to `notices` when given.
async fn start_session<S, T>(
    info: &ConnInfo,
    config: &tokio_postgres::Config,
    stream: S,
    tls: T,
    notices: Option<tokio::sync::mpsc::UnboundedSender<String>>,
) -> Result<tokio_postgres::Client, SourceError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: TlsConnect<S>,
    T::Stream: Send + 'static,
{
    let (client, mut connection) = config
        .connect_raw(stream, tls)
        .await
        .map_err(|e| connect_error(info, &e))?;
    match notices {
        None => {
            tokio::spawn(connection);
        }
        Some(notices) => {
            tokio::spawn(async move {
                while let Some(Ok(message)) =
                    std::future::poll_fn(|cx| connection.poll_message(cx)).await
                {
                    if let tokio_postgres::AsyncMessage::Notice(notice) = message {
                        // A receiver that is gone wants no more notices.
                        let _ = notices.send(notice.message().to_owned());
                    }
                }
            });
        }
    }
    Ok(client)
}

/// The host name did not resolve.
fn resolve_error(info: &ConnInfo, host: &str, error: &std::io::Error) -> SourceError {
    SourceError::Connect {
        label: info.to_string(),
        cause: format!("could not resolve host name {host:?}: {error}"),
        hint: Some("check the host name in the connection string or PGHOST".into()),
    }
}

/// The TCP connection or the socket could not be opened.
fn open_error(info: &ConnInfo, error: &std::io::Error) -> SourceError {
    let hint = match &info.host {
        Host::Tcp(host) => format!(
            "is a server running on {host} and accepting TCP connections on port {}?",
            info.port
        ),
        Host::Socket(dir) => format!(
            "is a server running locally and accepting connections on socket {}?",
            socket_path(dir, info.port).display()
        ),
    };
    SourceError::Connect {
        label: info.to_string(),
        cause: error.to_string(),
        hint: Some(hint),
    }
}

/// The attempt ran out of time at `stage`.
fn timed_out(info: &ConnInfo, limit: Duration, stage: &Stage) -> SourceError {
    let limit = duration(limit);
    let (cause, hint) = match stage {
        Stage::Resolving => (
            format!("timed out after {limit} resolving the host name"),
            "check the host name, and that this machine's name resolution answers",
        ),
        Stage::Opening(address) => (
            format!("timed out after {limit} connecting to {address}"),
            "check the host and port; a host that is down, or a firewall that drops \
             packets, leaves a connection waiting until it times out",
        ),
        Stage::Answer(address) => (
            format!(
                "timed out after {limit} waiting for the server at {address} to answer the login"
            ),
            "something accepts connections there but does not answer like a PostgreSQL \
             server: check the host and port, or, if the server is only slow, raise \
             connect_timeout in the connection string (or PGCONNECT_TIMEOUT)",
        ),
    };
    SourceError::Connect {
        label: info.to_string(),
        cause,
        hint: Some(hint.to_owned()),
    }
}

/// True when the server's bytes were not PostgreSQL's protocol: a message
/// type or length the protocol does not have, a message out of order, or a
/// stream that ends inside a message (what is left of an HTTP answer read
/// as a message header, for instance). tokio-postgres says so only in its
/// words, so they are matched here, in one place.
fn is_protocol_violation(error: &tokio_postgres::Error) -> bool {
    match error.to_string().as_str() {
        "unexpected message from server" | "error parsing response from server" => true,
        // The codec's own errors, not those of the network or of TLS
        // (which reports a failed handshake as invalid data too, but under
        // a message of its own).
        "error communicating with the server" => std::error::Error::source(error)
            .and_then(|cause| cause.downcast_ref::<std::io::Error>())
            .is_some_and(|io| {
                matches!(
                    io.kind(),
                    std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput
                ) || io.to_string() == "bytes remaining on stream"
            }),
        _ => false,
    }
}

/// Words the failure and guesses what to do about it.
fn connect_error(info: &ConnInfo, error: &tokio_postgres::Error) -> SourceError {
    if is_protocol_violation(error) {
        let address = match &info.host {
            Host::Tcp(host) => format!("{host}:{}", info.port),
            Host::Socket(dir) => socket_path(dir, info.port).display().to_string(),
        };
        return SourceError::Connect {
            label: info.to_string(),
            cause: format!("the server at {address} did not answer in PostgreSQL's protocol"),
            hint: Some(
                "check the host and port: something else (a web server, a proxy, another \
                 service) listens there"
                    .into(),
            ),
        };
    }
    let cause = describe_pg_error(error);
    let hint = if let Some(db) = error.as_db_error() {
        match db.code().code() {
            "28P01" => Some(
                "check the password given in the connection string, PGPASSWORD or ~/.pgpass"
                    .to_owned(),
            ),
            "28000" => Some(
                "the server's pg_hba.conf does not let this user reach this database from here"
                    .to_owned(),
            ),
            "3D000" => Some(
                "create the database first, or name another one in the connection string".into(),
            ),
            _ => db.hint().map(str::to_owned),
        }
    } else if cause.contains("password missing") {
        Some("the server asks for a password: give it in the URL, PGPASSWORD or ~/.pgpass".into())
    } else if cause.contains("not valid for name") {
        Some(
            "connect with a host name the certificate holds, or use sslmode=verify-ca to \
             skip the host name check"
                .into(),
        )
    } else if cause.contains("UnknownIssuer") {
        Some(
            "set sslrootcert to the CA certificate that signed the server's, or use \
             sslmode=require to encrypt without verifying"
                .into(),
        )
    } else if cause.contains("TLS") || cause.contains("certificate") {
        Some(
            "sslmode=require encrypts without verifying the certificate; for verify-ca or \
             verify-full, set sslrootcert to the server's CA certificate"
                .into(),
        )
    } else {
        None
    };
    SourceError::Connect {
        label: info.to_string(),
        cause,
        hint,
    }
}

/// The path of the socket file a server listening on `port` creates in
/// `dir`.
pub fn socket_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            os_user: Some("osuser".into()),
            home: None,
            socket_dirs: vec![],
        }
    }

    /// Parses with the given environment and shows the fields that matter.
    fn check(input: &str, vars: &[(&str, &str)], expected: &str) {
        let info = ConnInfo::parse_with(input, &env(vars)).unwrap();
        let actual = format!(
            "host={:?} port={} user={} password={:?} dbname={} sslmode={:?} app={:?} \
             timeout={:?} options={:?}",
            info.host,
            info.port,
            info.user,
            info.password,
            info.dbname,
            info.sslmode,
            info.application_name,
            info.connect_timeout.map(|d| d.as_secs()),
            info.options,
        );
        assert_eq!(actual, expected, "input {input:?}");
    }

    fn check_error(input: &str, expected: &str) {
        let error = ConnInfo::parse_with(input, &env(&[])).unwrap_err();
        assert_eq!(error.to_string(), expected, "input {input:?}");
    }

    #[test]
    fn urls() {
        check(
            "postgres://alice:s3cret@db.example.com:6543/app?sslmode=require",
            &[],
            "host=Tcp(\"db.example.com\") port=6543 user=alice password=Some(\"s3cret\") \
             dbname=app sslmode=Require app=None timeout=Some(10) options=None",
        );
        check(
            "postgresql://%2Fvar%2Frun%2Fpostgresql/db",
            &[],
            "host=Socket(\"/var/run/postgresql\") port=5432 user=osuser password=None \
             dbname=db sslmode=Prefer app=None timeout=Some(10) options=None",
        );
        check(
            "postgresql:///db?host=/tmp/sock&port=7000&application_name=x%20y&connect_timeout=1&options=-c%20search_path%3Dfoo",
            &[],
            "host=Socket(\"/tmp/sock\") port=7000 user=osuser password=None dbname=db \
             sslmode=Prefer app=Some(\"x y\") timeout=Some(2) options=Some(\"-c search_path=foo\")",
        );
        check(
            "postgres://u%40x:p%3Aw%2Fd@[::1]:5433",
            &[],
            "host=Tcp(\"::1\") port=5433 user=u@x password=Some(\"p:w/d\") dbname=u@x \
             sslmode=Prefer app=None timeout=Some(10) options=None",
        );
        check(
            "postgres://h?ssl=true",
            &[],
            "host=Tcp(\"h\") port=5432 user=osuser password=None dbname=osuser \
             sslmode=Require app=None timeout=Some(10) options=None",
        );
        check(
            "postgres://",
            &[],
            "host=Tcp(\"localhost\") port=5432 user=osuser password=None dbname=osuser \
             sslmode=Prefer app=None timeout=Some(10) options=None",
        );
    }

    #[test]
    fn keyword_values() {
        check(
            "host=db port = 6000 user='al ice' password='it\\'s' dbname=a\\ b",
            &[],
            "host=Tcp(\"db\") port=6000 user=al ice password=Some(\"it's\") dbname=a b \
             sslmode=Prefer app=None timeout=Some(10) options=None",
        );
        check(
            "dbname='' host=/run/pg",
            &[],
            "host=Socket(\"/run/pg\") port=5432 user=osuser password=None dbname=osuser \
             sslmode=Prefer app=None timeout=Some(10) options=None",
        );
        check(
            "dbname=x dbname=y",
            &[],
            "host=Tcp(\"localhost\") port=5432 user=osuser password=None dbname=y \
             sslmode=Prefer app=None timeout=Some(10) options=None",
        );
    }

    #[test]
    fn environment_fills_gaps() {
        let vars = [
            ("PGHOST", "envhost"),
            ("PGPORT", "6432"),
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envpw"),
            ("PGDATABASE", "envdb"),
            ("PGSSLMODE", "verify-full"),
            ("PGCONNECT_TIMEOUT", "10"),
            ("PGAPPNAME", "envapp"),
        ];
        check(
            "",
            &vars,
            "host=Tcp(\"envhost\") port=6432 user=envuser password=Some(\"envpw\") \
             dbname=envdb sslmode=VerifyFull app=Some(\"envapp\") timeout=Some(10) options=None",
        );
        check(
            "postgres://urluser@urlhost/urldb?sslmode=disable",
            &vars,
            "host=Tcp(\"urlhost\") port=6432 user=urluser password=Some(\"envpw\") \
             dbname=urldb sslmode=Disable app=Some(\"envapp\") timeout=Some(10) options=None",
        );
        // An empty variable counts as unset.
        check(
            "",
            &[("PGHOST", ""), ("PGUSER", "")],
            "host=Tcp(\"localhost\") port=5432 user=osuser password=None dbname=osuser \
             sslmode=Prefer app=None timeout=Some(10) options=None",
        );
    }

    #[test]
    fn connect_timeouts_follow_libpq_with_a_default() {
        let timeout = |input: &str, vars: &[(&str, &str)]| {
            ConnInfo::parse_with(input, &env(vars))
                .unwrap()
                .connect_timeout
                .map(|d| d.as_secs())
        };
        assert_eq!(timeout("host=h", &[]), Some(10));
        assert_eq!(timeout("host=h connect_timeout=3", &[]), Some(3));
        // libpq's shortest timeout is two seconds; zero or less waits as
        // long as the operating system does.
        assert_eq!(timeout("host=h connect_timeout=1", &[]), Some(2));
        assert_eq!(timeout("host=h connect_timeout=0", &[]), None);
        assert_eq!(timeout("host=h connect_timeout=-1", &[]), None);
        assert_eq!(timeout("host=h", &[("PGCONNECT_TIMEOUT", "4")]), Some(4));
        assert_eq!(
            timeout("host=h connect_timeout=5", &[("PGCONNECT_TIMEOUT", "4")]),
            Some(5)
        );
        let error = ConnInfo::parse_with("host=h connect_timeout=3s", &env(&[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid connection string: invalid connect_timeout \"3s\""
        );
    }

    #[test]
    fn default_host_is_a_socket_when_one_exists() {
        let dir = tempfile::tempdir().unwrap();
        let mut e = env(&[]);
        e.socket_dirs = vec![PathBuf::from("/nonexistent"), dir.path().to_owned()];
        let info = ConnInfo::parse_with("port=6789", &e).unwrap();
        assert_eq!(info.host, Host::Tcp("localhost".into()));
        std::fs::write(dir.path().join(".s.PGSQL.6789"), "").unwrap();
        let info = ConnInfo::parse_with("port=6789", &e).unwrap();
        assert_eq!(info.host, Host::Socket(dir.path().to_owned()));
    }

    #[test]
    fn errors() {
        check_error(
            "host",
            "invalid connection string: missing \"=\" after \"host\"",
        );
        check_error(
            "password='abc",
            "invalid connection string: unterminated quoted value for \"password\"",
        );
        check_error(
            "postgres://u:pa%zzss@h/db",
            "invalid connection string: invalid percent-encoding in the password",
        );
        check_error(
            "postgres://h1,h2/db",
            "invalid connection string: more than one host is not supported",
        );
        check_error(
            "port=99999",
            "invalid connection string: invalid port number \"99999\"",
        );
        check_error(
            "sslmode=maybe",
            "invalid connection string: invalid sslmode \"maybe\"",
        );
        check_error(
            "postgres://h/db?sslcert=x",
            "invalid connection string: unsupported connection parameter \"sslcert\"",
        );
        check_error(
            "postgres://h/db?bogus",
            "invalid connection string: a URL query parameter lacks \"=\"",
        );
        check_error(
            "postgres://h:99999/db",
            "invalid connection string: the port in the URL is not a number from 1 to 65535",
        );
    }

    #[test]
    fn password_file_fills_a_missing_password() {
        use std::os::unix::fs::PermissionsExt;

        let home = tempfile::tempdir().unwrap();
        let pgpass = home.path().join(".pgpass");
        std::fs::write(
            &pgpass,
            "db:5432:app:alice:from\\:file\nlocalhost:*:*:*:local\n",
        )
        .unwrap();
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = Env {
            home: Some(home.path().to_owned()),
            ..env(&[])
        };
        let parse = |input: &str, e: &Env| ConnInfo::parse_with(input, e).unwrap();

        let info = parse("postgres://alice@db/app", &e);
        assert_eq!(info.password.as_deref(), Some("from:file"));
        // A password given explicitly wins.
        let info = parse("postgres://alice:given@db/app", &e);
        assert_eq!(info.password.as_deref(), Some("given"));
        // A Unix-domain socket matches `localhost`.
        let info = parse("host=/run/pg user=bob", &e);
        assert_eq!(info.password.as_deref(), Some("local"));

        // PGPASSFILE points elsewhere.
        let other = home.path().join("other");
        std::fs::write(&other, "*:*:*:*:other\n").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
        let with_var = Env {
            vars: [("PGPASSFILE".to_owned(), other.display().to_string())].into(),
            ..e.clone()
        };
        let info = parse("postgres://alice@db/app", &with_var);
        assert_eq!(info.password.as_deref(), Some("other"));

        // Readable by others: ignored, with a warning.
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
        let info = parse("postgres://alice@db/app", &e);
        assert_eq!(info.password, None);
        assert_eq!(info.warnings.len(), 1);
        assert!(
            info.warnings[0].contains("group or world access"),
            "{:?}",
            info.warnings
        );
    }

    #[test]
    fn root_certificate_in_the_home_directory_is_picked_up() {
        let home = tempfile::tempdir().unwrap();
        let e = Env {
            home: Some(home.path().to_owned()),
            ..env(&[])
        };
        assert_eq!(
            ConnInfo::parse_with("host=h", &e).unwrap().sslrootcert,
            None
        );
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        let root = home.path().join(".postgresql/root.crt");
        std::fs::write(&root, "").unwrap();
        assert_eq!(
            ConnInfo::parse_with("host=h", &e).unwrap().sslrootcert,
            Some(root)
        );
        assert_eq!(
            ConnInfo::parse_with("host=h sslrootcert=system", &e)
                .unwrap()
                .sslrootcert,
            Some(PathBuf::from("system"))
        );
    }

    #[test]
    fn ignored_parameters_warn() {
        let info = ConnInfo::parse_with("host=h gssencmode=disable", &env(&[])).unwrap();
        assert_eq!(
            info.warnings,
            ["connection parameter \"gssencmode\" is ignored by pgrift"]
        );
    }

    #[test]
    fn display_hides_the_password_and_parses_back() {
        let cases = [
            (
                "postgres://alice:s3cret@db.example.com/app",
                "postgres://alice@db.example.com:5432/app",
            ),
            (
                "host=::1 user=bob password=x dbname='my db'",
                "postgres://bob@[::1]:5432/my%20db",
            ),
            (
                "host=/var/run/postgresql user=a@b dbname=x/y password=pw",
                "postgres://a%40b@/x%2Fy?host=/var/run/postgresql&port=5432",
            ),
            (
                "host='h/x:1' user=u password=pw",
                "postgres://u@h%2Fx%3A1:5432/u",
            ),
        ];
        for (input, expected) in cases {
            let info = ConnInfo::parse_with(input, &env(&[])).unwrap();
            assert_eq!(info.to_string(), expected);
            assert!(!format!("{info:?}").contains("s3cret"));
            let back = ConnInfo::parse_with(expected, &env(&[])).unwrap();
            assert_eq!(
                back,
                ConnInfo {
                    password: None,
                    ..info
                }
            );
        }
    }

    #[test]
    fn no_error_message_quotes_a_password() {
        for input in [
            "postgres://u:hunter2%@h/db",
            "postgres://u:hunter2%00@h/db",
            "postgres://u:hunter2@h,h2/db",
            "postgres://u:hunter2?x@h/db",
            "postgres://u:hunter2/x@h/db",
            "postgres://u:hunter2",
            "postgres://u:hunter2/db",
        ] {
            let error = ConnInfo::parse_with(input, &env(&[])).unwrap_err();
            let text = format!("{error} {:?}", error.hint());
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
