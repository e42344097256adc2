//! TLS over TCP against a real server, for every `sslmode`.
//!
//! The server gets a certificate for `localhost` signed by a test CA. Then
//! `localhost` passes `verify-full`, while `127.0.0.1` passes only
//! `verify-ca`, which skips the host name.

use std::os::unix::fs::MetadataExt;

use pgrift::source::{self, Cluster, ClusterOptions, ConnInfo, Env};

use crate::support::explain;

struct TlsServer {
    cluster: Cluster,
    ca_file: std::path::PathBuf,
    _ca_dir: tempfile::TempDir,
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn tls_server() -> TlsServer {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "pgrift test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();

    let cluster = match Cluster::start_with(ClusterOptions {
        tcp_port: Some(free_port()),
        ..ClusterOptions::default()
    })
    .await
    {
        Ok(cluster) => cluster,
        Err(error) => panic!("{}", explain(&error)),
    };

    // The server reads its key as its own user, and insists that nobody
    // else can.
    let dir = cluster.socket_dir();
    let owner = std::fs::metadata(dir.join("data")).unwrap();
    for (name, pem) in [
        ("server.crt", server_cert.pem()),
        ("server.key", server_key.serialize_pem()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
    }
    let client = cluster.connect("postgres").await.unwrap();
    // ALTER SYSTEM refuses to run in the implicit transaction of a
    // multi-statement string, so one at a time.
    for statement in [
        format!(
            "ALTER SYSTEM SET ssl_cert_file = '{}/server.crt'",
            dir.display()
        ),
        format!(
            "ALTER SYSTEM SET ssl_key_file = '{}/server.key'",
            dir.display()
        ),
        "ALTER SYSTEM SET ssl = on".to_owned(),
        "SELECT pg_reload_conf()".to_owned(),
    ] {
        client.batch_execute(&statement).await.unwrap();
    }
    // A reload is asynchronous: wait until new sessions see it.
    for _ in 0..250 {
        let client = cluster.connect("postgres").await.unwrap();
        let row = client.query_one("SHOW ssl", &[]).await.unwrap();
        if row.get::<_, String>(0) == "on" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let ca_dir = tempfile::tempdir().unwrap();
    let ca_file = ca_dir.path().join("ca.crt");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    TlsServer {
        cluster,
        ca_file,
        _ca_dir: ca_dir,
    }
}

impl TlsServer {
    fn conninfo(&self, host: &str, params: &str) -> ConnInfo {
        let text = format!(
            "host={host} port={} user=pgrift dbname=postgres {params}",
            self.cluster.port()
        );
        // No home directory, so no ~/.postgresql/root.crt is picked up.
        ConnInfo::parse_with(&text, &Env::default()).unwrap()
    }

    /// Connects and says whether the session is encrypted, or why it failed.
    async fn check(&self, host: &str, params: &str) -> Result<bool, String> {
        let info = self.conninfo(host, params);
        let client = source::connect(&info).await.map_err(|e| explain(&e))?;
        let row = client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .unwrap();
        Ok(row.get(0))
    }
}

#[tokio::test]
async fn every_sslmode_against_a_real_server() {
    let server = tls_server().await;
    let ca = format!("sslrootcert={}", server.ca_file.display());

    assert_eq!(
        server.check("127.0.0.1", "sslmode=disable").await,
        Ok(false)
    );
    assert_eq!(server.check("127.0.0.1", "sslmode=allow").await, Ok(true));
    assert_eq!(server.check("127.0.0.1", "sslmode=prefer").await, Ok(true));
    assert_eq!(server.check("127.0.0.1", "").await, Ok(true));
    assert_eq!(server.check("127.0.0.1", "sslmode=require").await, Ok(true));
    assert_eq!(
        server
            .check("127.0.0.1", &format!("sslmode=verify-ca {ca}"))
            .await,
        Ok(true)
    );
    assert_eq!(
        server
            .check("localhost", &format!("sslmode=verify-full {ca}"))
            .await,
        Ok(true)
    );

    // The certificate names localhost, not 127.0.0.1.
    let error = server
        .check("127.0.0.1", &format!("sslmode=verify-full {ca}"))
        .await
        .unwrap_err();
    assert!(error.contains("certificate"), "{error}");
    assert!(
        error.starts_with("could not connect to postgres://pgrift@127.0.0.1:"),
        "{error}"
    );

    // Without the test CA, the chain does not verify.
    let error = server
        .check("localhost", "sslmode=verify-full")
        .await
        .unwrap_err();
    assert!(error.contains("certificate"), "{error}");

    let error = server
        .check("localhost", "sslmode=verify-ca")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        format!(
            "could not connect to {}: sslmode=verify-ca needs a root certificate\n\
             hint: set sslrootcert to the server's CA certificate file, or put it in \
             ~/.postgresql/root.crt",
            server.conninfo("localhost", "")
        )
    );
}
