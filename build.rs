fn main() {
    // Debug info lets tests find elements by accessible label (ElementHandle); the
    // fonts are embedded as files so text that arrives from Rust at run time renders too.
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_style("fluent".into())
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint compiles");
    git_commit();
}

/// `kiosk --version` names the commit: KIOSK_GIT_COMMIT (set by scripts/package.sh), else
/// git, else "unknown" (a source tarball).
fn git_commit() {
    println!("cargo:rerun-if-env-changed=KIOSK_GIT_COMMIT");
    for f in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(f).exists() {
            println!("cargo:rerun-if-changed={f}");
        }
    }
    let commit = std::env::var("KIOSK_GIT_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let out = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    });
    println!("cargo:rustc-env=KIOSK_GIT_COMMIT={}", commit.unwrap_or_else(|| "unknown".into()));
}
