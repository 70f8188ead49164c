//! The production build (`--no-default-features`, the .deb) holds none of the
//! development tools: no intake simulator (axum), no headless testing backend, no device
//! emulators. Proven on the resolved dependency graph; scripts/test.sh also compiles it.

use std::process::Command;

fn tree(features: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "-p",
            "kiosk",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--offline",
            "--locked",
            "-f",
            "{p} {f}",
        ])
        .args(features)
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn has_crate(tree: &str, name: &str) -> bool {
    tree.lines().any(|l| l.split_whitespace().next() == Some(name))
}

#[test]
fn production_tree_has_no_dev_tools_and_demo_tree_does() {
    let prod = tree(&["--no-default-features"]);
    let demo = tree(&[]);
    for dev_tool in ["axum", "intake-sim", "i-slint-backend-testing"] {
        assert!(!has_crate(&prod, dev_tool), "{dev_tool} in the production build:\n{prod}");
        assert!(has_crate(&demo, dev_tool), "the check could not fail: {dev_tool} absent from the demo build too");
    }
    // The emulators are compiled only with kiosk-hardware's `demo` feature.
    let hw = |t: &str| t.lines().filter(|l| l.starts_with("kiosk-hardware ")).map(str::to_string).collect::<Vec<_>>();
    assert!(hw(&prod).iter().all(|l| !l.contains("demo")), "{:?}", hw(&prod));
    assert!(hw(&demo).iter().any(|l| l.contains("demo")), "{:?}", hw(&demo));
    // The product draws with LinuxKMS (DRM + libinput), and keeps winit for cage.
    assert!(has_crate(&prod, "i-slint-backend-linuxkms"), "no LinuxKMS backend in production");
    assert!(has_crate(&prod, "sd-notify"));
}
