//! Waits on a server are bounded and say what they waited for: a server
//! that never answers, one that answers in another protocol, a table
//! another session has locked while pgrift reads the catalog, and a
//! session ended under pgrift's feet. Each test bounds the binary's run
//! itself, so that a wait that never ends fails the test instead of
//! hanging the suite.

use std::process::Output;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Runs `pgrift` with `args` and the environment variables `vars`, and
/// kills it when it is still running after `limit`.
async fn pgrift_within(
    limit: Duration,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (Output, Duration) {
    let started = Instant::now();
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .env_remove("PGCONNECT_TIMEOUT")
        .envs(vars.iter().copied())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(limit, run).await {
        Ok(output) => (output.expect("pgrift runs"), started.elapsed()),
        Err(_) => panic!("pgrift {args:?} was still running after {limit:?}"),
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a [`Listener`] does with each connection it accepts.
#[derive(Clone, Copy)]
enum Answer {
    /// Keeps the connection open and never sends a byte.
    Nothing,
    /// Reads what the client sends first, answers like a web server and
    /// ends the connection.
    Http,
}

/// A TCP listener on 127.0.0.1 that is not a PostgreSQL server. It stops
/// when dropped, and after a minute in any case.
struct Listener {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    async fn start(answer: Answer) -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let port = socket.local_addr().expect("local address").port();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            let serve = async {
                while let Ok((mut stream, _)) = socket.accept().await {
                    match answer {
                        Answer::Nothing => held.push(stream),
                        Answer::Http => {
                            let mut request = [0u8; 1024];
                            let _ = stream.read(&mut request).await;
                            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                            // Closing with unread bytes would reset the
                            // connection before the client reads the
                            // answer: end the writing side, then read
                            // until the client gives up.
                            let _ = stream.shutdown().await;
                            while matches!(stream.read(&mut request).await, Ok(n) if n > 0) {}
                        }
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(60), serve).await;
        });
        Listener { port, task }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_per_connect_timeout() {
    let listener = Listener::start(Answer::Nothing).await;
    let port = listener.port;
    let url = format!("postgres://u@127.0.0.1:{port}/x?connect_timeout=2");
    let from_env = format!("postgres://u@127.0.0.1:{port}/x");
    for (url, vars) in [
        (url.as_str(), &[][..]),
        (from_env.as_str(), &[("PGCONNECT_TIMEOUT", "2")][..]),
    ] {
        let (out, took) =
            pgrift_within(Duration::from_secs(20), &["diff", url, "empty"], vars).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: could not connect to postgres://u@127.0.0.1:{port}/x: timed out after 2s \
                 waiting for the server at 127.0.0.1:{port} to answer the login\nhint: "
            )),
            "{err}"
        );
        assert!(took >= Duration::from_secs(2), "gave up early: {took:?}");
        assert!(took < Duration::from_secs(10), "took {took:?}");
    }
}

#[tokio::test]
async fn a_server_speaking_another_protocol_is_named_as_such() {
    let listener = Listener::start(Answer::Http).await;
    let port = listener.port;
    for sslmode in ["disable", "prefer"] {
        let url = format!("postgres://u@127.0.0.1:{port}/x?sslmode={sslmode}");
        let (out, _) = pgrift_within(Duration::from_secs(20), &["diff", &url, "empty"], &[]).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "error: could not connect to postgres://u@127.0.0.1:{port}/x: the server at \
                 127.0.0.1:{port} did not answer in PostgreSQL's protocol\n\
                 hint: check the host and port: something else (a web server, a proxy, another \
                 service) listens there\n"
            )
        );
    }
}
