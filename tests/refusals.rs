//! What the `kiosk` binary refuses to start with, and how it says so: no mode chosen,
//! emulators or the embedded simulator in a production file, missing sections, an
//! endpoint that is neither https nor loopback, no terminal keys. No display is used:
//! every case must end at the configuration or key check, with exit code 2.

use kiosk_hardware::idcard::{Emulator, EmulatorConfig};
use kiosk_hardware::printer::PtyPrinter;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A refusal is immediate; a kiosk still running after this started for real.
const LIMIT: Duration = Duration::from_secs(30);

/// The `kiosk` binary with no display and no systemd around it, so that a case that
/// is not refused cannot open a window and ends on its own.
fn kiosk(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    c.current_dir(dir)
        .env("KIOSK_LOG", "warn")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SLINT_BACKEND")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs to completion, or kills the process after [`LIMIT`] and fails.
fn run(mut cmd: Command, what: &str) -> Output {
    let mut child = cmd.spawn().expect("spawn kiosk");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait kiosk").is_some() {
            return child.wait_with_output().expect("kiosk output");
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let out = child.wait_with_output().expect("kiosk output");
            panic!(
                "{what}: kiosk still running after {LIMIT:?} (it should have refused at once)\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts exit code 2 and that stderr contains every one of `needles`.
fn assert_refused(out: &Output, what: &str, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{what}: exit code {:?}, want 2\nstderr:\n{err}", out.status);
    for n in needles {
        assert!(err.contains(n), "{what}: stderr does not mention {n:?}\nstderr:\n{err}");
    }
}

/// A terminal's production file, section by section; `None` leaves a section out.
struct Prod {
    mode: Option<&'static str>,
    data_dir: PathBuf,
    endpoint: Option<String>,
    idcard: Option<String>,
    printer: Option<String>,
    scanner: Option<String>,
    signing_key_file: Option<PathBuf>,
}

impl Prod {
    fn new(data_dir: &Path) -> Prod {
        Prod {
            mode: Some("production"),
            data_dir: data_dir.to_path_buf(),
            endpoint: Some("https://intake.example.gov.cn/api".into()),
            idcard: Some("/dev/ttyUSB0".into()),
            printer: Some("/dev/usb/lp0".into()),
            scanner: Some("/dev/video0".into()),
            signing_key_file: None,
        }
    }

    fn text(&self) -> String {
        let mut t = String::from("# a branch terminal\n[terminal]\n");
        if let Some(m) = self.mode {
            t += &format!("mode = \"{m}\"\n");
        }
        t +=
            "id = \"XX-0042\"\ncentre = \"新乡市政务服务中心\"\nbranch = \"测试网点\"\nhelp_phone = \"0373-3021234\"\n";
        t += &format!("data_dir = \"{}\"\nidle_timeout_secs = 120\nheartbeat_secs = 60\n", self.data_dir.display());
        if let Some(e) = &self.endpoint {
            t += &format!("\n[intake]\nendpoint = \"{e}\"\ntimeout_secs = 15\n");
            if let Some(k) = &self.signing_key_file {
                t += &format!("signing_key_file = \"{}\"\n", k.display());
            }
        }
        if let Some(p) = &self.idcard {
            t += &format!("\n[devices.idcard]\nport = \"{p}\"\nbaud = 115200\n");
        }
        if let Some(p) = &self.printer {
            t += &format!("\n[devices.printer]\nport = \"{p}\"\nbaud = 115200\nprofile = \"generic-80\"\n");
        }
        if let Some(p) = &self.scanner {
            t += &format!("\n[devices.scanner]\nport = \"{p}\"\n");
        }
        t
    }

    /// Writes the file; returns its path.
    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.text()).unwrap();
        path
    }
}

/// Leaves one section out of a [`Prod`] file.
type LeaveOut = fn(&mut Prod);

/// 1-based line of `key = ...` inside `[section]` of `text`.
fn line_of(text: &str, section: &str, key: &str) -> usize {
    let mut current = "";
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if let Some(s) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = s;
        } else if current == section && l.split('=').next().map(str::trim) == Some(key) {
            return i + 1;
        }
    }
    panic!("no {key} in [{section}]:\n{text}")
}

/// The prefix a refusal by key must start with: `FILE:LINE: `section.key``.
fn at_key(path: &Path, section: &str, key: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    format!("{}:{}: `{section}.{key}`", path.display(), line_of(&text, section, key))
}

fn run_config(dir: &Path, path: &Path, what: &str) -> Output {
    let mut c = kiosk(dir);
    c.arg("--config").arg(path);
    run(c, what)
}

#[test]
fn without_config_or_demo_it_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(kiosk(dir.path()), "no arguments");
    assert_refused(&out, "no arguments", &["--demo", "--config"]);
    // Nothing was started: no data directory appeared in the working directory.
    assert!(!dir.path().join("kiosk-data").exists(), "a refused start created kiosk-data");
}

#[test]
fn production_refuses_emulated_devices_by_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for dev in ["idcard", "printer", "scanner"] {
        // Explicit production, and production as the default when `mode` is absent.
        for mode in [Some("production"), None] {
            let mut p = Prod::new(&data);
            p.mode = mode;
            match dev {
                "idcard" => p.idcard = Some("emulated".into()),
                "printer" => p.printer = Some("emulated".into()),
                _ => p.scanner = Some("emulated".into()),
            }
            let path = p.write(dir.path(), "k.toml");
            let what = format!("devices.{dev}.port = \"emulated\", mode {mode:?}");
            let out = run_config(dir.path(), &path, &what);
            assert_refused(&out, &what, &[&at_key(&path, &format!("devices.{dev}"), "port"), "emulated"]);
        }
    }
}

#[test]
fn production_refuses_the_embedded_simulator_by_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [Some("production"), None] {
        let mut p = Prod::new(dir.path());
        p.mode = mode;
        p.endpoint = Some("embedded".into());
        let path = p.write(dir.path(), "k.toml");
        let what = format!("endpoint = \"embedded\", mode {mode:?}");
        let out = run_config(dir.path(), &path, &what);
        assert_refused(&out, &what, &[&at_key(&path, "intake", "endpoint"), "embedded"]);
    }
}

#[test]
fn production_refuses_a_file_missing_a_section() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, LeaveOut); 4] = [
        ("devices.idcard", |p| p.idcard = None),
        ("devices.printer", |p| p.printer = None),
        ("devices.scanner", |p| p.scanner = None),
        ("intake", |p| p.endpoint = None),
    ];
    for (section, leave_out) in cases {
        let mut p = Prod::new(dir.path());
        leave_out(&mut p);
        let path = p.write(dir.path(), "k.toml");
        let what = format!("production file without [{section}]");
        let out = run_config(dir.path(), &path, &what);
        assert_refused(&out, &what, &[&path.display().to_string()]);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("[{section}]")) || err.contains(&format!("`{section}`")),
            "{what}: stderr does not name the section\nstderr:\n{err}"
        );
        assert!(err.contains("missing"), "{what}: stderr does not say the section is missing\nstderr:\n{err}");
    }
}

#[test]
fn endpoint_must_be_https_or_loopback_http() {
    let dir = tempfile::tempdir().unwrap();
    for endpoint in [
        "http://10.1.2.3/x",
        // The old check compared string prefixes: this host is not loopback.
        "http://127.0.0.1.evil.example/x",
        "http://127.0.0.1@evil.example/x",
        "ftp://intake.example.gov.cn/x",
        "https://",
    ] {
        let mut p = Prod::new(dir.path());
        p.endpoint = Some(endpoint.into());
        let path = p.write(dir.path(), "k.toml");
        let what = format!("endpoint = {endpoint:?}");
        let out = run_config(dir.path(), &path, &what);
        assert_refused(&out, &what, &[&at_key(&path, "intake", "endpoint"), "https://"]);
    }
}

/// Real devices for the runs that get past the configuration: the reader and printer
/// emulators on pty pairs (their slave paths look like any serial port), and a camera
/// that is not there (the kiosk starts degraded without it).
struct Rig {
    idcard: Emulator,
    printer: PtyPrinter,
}

impl Rig {
    fn start() -> Rig {
        Rig {
            idcard: Emulator::start(EmulatorConfig::default()).expect("idcard emulator"),
            printer: PtyPrinter::spawn(576, None, None).expect("virtual printer"),
        }
    }

    fn prod(&self, data_dir: &Path) -> Prod {
        let mut p = Prod::new(data_dir);
        p.idcard = Some(self.idcard.port_path());
        p.printer = Some(self.printer.path.display().to_string());
        p.scanner = Some("/dev/kiosk-camera-absent".into());
        p
    }
}

#[test]
fn production_without_keys_says_to_run_keys_init() {
    let dir = tempfile::tempdir().unwrap();
    let rig = Rig::start();
    // https, and plain http to a loopback address (accepted by the configuration check).
    for (i, endpoint) in ["https://intake.example.gov.cn/api", "http://127.0.0.1:9/api"].into_iter().enumerate() {
        let data = dir.path().join(format!("data-{i}"));
        std::fs::create_dir(&data).unwrap();
        let mut p = rig.prod(&data);
        p.endpoint = Some(endpoint.into());
        let path = p.write(dir.path(), "k.toml");
        let what = format!("production run without keys, endpoint {endpoint}");
        let out = run_config(dir.path(), &path, &what);
        assert_refused(&out, &what, &["kiosk keys init"]);
        assert!(!stderr(&out).contains("intake.endpoint"), "{what}: endpoint refused\n{}", stderr(&out));
        // The refusal created nothing: the operator runs `keys init` deliberately.
        for key in ["outbox.key", "signing.key"] {
            assert!(!data.join(key).exists(), "{what}: {key} was created by a refused start");
        }
    }
}

fn keys_init(dir: &Path, config: &Path, what: &str) -> Output {
    let mut c = kiosk(dir);
    c.args(["keys", "init", "--config"]).arg(config);
    let out = run(c, what);
    assert_eq!(out.status.code(), Some(0), "{what}: exit {:?}\nstderr:\n{}", out.status, stderr(&out));
    out
}

#[cfg(unix)]
fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}, want 600", path.display());
}

#[test]
fn keys_init_creates_the_keys_once_and_never_replaces_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let path = Prod::new(&data).write(dir.path(), "k.toml");
    let (outbox, signing) = (data.join("outbox.key"), data.join("signing.key"));

    keys_init(dir.path(), &path, "first keys init");
    let before: Vec<Vec<u8>> = [&outbox, &signing]
        .iter()
        .map(|k| std::fs::read(k).unwrap_or_else(|e| panic!("keys init did not create {}: {e}", k.display())))
        .collect();
    for (k, bytes) in [&outbox, &signing].iter().zip(&before) {
        assert!(bytes.len() >= 32, "{} holds {} bytes", k.display(), bytes.len());
        assert_private(k);
    }
    assert_ne!(before[0], before[1], "the outbox key and the signing key must differ");

    keys_init(dir.path(), &path, "second keys init");
    let after: Vec<Vec<u8>> = [&outbox, &signing].iter().map(|k| std::fs::read(k).unwrap()).collect();
    assert_eq!(before, after, "a second keys init replaced a key");

    // A configured signing key file is where the key goes.
    let data2 = dir.path().join("data2");
    std::fs::create_dir(&data2).unwrap();
    let mut p = Prod::new(&data2);
    let custom = dir.path().join("etc-signing.key");
    p.signing_key_file = Some(custom.clone());
    let path2 = p.write(dir.path(), "k2.toml");
    keys_init(dir.path(), &path2, "keys init with signing_key_file");
    assert!(custom.exists(), "the configured signing_key_file was not created");
    assert!(!data2.join("signing.key").exists(), "signing.key created despite signing_key_file");
    assert!(data2.join("outbox.key").exists(), "outbox.key not created in data_dir");
}
