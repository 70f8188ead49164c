//! `kiosk diag` against a running kiosk, over its control socket: the real binary (demo
//! build, a demo configuration: emulated devices, the embedded platform) in a winit
//! window on a virtual X display, and the CLI run beside it as a technician would.
//!
//! One test function, steps in sequence (a UI process is expensive): with no kiosk,
//! `diag status` goes direct; with one, status, wait-idle, pause / resume, self-tests,
//! the queue, malformed requests and a log export all go through the socket, and the
//! export holds no personal data; after SIGTERM the socket is gone and the CLI goes
//! direct again.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Start-up of a debug build under Xvfb, to the socket answering.
const START_LIMIT: Duration = Duration::from_secs(90);

#[path = "support/xvfb.rs"]
mod xvfb;
use xvfb::Xvfb;

/// The running kiosk, SIGKILLed on drop unless it has exited.
struct Kiosk {
    child: Child,
    log: PathBuf,
}

impl Kiosk {
    fn tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Cli {
    dir: PathBuf,
    config: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(&self.dir)
            .env("KIOSK_LOG", "warn")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .output()
            .expect("run kiosk")
    }

    /// Runs a command that must succeed; its stdout as JSON.
    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kiosk {args:?}: {}\nstderr: {err}", out.status);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("kiosk {args:?}: {e}\n{}", String::from_utf8_lossy(&out.stdout)))
    }
}

/// Sends raw bytes on the socket, returns the answer line as JSON.
fn raw(socket: &Path, bytes: &[u8]) -> serde_json::Value {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s.write_all(bytes).unwrap();
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
}

/// Every string in a JSON value (keys too).
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}

fn eventually<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn config_text(data: &Path, socket: &Path) -> String {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk.example.toml")).unwrap();
    example
        .replace("data_dir = \"kiosk-data\"", &format!("data_dir = {:?}\ncontrol_socket = {:?}", data, socket))
        .replace("heartbeat_secs = 60", "heartbeat_secs = 5")
}

#[test]
fn diag_talks_to_the_running_kiosk_over_its_socket() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = dir.join("data");
    let socket = dir.join("run").join("control.sock");
    let config = dir.join("kiosk.toml");
    let text = config_text(&data, &socket);
    std::fs::write(&config, &text).unwrap();
    let cli = Cli { dir: dir.to_path_buf(), config: config.clone() };

    // (a) No kiosk: the CLI looks at the devices itself and says so.
    let out = cli.run(&["diag", "status"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "direct");
    assert_eq!(v["uptime_secs"], serde_json::Value::Null);
    assert!(String::from_utf8_lossy(&out.stderr).contains("directly"), "one line on stderr says so");
    let out = cli.run(&["diag", "service", "wait-idle"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no kiosk is running"), "{out:?}");

    // (b) The kiosk, in a window on a virtual display.
    let xvfb = Xvfb::start(&dir.join("xvfb.log"), 140..180);
    let log = dir.join("kiosk.stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("--config")
        .arg(&config)
        .current_dir(dir)
        .env("DISPLAY", &xvfb.display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SLINT_BACKEND")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env("KIOSK_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("spawn kiosk");
    let mut kiosk = Kiosk { child, log };
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = kiosk.child.try_wait() {
            panic!("the kiosk exited ({s}) before its socket answered:\n{}", kiosk.tail());
        }
        if started.elapsed() > START_LIMIT {
            panic!("no answer on {} within {START_LIMIT:?}:\n{}", socket.display(), kiosk.tail());
        }
        if socket.exists() {
            let out = cli.run(&["diag", "status"]);
            if out.status.success() {
                break serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    eprintln!("socket answered {:.1} s after start", started.elapsed().as_secs_f64());
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&socket).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the socket is private");

    // (c) Status through the socket: the full schema.
    assert_eq!(status["source"], "socket", "{status:#}");
    assert_eq!(status["schema_version"], kiosk::diag::SCHEMA_VERSION);
    assert_eq!(status["terminal"], "XX-0001");
    assert!(status["uptime_secs"].as_u64().is_some(), "{status:#}");
    assert_eq!(status["versions"]["software"], kiosk::VERSION);
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(text.as_bytes()))
    };
    assert_eq!(status["versions"]["config_sha256"], sha);
    assert!(status["versions"]["db_schema"].as_i64().unwrap() > 0);
    assert!(status["versions"]["catalog"].is_string(), "{status:#}");
    assert_eq!(status["in_session"], false);
    assert!(status["screen"].is_string());
    assert_eq!(status["config"]["terminal.id"], "\"XX-0001\"");
    assert_eq!(status["devices"]["printer"], serde_json::json!({"state": "ok"}));
    assert!(status["queue"]["stats"].is_object());
    let parsed: kiosk::diag::Status = serde_json::from_value(status.clone()).expect("the one schema");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), status, "nothing outside the schema");

    // (d) Wait-idle on the attract screen returns at once.
    let t = Instant::now();
    let v = cli.json(&["diag", "service", "wait-idle", "--timeout", "30"]);
    assert_eq!((v["source"].as_str(), v["idle"].as_bool()), (Some("socket"), Some(true)), "{v}");
    assert!(t.elapsed() < Duration::from_secs(5), "wait-idle took {:?}", t.elapsed());

    // (e) Pause with a reason: the status shows it; resume clears it.
    let v = cli.json(&["diag", "service", "pause", "--reason", "维护"]);
    assert_eq!(v["source"], "socket");
    let oos = eventually(Duration::from_secs(10), "out_of_service after pause", || {
        let s = cli.json(&["diag", "status"]);
        (!s["out_of_service"].is_null()).then(|| s["out_of_service"].clone())
    });
    assert_eq!(oos["reason"], "维护");
    assert_eq!(oos["by"], "cli");
    cli.json(&["diag", "service", "resume"]);
    eventually(Duration::from_secs(10), "in service after resume", || {
        cli.json(&["diag", "status"])["out_of_service"].is_null().then_some(())
    });

    // (f) Self-tests on the kiosk's own devices: the printer, and the reader (the demo
    // card is laid on it), through the socket.
    let out = cli.run(&["diag", "selftest", "printer"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!((v["source"].as_str(), v["test"].as_str()), (Some("socket"), Some("printer")), "{v:#}");
    assert_eq!(out.status.success(), v["ok"] == true, "exit status follows the report");
    let out = cli.run(&["diag", "selftest", "reader"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!((v["source"].as_str(), v["test"].as_str()), (Some("socket"), Some("reader")), "{v:#}");
    eprintln!("selftest reader: {}", v["summary"]);

    // (g) The queue, and the reader refused to a second opener.
    let v = cli.json(&["diag", "queue"]);
    assert_eq!(v["source"], "socket");
    assert!(v["stats"].is_object() && v["items"].is_array(), "{v}");
    let out = cli.run(&["diag", "idcard"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds the reader"), "{out:?}");

    // (h) What a confused or hostile peer sends gets an answer, and the kiosk lives on.
    let a = raw(&socket, b"{\"cmd\":\"reboot\"}\n");
    assert_eq!(a["ok"], false);
    assert!(a["error"].as_str().unwrap().starts_with("unknown cmd `reboot`"), "{a}");
    let a = raw(&socket, b"not json\n");
    assert!(a["error"].as_str().unwrap().starts_with("malformed JSON"), "{a}");
    let mut big = vec![b'x'; 70 * 1024];
    big.push(b'\n');
    let a = raw(&socket, &big);
    assert!(a["error"].as_str().unwrap().contains("too long"), "{a}");
    let a = raw(&socket, b"{\"cmd\":\"status\"}\n");
    assert_eq!(a["ok"], true);

    // (i) Logs since a day, to a "USB stick": log lines, audit events, status, manifest,
    // and nothing personal (no name, no 6 digits of the card's number in a row).
    let usb = dir.join("usb");
    std::fs::create_dir(&usb).unwrap();
    let m = cli.json(&["diag", "logs", "--since", "1d", "--out", usb.to_str().unwrap()]);
    assert_eq!(m["source"], "socket");
    let export = PathBuf::from(m["dir"].as_str().unwrap());
    assert!(export.starts_with(&usb), "{m}");
    let read = |name: &str| std::fs::read_to_string(export.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let log_text = read("kiosk.log");
    assert!(log_text.contains("control socket listening"), "the kiosk's own log file:\n{log_text}");
    let audit = read("audit.jsonl");
    for event in ["service.pause", "service.resume", "selftest.printer"] {
        assert!(audit.contains(&format!("\"{event}\"")), "{event} in audit.jsonl:\n{audit}");
    }
    for line in audit.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let exported: kiosk::diag::Status = serde_json::from_str(&read("status.json")).unwrap();
    assert_eq!(exported.source, kiosk::diag::Source::Socket);
    let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")).unwrap();
    assert_eq!(manifest["files"].as_array().unwrap().len(), 3);
    let card = kiosk_hardware::idcard::demo_card();
    let digits: Vec<String> = (0..=card.id_number.len() - 6).map(|i| card.id_number[i..i + 6].to_string()).collect();
    for name in ["kiosk.log", "audit.jsonl", "status.json", "manifest.json"] {
        let text = read(name);
        for secret in [&card.name, &card.address] {
            assert!(!text.contains(secret.as_str()), "{name} holds {secret:?}");
        }
        // What could carry a citizen's number: the text of log lines (past their time
        // stamp) and the JSON's strings (numbers there are times and counts).
        let mut texts = Vec::new();
        match name {
            "kiosk.log" => {
                texts.extend(text.lines().map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_string()))
            }
            "audit.jsonl" => text.lines().for_each(|l| strings(&serde_json::from_str(l).unwrap(), &mut texts)),
            _ => strings(&serde_json::from_str(&text).unwrap(), &mut texts),
        }
        for t in &texts {
            if let Some(d) = digits.iter().find(|d| t.contains(d.as_str())) {
                panic!("{name} holds 6 digits of the card's number in a row ({d}): {t}");
            }
        }
    }

    // (j) systemctl stop: the socket goes with the kiosk, and the CLI goes direct again.
    // SAFETY: kill(2) on our own unreaped child.
    unsafe { libc::kill(kiosk.child.id() as i32, libc::SIGTERM) };
    let status = eventually(Duration::from_secs(8), "exit after SIGTERM", || kiosk.child.try_wait().unwrap());
    assert_eq!(status.code(), Some(0), "{}", kiosk.tail());
    assert!(!socket.exists(), "the socket is removed on a clean stop");
    let v = cli.json(&["diag", "status"]);
    assert_eq!(v["source"], "direct");
    assert!(v["queue"]["stats"].is_object(), "the database exists now: {v}");
    assert_eq!(v["versions"]["config_sha256"], sha);
    let out = cli.run(&["diag", "service", "resume"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no kiosk is running"), "{out:?}");
    drop(xvfb);
}
