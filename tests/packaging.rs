//! The .deb: `scripts/package.sh --bin` packages this build's kiosk binary with the files
//! of packaging/manifest.txt. The package must hold exactly those files (the binary,
//! units, udev rules, sysusers/tmpfiles, the lock-down, the printer profiles, the
//! production configuration as a conffile, no sample catalog), its units must pass
//! `systemd-analyze verify` against the unpacked tree and carry the directives the
//! appliance relies on, sysusers/tmpfiles must create the user, its groups and its 0700
//! state directory, and the shipped configuration must be accepted by `kiosk keys init`,
//! as postinst runs it.
//!
//! Needs dpkg-deb and systemd-analyze (scripts/setup.sh installs them). No release build:
//! the debug binary stands in for the production one.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One line of packaging/manifest.txt.
#[derive(Debug)]
struct Entry {
    source: String,
    dest: String,
    mode: String,
}

impl Entry {
    fn link_target(&self) -> Option<&str> {
        self.source.strip_prefix("link:")
    }
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(repo().join("packaging/manifest.txt")).expect("packaging/manifest.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "manifest.txt: `source destination mode` expected: {l}");
            Entry { source: f[0].into(), dest: f[1].into(), mode: f[2].into() }
        })
        .collect()
}

/// Fails with what to do when a tool is missing.
fn need(tool: &str) {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
    assert!(found, "{tool} is not installed: run scripts/setup.sh (it installs systemd and dpkg-dev)");
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(run(cmd).stdout).expect("utf-8 output")
}

/// `dpkg-deb -c`: path (without the leading '.') -> (permissions, link target).
fn listing(deb: &Path) -> BTreeMap<String, (String, Option<String>)> {
    let text = stdout(Command::new("dpkg-deb").arg("-c").arg(deb));
    let mut files = BTreeMap::new();
    for line in text.lines() {
        // drwxr-xr-x root/root 0 2026-01-01 00:00 ./usr/bin/  |  lrwxrwxrwx ... ./a -> /b
        let f: Vec<&str> = line.split_whitespace().collect();
        assert!(f.len() >= 6, "dpkg-deb -c line: {line}");
        assert_eq!(f[1], "root/root", "every file is root's: {line}");
        let path = f[5].trim_start_matches('.').to_string();
        let target = (f.len() == 8 && f[6] == "->").then(|| f[7].to_string());
        files.insert(path, (f[0].to_string(), target));
    }
    files
}

/// "-rwxr-xr-x" -> "0755".
fn octal(perms: &str) -> String {
    let bits = perms[1..10].chars().fold(0u32, |acc, c| (acc << 1) | u32::from(c != '-'));
    format!("{bits:04o}")
}

/// A unit file as (section, key, value) in order; repeated keys stay repeated.
fn unit(path: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// Every value of `key` in `[section]`, space-joined (systemd merges list settings).
fn values(unit: &[(String, String, String)], section: &str, key: &str) -> String {
    let v: Vec<&str> = unit.iter().filter(|(s, k, _)| s == section && k == key).map(|(_, _, v)| v.as_str()).collect();
    v.join(" ")
}

fn verify_unit(root: &Path, name: &str) {
    let unit = root.join("lib/systemd/system").join(name);
    let out = run(Command::new("systemd-analyze").arg("verify").arg(format!("--root={}", root.display())).arg(&unit));
    // Unknown keys and unparsable values are only warnings (exit 0): refuse them too.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("kiosk")).collect();
    assert!(ours.is_empty(), "systemd-analyze verify {name} warns:\n{}", ours.join("\n"));
}

#[test]
fn deb_holds_the_manifest_and_its_units_verify() {
    need("dpkg-deb");
    need("systemd-analyze");
    let manifest = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");

    // Build the package from this build's binary (uncompressed: the debug binary is big).
    let printed = stdout(
        Command::new("bash")
            .arg(repo().join("scripts/package.sh"))
            .args(["--bin", env!("CARGO_BIN_EXE_kiosk"), "--compress", "none", "--out"])
            .arg(&out_dir),
    );
    let deb = PathBuf::from(printed.lines().next().expect("package.sh prints the .deb's path"));
    let arch = stdout(Command::new("dpkg").arg("--print-architecture")).trim().to_string();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(deb, out_dir.join(format!("kiosk_{version}_{arch}.deb")));
    assert!(printed.contains("kiosk binary:"), "package.sh prints the binary's size: {printed}");

    // The control fields.
    let field = |name: &str| stdout(Command::new("dpkg-deb").arg("-f").arg(&deb).arg(name)).trim().to_string();
    assert_eq!(field("Package"), "kiosk");
    assert_eq!(field("Version"), version);
    assert_eq!(field("Architecture"), arch);
    let depends = field("Depends");
    // espeak-ng and alsa-utils (aplay): the voice prompts.
    for dep in ["libc6", "systemd", "udev", "espeak-ng", "alsa-utils"] {
        assert!(depends.split(',').any(|d| d.trim().starts_with(dep)), "Depends lacks {dep}: {depends}");
    }
    // 手写: the Zinnia library the binary links, and its Simplified Chinese model.
    for dep in ["libzinnia0", "tegaki-zinnia-simplified-chinese"] {
        assert!(depends.split(',').any(|d| d.trim().starts_with(dep)), "Depends lacks {dep}: {depends}");
    }
    assert!(field("Suggests").contains("cage"));

    // The files: exactly the manifest, with its modes; and the parts the appliance needs.
    let files = listing(&deb);
    let leaves: BTreeSet<&String> =
        files.iter().filter(|(_, (perms, _))| !perms.starts_with('d')).map(|(p, _)| p).collect();
    let listed: BTreeSet<&String> = manifest.iter().map(|e| &e.dest).collect();
    assert_eq!(leaves, listed, "the package holds exactly packaging/manifest.txt");
    for e in &manifest {
        let (perms, target) = &files[&e.dest];
        match e.link_target() {
            Some(to) => assert_eq!(target.as_deref(), Some(to), "{} -> {to}", e.dest),
            None => assert_eq!(octal(perms), e.mode, "mode of {}", e.dest),
        }
    }
    for path in [
        "/usr/bin/kiosk",
        "/etc/kiosk/kiosk.toml",
        "/lib/systemd/system/kiosk.service",
        "/lib/systemd/system/kiosk-cage.service",
        "/lib/udev/rules.d/60-kiosk.rules",
        "/usr/lib/sysusers.d/kiosk.conf",
        "/usr/lib/tmpfiles.d/kiosk.conf",
        "/usr/lib/systemd/logind.conf.d/kiosk.conf",
        "/usr/lib/systemd/journald.conf.d/kiosk.conf",
        "/lib/systemd/system.conf.d/kiosk.conf",
        "/usr/lib/sysctl.d/60-kiosk.conf",
        "/usr/share/kiosk/printers/profiles.json",
        "/usr/share/doc/kiosk/deploy.md",
    ] {
        assert!(files.contains_key(path), "the package lacks {path}");
    }
    assert_eq!(files["/etc/systemd/system/ctrl-alt-del.target"].1.as_deref(), Some("/dev/null"), "Ctrl+Alt+Del masked");
    assert_eq!(octal(&files["/usr/bin/kiosk"].0), "0755");
    // The sample catalog is demo data: a terminal's catalog comes from the platform.
    assert!(!files.keys().any(|p| p.contains("catalog")), "no catalog in the package: {files:#?}");
    assert!(!manifest.iter().any(|e| e.source.starts_with("data/catalog")));

    // Conffiles and maintainer scripts.
    let control = tmp.path().join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let conffiles: BTreeSet<String> =
        std::fs::read_to_string(control.join("conffiles")).unwrap().lines().map(String::from).collect();
    assert!(conffiles.contains("/etc/kiosk/kiosk.toml"), "kiosk.toml is a conffile: {conffiles:?}");
    let etc_files: BTreeSet<String> = manifest
        .iter()
        .filter(|e| e.dest.starts_with("/etc/") && e.link_target().is_none())
        .map(|e| e.dest.clone())
        .collect();
    assert_eq!(conffiles, etc_files, "every regular file under /etc is a conffile");
    for script in ["postinst", "prerm", "postrm"] {
        let path = control.join(script);
        let mode = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{script}: {e}")).permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{script} is executable");
        run(Command::new("sh").arg("-n").arg(&path));
    }
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    for step in [
        "systemd-sysusers",
        "systemd-tmpfiles --create",
        "udevadm trigger",
        "keys init --config",
        "enable kiosk.service",
    ] {
        assert!(postinst.contains(step), "postinst lacks `{step}`");
    }

    // Unpacked: the binary runs, and systemd accepts the units against this tree. verify
    // resolves ExecStart= under the root and needs the standard units (sysinit.target…):
    // those come from this machine, and a stand-in for cage (not a dependency).
    let root = tmp.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let version_line = stdout(Command::new(root.join("usr/bin/kiosk")).arg("--version"));
    assert!(version_line.starts_with("kiosk "), "kiosk --version: {version_line}");
    run(Command::new("cp").arg("-rn").arg("/lib/systemd/system/.").arg(root.join("lib/systemd/system")));
    let cage = root.join("usr/bin/cage");
    std::fs::write(&cage, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&cage, std::fs::Permissions::from_mode(0o755)).unwrap();
    verify_unit(&root, "kiosk.service");
    verify_unit(&root, "kiosk-cage.service");

    // The user and its state directory, as postinst creates them (here inside the tree).
    run(Command::new("systemd-sysusers")
        .arg(format!("--root={}", root.display()))
        .arg(root.join("usr/lib/sysusers.d/kiosk.conf")));
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let user: Vec<&str> = passwd.lines().find(|l| l.starts_with("kiosk:")).expect("user kiosk").split(':').collect();
    assert_eq!(&user[5..], ["/var/lib/kiosk", "/usr/sbin/nologin"], "home and shell of kiosk");
    let group = std::fs::read_to_string(root.join("etc/group")).unwrap();
    for g in ["dialout", "lp", "video", "input", "audio", "render"] {
        let line = group.lines().find(|l| l.starts_with(&format!("{g}:"))).unwrap_or_else(|| panic!("group {g}"));
        assert!(line.rsplit(':').next().unwrap().split(',').any(|m| m == "kiosk"), "kiosk is in {g}: {line}");
    }
    let root_user = stdout(Command::new("id").arg("-u")).trim() == "0";
    if root_user {
        run(Command::new("systemd-tmpfiles")
            .arg(format!("--root={}", root.display()))
            .arg("--create")
            .arg(root.join("usr/lib/tmpfiles.d/kiosk.conf")));
        let state = std::fs::metadata(root.join("var/lib/kiosk")).unwrap();
        assert_eq!(state.permissions().mode() & 0o777, 0o700, "/var/lib/kiosk is 0700");
        assert_eq!(std::os::unix::fs::MetadataExt::uid(&state).to_string(), user[2], "/var/lib/kiosk is kiosk's");
    }

    // The directives the appliance relies on.
    let main = unit(&root.join("lib/systemd/system/kiosk.service"));
    for (key, want) in [
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("WatchdogSec", "30"),
        ("Restart", "always"),
        ("RestartSec", "2"),
        ("RestartPreventExitStatus", "2"),
        ("TimeoutStopSec", "10"),
        ("User", "kiosk"),
        ("Group", "kiosk"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("StateDirectory", "kiosk"),
        ("StateDirectoryMode", "0700"),
        ("RuntimeDirectory", "kiosk"),
        ("CacheDirectory", "kiosk"),
        ("ReadWritePaths", "/var/lib/kiosk"),
        ("TTYPath", "/dev/tty1"),
        ("ExecStart", "/usr/bin/kiosk --config /etc/kiosk/kiosk.toml"),
    ] {
        assert_eq!(values(&main, "Service", key), want, "kiosk.service {key}=");
    }
    let groups = values(&main, "Service", "SupplementaryGroups");
    for g in ["dialout", "lp", "video", "input", "audio"] {
        assert!(groups.split_whitespace().any(|x| x == g), "SupplementaryGroups lacks {g}: {groups}");
    }
    let env = values(&main, "Service", "Environment");
    assert!(env.split_whitespace().any(|e| e == "SLINT_BACKEND=linuxkms"), "Environment: {env}");
    assert!(!values(&main, "Service", "PrivateDevices").starts_with("yes"), "the kiosk needs its devices");
    let conflicts = values(&main, "Unit", "Conflicts");
    assert!(conflicts.contains("getty@tty1.service") && conflicts.contains("kiosk-cage.service"), "{conflicts}");

    let cage_unit = unit(&root.join("lib/systemd/system/kiosk-cage.service"));
    let exec = values(&cage_unit, "Service", "ExecStart");
    assert!(
        exec.starts_with("/usr/bin/cage ") && exec.ends_with("-- /usr/bin/kiosk --config /etc/kiosk/kiosk.toml"),
        "{exec}"
    );
    assert!(values(&cage_unit, "Service", "Environment").split_whitespace().any(|e| e == "SLINT_BACKEND=winit"));
    assert!(values(&cage_unit, "Unit", "Conflicts").contains("kiosk.service"));

    // The shipped production configuration is accepted by `kiosk keys init`, as postinst
    // runs it (here with data_dir in the temporary directory), and a second run keeps the keys.
    let data = tmp.path().join("data");
    let shipped = std::fs::read_to_string(root.join("etc/kiosk/kiosk.toml")).unwrap();
    assert!(shipped.contains("data_dir = \"/var/lib/kiosk\""));
    let config = tmp.path().join("kiosk.toml");
    std::fs::write(&config, shipped.replace("\"/var/lib/kiosk\"", &format!("{:?}", data.display().to_string())))
        .unwrap();
    std::fs::create_dir(&data).unwrap();
    let keys_init = || {
        run(Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["keys", "init", "--config"])
            .arg(&config)
            .env_remove("KIOSK_LOG"));
        let mut keys: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p, bytes)
            })
            .collect();
        keys.sort();
        keys
    };
    let first = keys_init();
    let names: Vec<_> = first.iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(names.len() >= 2, "keys init creates the outbox and signing keys: {names:?}");
    for (path, _) in &first {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is private", path.display());
    }
    assert_eq!(keys_init(), first, "keys init never replaces a key");
}
