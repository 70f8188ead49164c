//! The kiosk as systemd runs it on a terminal (Type=notify, WatchdogSec): a production
//! configuration with real drivers on the protocol emulators' ptys, the platform
//! simulator on loopback, a winit window on a virtual X display (Xvfb), and this test as
//! the service manager listening on `NOTIFY_SOCKET`.
//!
//! One test function, scenarios in sequence (a UI process each is expensive):
//! READY=1 and regular WATCHDOG=1; pings stop when the journey loop stalls (SIGUSR1)
//! or the UI thread stalls (SIGUSR2), both fault injections of the demo build; SIGTERM
//! ends the process with status 0 within 5 s.

use kiosk::intake::{SigningKey, SigningKeyFile};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TERMINAL: &str = "XX-0042";
/// The watchdog interval systemd would ask for (WatchdogSec=1).
const WATCHDOG_USEC: u64 = 1_000_000;
const WATCHDOG: Duration = Duration::from_micros(WATCHDOG_USEC);
/// Start-up of a debug build: devices, catalog from the platform, first screen.
const READY_LIMIT: Duration = Duration::from_secs(60);

#[path = "support/xvfb.rs"]
mod xvfb;
use xvfb::Xvfb;

/// The service manager's end of `NOTIFY_SOCKET`: every line of every datagram with the
/// time it arrived, read by a thread so the times are the kiosk's send times.
struct Notify {
    rx: mpsc::Receiver<(Instant, String)>,
}

impl Notify {
    fn bind(path: &Path) -> Notify {
        let sock = UnixDatagram::bind(path).expect("bind NOTIFY_SOCKET");
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = sock.recv(&mut buf) {
                    let at = Instant::now();
                    for line in String::from_utf8_lossy(&buf[..n]).lines().filter(|l| !l.is_empty()) {
                        if tx.send((at, line.to_string())).is_err() {
                            return;
                        }
                    }
                }
            })
            .unwrap();
        Notify { rx }
    }

    /// Everything received so far.
    fn drain(&self) -> Vec<(Instant, String)> {
        self.rx.try_iter().collect()
    }

    /// The next line equal to `what` before `deadline`; other lines are returned too.
    fn wait_for(&self, what: &str, deadline: Instant) -> (Option<Instant>, Vec<String>) {
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((at, line)) if line == what => return (Some(at), seen),
                Ok((_, line)) => seen.push(line),
                Err(_) => return (None, seen),
            }
        }
    }

    /// All lines until `deadline`.
    fn collect_until(&self, deadline: Instant) -> Vec<(Instant, String)> {
        let mut out = Vec::new();
        while let Ok(m) = self.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            out.push(m);
        }
        out
    }
}

/// A kiosk process, SIGKILLed on drop unless it has exited.
struct Kiosk {
    child: Child,
    log: PathBuf,
    started: Instant,
    name: &'static str,
}

impl Kiosk {
    fn spawn(name: &'static str, dir: &Path, config: &Path, notify: &Path, display: &str) -> Kiosk {
        let log = dir.join(format!("kiosk-{name}.log"));
        let err = std::fs::File::create(&log).unwrap();
        let out = std::fs::File::create(dir.join(format!("kiosk-{name}.stdout"))).unwrap();
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .arg("--config")
            .arg(config)
            .current_dir(dir)
            .env("NOTIFY_SOCKET", notify)
            .env("WATCHDOG_USEC", WATCHDOG_USEC.to_string())
            .env_remove("WATCHDOG_PID")
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("SLINT_BACKEND")
            .env("KIOSK_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn kiosk");
        Kiosk { child, log, started, name }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid; it has not been reaped (we hold Child).
        let r = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(r, 0, "kill({}, {sig}): {}", self.pid(), std::io::Error::last_os_error());
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Context for a failed assertion: exit state and the last lines of stderr.
    fn diag(&mut self, what: &str) -> String {
        let state = match self.child.try_wait() {
            Ok(Some(s)) => format!("exited: {s}"),
            Ok(None) => "still running".into(),
            Err(e) => format!("unknown: {e}"),
        };
        let log = self.log_text();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(60)..].join("\n");
        format!(
            "kiosk `{}` (pid {}): {what}\nprocess {state}, {:.1} s after start\n--- stderr tail ({}) ---\n{tail}\n---",
            self.name,
            self.pid(),
            self.started.elapsed().as_secs_f64(),
            self.log.display()
        )
    }

    /// Waits for READY=1; returns the start-to-READY time.
    fn wait_ready(&mut self, notify: &Notify) -> Duration {
        let deadline = self.started + READY_LIMIT;
        loop {
            let (at, other) = notify.wait_for("READY=1", deadline.min(Instant::now() + Duration::from_millis(500)));
            if !other.is_empty() {
                eprintln!("[{}] before READY: {other:?}", self.name);
            }
            if let Some(at) = at {
                let t = at - self.started;
                eprintln!("[{}] READY=1 after {:.2} s", self.name, t.as_secs_f64());
                return t;
            }
            if !self.alive() || Instant::now() >= deadline {
                let d = self.diag(&format!("no READY=1 within {READY_LIMIT:?}"));
                panic!("{d}");
            }
        }
    }

    fn wait_watchdog(&mut self, notify: &Notify) -> Instant {
        let (at, _) = notify.wait_for("WATCHDOG=1", Instant::now() + 2 * WATCHDOG);
        match at {
            Some(at) => at,
            None => {
                let d = self.diag(&format!("no WATCHDOG=1 within {:?} of asking", 2 * WATCHDOG));
                panic!("{d}")
            }
        }
    }

    /// After a stall is injected: the pings stop (one already in flight may land within
    /// the first interval) while the process stays alive, as for systemd to kill it.
    fn assert_pings_stop(&mut self, notify: &Notify, sig: i32, what: &str) {
        self.wait_watchdog(notify);
        // Queued before the signal: not the kiosk's answer to it.
        let _ = notify.drain();
        let sent = Instant::now();
        self.signal(sig);
        let msgs = notify.collect_until(sent + Duration::from_secs(3));
        let pings: Vec<f64> =
            msgs.iter().filter(|(_, l)| l == "WATCHDOG=1").map(|(at, _)| (*at - sent).as_secs_f64()).collect();
        eprintln!("[{}] after {what}: WATCHDOG=1 at {pings:?} s; all: {:?}", self.name, lines(&msgs));
        let late: Vec<f64> = pings.iter().copied().filter(|t| *t > WATCHDOG.as_secs_f64()).collect();
        if pings.len() > 1 || !late.is_empty() {
            let d = self.diag(&format!(
                "{what}: WATCHDOG=1 kept coming ({} in 3 s, at {pings:?} s after the signal; one in flight \
                 within {:?} is allowed)",
                pings.len(),
                WATCHDOG
            ));
            panic!("{d}");
        }
        if !self.alive() {
            let d = self.diag(&format!("{what}: the process died; a stall must leave it to the watchdog"));
            panic!("{d}");
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.kill();
    }
}

fn lines(msgs: &[(Instant, String)]) -> Vec<&str> {
    msgs.iter().map(|(_, l)| l.as_str()).collect()
}

fn config_text(data_dir: &Path, endpoint: &str, idcard: &str, printer: &str) -> String {
    format!(
        r#"# A branch terminal, as installed (/etc/kiosk/kiosk.toml).
[terminal]
mode = "production"
id = "{TERMINAL}"
centre = "新乡市政务服务中心"
branch = "测试网点"
help_phone = "0373-3021234"
data_dir = "{data}"
# Beside the data, not the terminal's /run/kiosk.
control_socket = "{data}/control.sock"
idle_timeout_secs = 120
progress_url = "https://zwfw.example.gov.cn/progress"
heartbeat_secs = 5
time_zone = "Asia/Shanghai"

[intake]
endpoint = "{endpoint}"
timeout_secs = 5

[devices.idcard]
port = "{idcard}"
baud = 115200

[devices.printer]
port = "{printer}"
baud = 115200
profile = "generic-80"

[devices.scanner]
# No camera on this terminal today: the kiosk starts degraded.
port = "/dev/kiosk-camera-absent"

[display]
backend = "winit"
fullscreen = true
show_cursor = false
"#,
        data = data_dir.display()
    )
}

#[test]
fn runs_as_a_systemd_notify_service_with_watchdog() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();

    // (a) The world around the terminal: platform, devices, display.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sim = intake_sim::Sim::open(&dir.join("intake-sim.db"), kiosk::catalog::Catalog::seed().to_json()).unwrap();
    let platform = rt.block_on(intake_sim::start("127.0.0.1:0".parse().unwrap(), sim.clone())).unwrap();
    let idcard = kiosk_hardware::idcard::Emulator::start(kiosk_hardware::idcard::EmulatorConfig::default())
        .expect("ID-card reader emulator");
    let printer = kiosk_hardware::printer::PtyPrinter::spawn(576, None, None).expect("virtual printer");
    let xvfb = Xvfb::start(&dir.join("xvfb.log"), 90..130);
    eprintln!(
        "platform {}, reader {}, printer {}, display {}",
        platform.base_url(),
        idcard.port_path(),
        printer.path.display(),
        xvfb.display
    );

    let config = dir.join("kiosk.toml");
    let text = config_text(&data, &platform.base_url(), &idcard.port_path(), &printer.path.display().to_string());
    std::fs::write(&config, text).unwrap();

    // Install time: the terminal's keys, and the platform gets the signing key.
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["keys", "init", "--config"])
        .arg(&config)
        .current_dir(dir)
        .env("KIOSK_LOG", "info")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "kiosk keys init: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    let key_path = data.join("signing.key");
    assert!(key_path.exists(), "keys init did not create {}", key_path.display());
    let key = SigningKey::load_or_create(TERMINAL, &key_path).unwrap();
    sim.register_terminal(TERMINAL, key.secret());

    // (b) This test is the service manager.
    let notify_path = dir.join("notify.sock");
    let notify = Notify::bind(&notify_path);
    let mut logs = Vec::new();

    // (c) READY=1, then WATCHDOG=1 every WATCHDOG_USEC/2.
    {
        let mut k = Kiosk::spawn("ready", dir, &config, &notify_path, &xvfb.display);
        logs.push(k.log.clone());
        let ready_after = k.wait_ready(&notify);
        let ready_at = k.started + ready_after;
        let msgs = notify.collect_until(Instant::now() + Duration::from_secs(3));
        let mut times: Vec<Instant> = vec![ready_at];
        times.extend(msgs.iter().filter(|(_, l)| l == "WATCHDOG=1").map(|(at, _)| *at));
        let gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()).collect();
        eprintln!(
            "[ready] start-to-READY {:.2} s; {} WATCHDOG=1 in 3 s, gaps {:?} s (asked: every {:.2} s); all: {:?}",
            ready_after.as_secs_f64(),
            times.len() - 1,
            gaps.iter().map(|g| (g * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
            (WATCHDOG / 2).as_secs_f64(),
            lines(&msgs)
        );
        if times.len() - 1 < 3 {
            let d = k.diag(&format!("only {} WATCHDOG=1 within 3 s of READY=1 (want >= 3)", times.len() - 1));
            panic!("{d}");
        }
        if let Some(g) = gaps.iter().find(|g| **g >= 1.5 * WATCHDOG.as_secs_f64()) {
            let d = k.diag(&format!("a gap of {g:.3} s between pings (want < 1.5 x WATCHDOG_USEC)"));
            panic!("{d}");
        }

        // (d) The journey loop stalls for good: the pings must stop.
        k.assert_pings_stop(&notify, libc::SIGUSR1, "SIGUSR1 (journey loop stalled)");
        k.kill();
    }
    let _ = notify.drain();

    // (e) The UI thread stalls for good: the pings must stop too.
    {
        let mut k = Kiosk::spawn("ui-stall", dir, &config, &notify_path, &xvfb.display);
        logs.push(k.log.clone());
        k.wait_ready(&notify);
        k.assert_pings_stop(&notify, libc::SIGUSR2, "SIGUSR2 (UI thread stalled)");
        k.kill();
    }
    let _ = notify.drain();

    // (f) systemctl stop: SIGTERM, status 0 within 5 s.
    {
        let mut k = Kiosk::spawn("sigterm", dir, &config, &notify_path, &xvfb.display);
        logs.push(k.log.clone());
        k.wait_ready(&notify);
        k.wait_watchdog(&notify);
        let sent = Instant::now();
        k.signal(libc::SIGTERM);
        let status = loop {
            if let Some(s) = k.child.try_wait().unwrap() {
                break s;
            }
            if sent.elapsed() > Duration::from_secs(5) {
                let d = k.diag("still running 5 s after SIGTERM");
                panic!("{d}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        eprintln!("[sigterm] exited {status} {:.2} s after SIGTERM", sent.elapsed().as_secs_f64());
        if status.code() != Some(0) {
            let d = k.diag(&format!("SIGTERM ended it with {status}, want exit status 0"));
            panic!("{d}");
        }
    }

    // For the record (--nocapture): how the first run started up.
    let first = std::fs::read_to_string(&logs[0]).unwrap_or_default();
    let head: Vec<&str> = first.lines().take(40).collect();
    eprintln!("--- {} (first 40 lines) ---\n{}\n---", logs[0].display(), head.join("\n"));

    // Nothing personal in the logs (no card was read: a weak check).
    let card = kiosk_hardware::idcard::demo_card();
    for log in &logs {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for secret in [&card.id_number, &card.name, &card.address] {
            assert!(!text.contains(secret.as_str()), "{} contains {secret:?}", log.display());
        }
    }

    drop(platform);
    drop(printer);
    drop(idcard);
    drop(xvfb);
}
