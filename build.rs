fn main() {
    // Debug info lets tests find elements by accessible label (ElementHandle); the
    // fonts are embedded as files so text that arrives from Rust at run time renders too.
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_style("fluent".into())
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint compiles");
    // 手写: Zinnia's C library (src/handwriting/ffi.rs; libzinnia-dev to build, libzinnia0 to run).
    println!("cargo:rustc-link-lib=zinnia");
    // 拼音: the word index from jieba's dictionary and data/ime/ (src/ime/generate.rs).
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    ime_generate::run(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &out);
    git_commit();
}

#[path = "src/ime/generate.rs"]
mod ime_generate;
#[allow(dead_code)]
#[path = "src/ime/keys.rs"]
mod ime_keys;

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
