//! The `kiosk` binary as a technician and an installer meet it.

use std::process::Command;

fn kiosk() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    c.env("KIOSK_LOG", "warn");
    c
}

#[test]
fn bad_config_names_key_and_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk.example.toml")).unwrap();

    std::fs::write(&path, example.replace("idle_timeout_secs = 120", "idle_timeout_secs = 5")).unwrap();
    let out = kiosk().arg("--config").arg(&path).args(["diag", "status"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let line = example.lines().position(|l| l.starts_with("idle_timeout_secs")).unwrap() + 1;
    assert!(err.contains(&format!("kiosk.toml:{line}: `terminal.idle_timeout_secs`")), "{err}");

    std::fs::write(&path, example.replace("help_phone = ", "helpphone = ")).unwrap();
    let out = kiosk().arg("--config").arg(&path).args(["diag", "status"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("helpphone"), "{err}");

    let out = kiosk().args(["--config", "/nonexistent/kiosk.toml", "diag", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/kiosk.toml"));
}

#[test]
fn diag_status_is_json_with_devices_and_queue() {
    let dir = tempfile::tempdir().unwrap();
    let out = kiosk().current_dir(dir.path()).args(["--demo", "diag", "status"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], kiosk::diag::SCHEMA_VERSION);
    assert_eq!(v["terminal"], "XX-0001");
    assert_eq!(v["mode"], "demo");
    assert_eq!(v["devices"]["idcard"], serde_json::json!({"state": "ok"}), "the emulated reader answered over its pty");
    assert_eq!(v["devices"]["printer"], serde_json::json!({"state": "ok"}));
    assert_eq!(v["devices"]["paper"], "ok");
    assert_eq!(v["queue"]["stats"], serde_json::Value::Null, "no database yet");
    // Plain JSON in the one schema: no serde enum wrappers, every field typed.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("\"Ok\"") && !text.contains("\"Err\""), "{text}");
    let status: kiosk::diag::Status = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&status).unwrap(), v, "nothing outside the schema");
}

#[test]
fn diag_idcard_masks_unless_revealed() {
    let out = kiosk().args(["--demo", "diag", "idcard"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id_number"], "4107**********0046");
    let out = kiosk().args(["--demo", "diag", "idcard", "--reveal"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id_number"], "410702199003070046");
    assert_eq!(v["name"], "张晓𠮷");
    let out = kiosk()
        .args(["--demo", "diag", "idcard", "--port", "/dev/nonexistent-reader", "--timeout", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn screenshot_renders_a_portrait_png() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("guide.png");
    let out = kiosk().arg("--screenshot").arg(&png).args(["--screen", "guide"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1080, 1920));
    let out = kiosk().arg("--screenshot").arg(&png).args(["--screen", "nope"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown screen `nope`"));
}

#[test]
fn receipts_render_for_both_paper_widths() {
    let dir = tempfile::tempdir().unwrap();
    let out = kiosk().args(["receipts", "--out"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (mm, dots) in [(58, 384), (80, 576)] {
        let img = image::open(dir.path().join(format!("intake-receipt-{mm}mm.png"))).unwrap();
        assert_eq!(img.width(), dots);
    }
}

#[test]
fn diag_without_a_running_kiosk_goes_direct_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| kiosk().current_dir(dir.path()).arg("--demo").args(args).output().unwrap();

    // Service commands need the running kiosk.
    for args in [&["diag", "service", "wait-idle"][..], &["diag", "service", "pause", "--reason", "维护"]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no kiosk is running") && err.contains("control.sock"), "{err}");
    }
    // The queue needs the database the kiosk creates.
    let out = run(&["diag", "queue"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database yet"));

    // --since takes 7d, 24h, 30m.
    for bad in ["7", "7w", "d", "0h", "1.5d", "7天", ""] {
        let out = run(&["diag", "logs", "--since", bad, "--out", "x"]);
        assert_eq!(out.status.code(), Some(2), "--since {bad}: clap's usage error");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--since"), "--since {bad}");
    }

    // A log export with no kiosk: the status from the devices, no audit rows yet.
    let usb = dir.path().join("usb");
    let out = run(&["diag", "logs", "--since", "24h", "--out", usb.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("directly"));
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["source"], "direct");
    let export = std::path::PathBuf::from(m["dir"].as_str().unwrap());
    for f in ["kiosk.log", "audit.jsonl", "status.json", "manifest.json"] {
        assert!(export.join(f).is_file(), "{f} in {}", export.display());
    }
    let status: kiosk::diag::Status =
        serde_json::from_str(&std::fs::read_to_string(export.join("status.json")).unwrap()).unwrap();
    assert_eq!(status.source, kiosk::diag::Source::Direct);
    assert_eq!(status.uptime_secs, None);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export.join("manifest.json")).unwrap()).unwrap();
    let status_sha = manifest["files"][2]["sha256"].as_str().unwrap();
    let bytes = std::fs::read(export.join("status.json")).unwrap();
    assert_eq!(status_sha, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)), "digests kept whole");
}

#[test]
fn pin_set_reads_the_pin_from_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk.example.toml")).unwrap();
    let data = dir.path().join("data");
    std::fs::write(&path, example.replace("data_dir = \"kiosk-data\"", &format!("data_dir = {data:?}"))).unwrap();
    let set = |role: &str, pin: &str| {
        let mut child = kiosk()
            .arg("--config")
            .arg(&path)
            .args(["pin", "set", "--role", role])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{pin}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = set("technician", "739164");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("technician") && !said.contains("739164"), "{said}");
    let out = set("host", "12ab");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("6"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = kiosk().arg("--config").arg(&path).args(["pin", "set", "--role", "janitor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown role is a usage error");
}
