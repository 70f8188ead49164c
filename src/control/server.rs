//! The kiosk's end of the control socket. One connection carries one request line and
//! one answer line. Whatever a peer sends (bad JSON, an unknown command, a line that
//! never ends, nothing at all) it gets an error answer or a closed connection: the
//! server never panics and never waits on a peer for long, and the handler's work runs
//! in its own task, so neither a peer nor a handler can stall the UI.

use super::{Answer, Handler, Request};
use crate::ops::Actor;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// Limits on what a peer may send and how long it may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest request line, in bytes (without its newline).
    pub max_line: usize,
    /// How long a peer may take to send its request line.
    pub read_timeout: Duration,
    /// How long a peer may take to read the answer.
    pub write_timeout: Duration,
    /// Connections served at once; more are answered "busy".
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 64 * 1024,
            read_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(5),
            max_connections: 8,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("控制接口 {0}: 另一个 kiosk 正在运行 / another kiosk answers on this control socket; stop it first (systemctl stop kiosk)")]
    InUse(String),
    #[error("控制接口 {0}: 不是套接字文件，未覆盖 / exists and is not a socket; not replaced (move it away or set terminal.control_socket)")]
    NotASocket(String),
    #[error("控制接口 {0}: {1}")]
    Io(String, io::Error),
}

/// Whether a peer may use the socket: root, or the user the kiosk runs as.
pub fn peer_allowed(peer_uid: u32, own_euid: u32) -> bool {
    peer_uid == 0 || peer_uid == own_euid
}

/// The kiosk's effective uid.
pub fn own_euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Binds the socket at `path`, mode 0600. A socket file left by a crashed run (nobody
/// answers on it) is replaced; one where a kiosk answers is an error, and so is a file
/// that is not a socket. The parent directory is created if missing (mode 0700).
pub fn bind(path: &Path) -> Result<std::os::unix::net::UnixListener, BindError> {
    let shown = path.display().to_string();
    let io_err = |e| BindError::Io(shown.clone(), e);
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => return Err(BindError::InUse(shown)),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                tracing::info!(path = %shown, "stale control socket replaced");
                std::fs::remove_file(path).map_err(io_err)?;
            }
            Err(e) => return Err(io_err(e)),
        },
        Ok(_) => return Err(BindError::NotASocket(shown)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(io_err)?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_err)?;
        }
    }
    let listener = std::os::unix::net::UnixListener::bind(path).map_err(io_err)?;
    // The service's UMask=0077 already gives 0600; a demo or a shell may not.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io_err)?;
    listener.set_nonblocking(true).map_err(io_err)?;
    Ok(listener)
}

/// A bound control socket, removed when the server ends.
pub struct Server {
    listener: UnixListener,
    path: PathBuf,
    handler: Arc<dyn Handler>,
    limits: Limits,
    own_euid: u32,
}

impl Server {
    /// Wraps a socket from [`bind`]. Must be called inside a tokio runtime.
    pub fn new(
        listener: std::os::unix::net::UnixListener,
        path: &Path,
        handler: Arc<dyn Handler>,
        limits: Limits,
    ) -> io::Result<Server> {
        Ok(Server {
            listener: UnixListener::from_std(listener)?,
            path: path.to_path_buf(),
            handler,
            limits,
            own_euid: own_euid(),
        })
    }

    /// Accepts connections until the runtime ends; each is served in its own task.
    pub async fn run(self) {
        let _remove = RemoveOnDrop(self.path.clone());
        tracing::info!(path = %self.path.display(), "control socket listening");
        let slots = Arc::new(tokio::sync::Semaphore::new(self.limits.max_connections));
        loop {
            let stream = match self.listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    // EMFILE and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "control socket: accept failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            let (handler, limits, euid) = (self.handler.clone(), self.limits, self.own_euid);
            match slots.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(async move {
                        serve(stream, handler, limits, euid).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    tokio::spawn(async move {
                        let mut stream = stream;
                        let busy = Answer::error("控制接口忙 / busy: too many connections, try again");
                        let _ = write_answer(&mut stream, &busy, limits.write_timeout).await;
                    });
                }
            }
        }
    }
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One connection: check the peer, read one line, answer it.
pub async fn serve(mut stream: UnixStream, handler: Arc<dyn Handler>, limits: Limits, own_euid: u32) {
    let cred = match stream.peer_cred() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "control socket: no peer credentials; closed");
            return;
        }
    };
    if !peer_allowed(cred.uid(), own_euid) {
        let detail = format!(
            "control socket: uid {} (pid {}) refused: only root and uid {own_euid} may connect",
            cred.uid(),
            cred.pid().map_or("?".to_string(), |p| p.to_string())
        );
        tracing::warn!(uid = cred.uid(), "control socket: peer refused");
        handler.refused(&detail);
        // Take its request first (bounded as any), so the peer reads the refusal rather
        // than a broken pipe.
        let _ = read_request(&mut stream, &limits).await;
        let answer = Answer::error(format!(
            "无权限 / permission denied: uid {} may not use the control socket (run as root or as the kiosk's user)",
            cred.uid()
        ));
        let _ = write_answer(&mut stream, &answer, limits.write_timeout).await;
        return;
    }
    let answer = match read_request(&mut stream, &limits).await {
        Ok(req) => run_handler(&handler, req).await,
        Err(answer) => answer,
    };
    let _ = write_answer(&mut stream, &answer, limits.write_timeout).await;
}

/// Reads and parses the request line; an error is the answer to send.
async fn read_request(stream: &mut UnixStream, limits: &Limits) -> Result<Request, Answer> {
    let mut line = Vec::new();
    let max = limits.max_line;
    let read = async {
        let mut reader = BufReader::new(&mut *stream).take(max as u64 + 1);
        reader.read_until(b'\n', &mut line).await
    };
    match tokio::time::timeout(limits.read_timeout, read).await {
        Err(_) => {
            return Err(Answer::error(format!(
                "超时 / timeout: no complete request line within {} s",
                limits.read_timeout.as_secs_f32()
            )))
        }
        Ok(Err(e)) => return Err(Answer::error(format!("read error: {e}"))),
        Ok(Ok(_)) => {}
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    } else if line.len() > max {
        return Err(Answer::error(format!("请求过长 / request too long: at most {max} bytes per line")));
    }
    parse_request(&line)
}

/// Parses one request line, with an error that says what was wrong.
pub fn parse_request(line: &[u8]) -> Result<Request, Answer> {
    let text = std::str::from_utf8(line).map_err(|_| Answer::error("malformed request: not UTF-8"))?;
    if text.trim().is_empty() {
        return Err(Answer::error("empty request: send one JSON object per line, e.g. {\"cmd\":\"status\"}"));
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Answer::error(format!("malformed JSON: {e}")))?;
    let cmd = match value.get("cmd") {
        Some(serde_json::Value::String(c)) => c.clone(),
        Some(_) | None => {
            return Err(Answer::error(format!(
                "missing \"cmd\": a JSON object with \"cmd\", one of {}",
                COMMANDS.join(", ")
            )))
        }
    };
    if !COMMANDS.contains(&cmd.as_str()) {
        return Err(Answer::error(format!("unknown cmd `{cmd}`; known: {}", COMMANDS.join(", "))));
    }
    serde_json::from_value(value).map_err(|e| Answer::error(format!("bad `{cmd}` request: {e}")))
}

/// The commands [`Request`] knows, as they are spelt on the wire.
pub const COMMANDS: &[&str] = &["status", "selftest", "queue", "audit", "pause", "resume", "wait_idle"];

/// Runs the handler in its own task: a panic there becomes an error answer.
async fn run_handler(handler: &Arc<dyn Handler>, req: Request) -> Answer {
    let fut = handler.handle(req, Actor::Cli);
    match tokio::spawn(fut).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "control socket: handler failed");
            Answer::error("内部错误 / internal error: the request failed; see the kiosk's log")
        }
    }
}

async fn write_answer(stream: &mut UnixStream, answer: &Answer, timeout: Duration) -> io::Result<()> {
    let mut line =
        serde_json::to_vec(answer).unwrap_or_else(|_| br#"{"ok":false,"error":"unserializable answer"}"#.to_vec());
    line.push(b'\n');
    let write = async {
        stream.write_all(&line).await?;
        stream.flush().await?;
        stream.shutdown().await
    };
    tokio::time::timeout(timeout, write).await.map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "peer too slow"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::BoxFuture;
    use tokio::io::AsyncWriteExt;

    /// Answers status with a fixed value, sleeps on wait_idle, panics on resume.
    struct Fake {
        refused: std::sync::Mutex<Vec<String>>,
    }

    impl Handler for Fake {
        fn handle(&self, req: Request, by: Actor) -> BoxFuture<Answer> {
            Box::pin(async move {
                match req {
                    Request::Status => Answer::data(serde_json::json!({"by": by.name(), "ok": 1})),
                    Request::WaitIdle { timeout_secs } => {
                        tokio::time::sleep(Duration::from_millis(timeout_secs)).await;
                        Answer::data(serde_json::json!("idle"))
                    }
                    Request::Resume => panic!("fake handler panics"),
                    other => Answer::error(format!("fake: {other:?}")),
                }
            })
        }

        fn refused(&self, detail: &str) {
            self.refused.lock().unwrap().push(detail.to_string());
        }
    }

    struct Rig {
        _dir: tempfile::TempDir,
        path: PathBuf,
        rt: tokio::runtime::Runtime,
    }

    fn rig(limits: Limits) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("control.sock");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = bind(&path).unwrap();
        let handler: Arc<dyn Handler> = Arc::new(Fake { refused: Default::default() });
        let server = {
            let _g = rt.enter();
            Server::new(listener, &path, handler, limits).unwrap()
        };
        rt.spawn(server.run());
        Rig { _dir: dir, path, rt }
    }

    impl Rig {
        /// Sends `bytes` as they are, returns the answer line parsed.
        fn send(&self, bytes: &[u8]) -> Answer {
            let bytes = bytes.to_vec();
            let path = self.path.clone();
            self.rt.block_on(async move {
                let mut s = UnixStream::connect(&path).await.unwrap();
                s.write_all(&bytes).await.unwrap();
                let mut out = String::new();
                BufReader::new(s).read_line(&mut out).await.unwrap();
                assert!(out.ends_with('\n'), "one answer line: {out:?}");
                serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out:?}"))
            })
        }
    }

    #[test]
    fn answers_one_line_per_request_and_explains_bad_ones() {
        let r = rig(Limits::default());
        let a = r.send(b"{\"cmd\":\"status\"}\n");
        assert_eq!(a, Answer::data(serde_json::json!({"by": "cli", "ok": 1})));
        // Trailing fields are tolerated; a missing newline at EOF is not waited for.
        let a = r.send(b"{\"cmd\":\"status\",\"x\":1}\n");
        assert!(a.ok);

        let a = r.send(b"{\"cmd\": status}\n");
        assert!(!a.ok && a.error.as_deref().unwrap().starts_with("malformed JSON"), "{a:?}");
        let a = r.send(b"{\"cmd\":\"reboot\"}\n");
        assert_eq!(
            a.error.as_deref(),
            Some("unknown cmd `reboot`; known: status, selftest, queue, audit, pause, resume, wait_idle")
        );
        let a = r.send(b"{\"test\":\"printer\"}\n");
        assert!(a.error.as_deref().unwrap().starts_with("missing \"cmd\""), "{a:?}");
        let a = r.send(b"{\"cmd\":\"selftest\",\"test\":\"toaster\"}\n");
        assert!(a.error.as_deref().unwrap().starts_with("bad `selftest` request"), "{a:?}");
        let a = r.send(b"\n");
        assert!(a.error.as_deref().unwrap().starts_with("empty request"), "{a:?}");
        let a = r.send(b"\xff\xfe\n");
        assert_eq!(a.error.as_deref(), Some("malformed request: not UTF-8"));
        // A handler that panics: an answer all the same, and the server lives on.
        let a = r.send(b"{\"cmd\":\"resume\"}\n");
        assert!(a.error.as_deref().unwrap().contains("internal error"), "{a:?}");
        assert!(r.send(b"{\"cmd\":\"status\"}\n").ok);
    }

    #[test]
    fn an_oversized_line_is_refused_without_reading_it_all() {
        let r = rig(Limits { max_line: 1024, ..Limits::default() });
        let mut big = b"{\"cmd\":\"status\",\"pad\":\"".to_vec();
        big.extend(std::iter::repeat_n(b'x', 4096));
        big.extend(b"\"}\n");
        let a = r.send(&big);
        assert_eq!(a.error.as_deref(), Some("请求过长 / request too long: at most 1024 bytes per line"));
        // Exactly at the limit is fine.
        let mut line = b"{\"cmd\":\"status\",\"pad\":\"".to_vec();
        line.extend(std::iter::repeat_n(b'x', 1024 - line.len() - 2));
        line.extend(b"\"}");
        assert_eq!(line.len(), 1024);
        line.push(b'\n');
        assert!(r.send(&line).ok);
    }

    #[test]
    fn a_slow_peer_gets_a_timeout_and_others_are_served_meanwhile() {
        let r = rig(Limits { read_timeout: Duration::from_millis(300), ..Limits::default() });
        let path = r.path.clone();
        let slow = r.rt.spawn(async move {
            let mut s = UnixStream::connect(&path).await.unwrap();
            s.write_all(b"{\"cmd\":").await.unwrap();
            let mut out = String::new();
            BufReader::new(s).read_line(&mut out).await.unwrap();
            out
        });
        // Meanwhile a quick peer is answered.
        assert!(r.send(b"{\"cmd\":\"status\"}\n").ok);
        let out = r.rt.block_on(slow).unwrap();
        let a: Answer = serde_json::from_str(&out).unwrap();
        assert!(a.error.as_deref().unwrap().starts_with("超时 / timeout"), "{a:?}");
        // A peer that connects and says nothing: the same, and nothing is left hanging.
        let a = r.send(b"");
        assert!(a.error.as_deref().unwrap().contains("timeout") || a.error.as_deref().unwrap().contains("empty"));
    }

    /// The peer side of [`a_real_peer_of_another_uid_is_refused_and_reported`], run in a
    /// child process under another uid (a no-op in a normal test run).
    #[test]
    fn peer_helper() {
        let Ok(path) = std::env::var("KIOSK_TEST_PEER_SOCKET") else { return };
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap_or_else(|e| panic!("connect {path}: {e}"));
        std::io::Write::write_all(&mut s, b"{\"cmd\":\"status\"}\n").unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(&s), &mut line).unwrap();
        println!("ANSWER {line}");
    }

    #[test]
    fn a_real_peer_of_another_uid_is_refused_and_reported() {
        use std::os::unix::process::CommandExt;
        if own_euid() != 0 {
            eprintln!("skipped: needs root to run a peer as another user");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("control.sock");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = bind(&path).unwrap();
        // Let the other user reach the socket, so that the uid check is what refuses it.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let fake = Arc::new(Fake { refused: Default::default() });
        let server = {
            let _g = rt.enter();
            Server::new(listener, &path, fake.clone(), Limits::default()).unwrap()
        };
        rt.spawn(server.run());
        let out = match std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "control::server::tests::peer_helper", "--nocapture", "--test-threads=1"])
            .env("KIOSK_TEST_PEER_SOCKET", &path)
            .uid(65534)
            .gid(65534)
            .output()
        {
            Ok(out) => out,
            Err(e) => return eprintln!("skipped: cannot run the test binary as uid 65534 ({e})"),
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !stdout.contains("running 1 test") {
            // The binary's directory is closed to other users (a checkout under /root).
            return eprintln!(
                "skipped: the test binary did not run as uid 65534: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("ANSWER ").map(|(_, a)| a))
            .unwrap_or_else(|| panic!("no answer from the peer: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
        let a: Answer = serde_json::from_str(line).unwrap();
        assert!(!a.ok);
        assert!(a.error.as_deref().unwrap().contains("uid 65534 may not use the control socket"), "{a:?}");
        let refused = fake.refused.lock().unwrap().clone();
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].starts_with("control socket: uid 65534 (pid "), "{refused:?}");
    }

    #[test]
    fn only_root_and_the_kiosk_user_may_connect() {
        assert!(peer_allowed(0, 999));
        assert!(peer_allowed(999, 999));
        assert!(!peer_allowed(1000, 999));
        assert!(!peer_allowed(65534, 999));
        // Running as root: only root.
        assert!(peer_allowed(0, 0));
        assert!(!peer_allowed(1000, 0));
    }

    #[test]
    fn a_stale_socket_is_replaced_and_a_live_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run").join("control.sock");
        // A crashed run left its socket file behind: nobody listens on it.
        let first = bind(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        drop(first);
        assert!(path.exists(), "the stale file stays after the listener is gone");
        let live = bind(&path).expect("stale socket replaced");
        // Another kiosk answers on it now.
        let err = bind(&path).unwrap_err();
        assert!(matches!(err, BindError::InUse(_)), "{err}");
        drop(live);
        // A regular file is never deleted.
        let file = dir.path().join("not-a-socket");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(bind(&file).unwrap_err(), BindError::NotASocket(_)));
        assert!(file.exists());
    }

    #[test]
    fn requests_round_trip_in_their_wire_form() {
        use crate::control::QueueAction;
        use crate::ops::SelfTestKind;
        for (req, wire) in [
            (Request::Status, r#"{"cmd":"status"}"#),
            (Request::Selftest { test: SelfTestKind::Printer }, r#"{"cmd":"selftest","test":"printer"}"#),
            (Request::Queue { action: None }, r#"{"cmd":"queue","action":null}"#),
            (
                Request::Queue { action: Some(QueueAction::Retry { local_no: "XX-1".into() }) },
                r#"{"cmd":"queue","action":{"action":"retry","local_no":"XX-1"}}"#,
            ),
            (Request::Audit { since_ms: 5 }, r#"{"cmd":"audit","since_ms":5}"#),
            (Request::Pause { reason: "维护".into() }, r#"{"cmd":"pause","reason":"维护"}"#),
            (Request::Resume, r#"{"cmd":"resume"}"#),
            (Request::WaitIdle { timeout_secs: 60 }, r#"{"cmd":"wait_idle","timeout_secs":60}"#),
        ] {
            assert_eq!(serde_json::to_string(&req).unwrap(), wire);
            assert_eq!(parse_request(wire.as_bytes()).unwrap(), req);
        }
        assert_eq!(parse_request(br#"{"cmd":"queue"}"#).unwrap(), Request::Queue { action: None });
    }
}
