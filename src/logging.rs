//! Logging: `tracing` to stderr (journald picks it up on a terminal) and, once the
//! configuration is known, to the kiosk's own size-capped file beside it
//! (`<data_dir>/logs/kiosk.log`, rotated at [`LOG_FILE_BYTES`], [`LOG_FILES`] files at
//! most), which `kiosk diag logs` exports. Personal data is never logged raw: fields go
//! through `kiosk_hardware::pii` (mask_id, Masked, mask_name), and what reaches the file
//! or an export passes [`scrub`] once more.

pub use kiosk_hardware::pii::{mask_id, mask_name, mask_phone, Masked};

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Layer, Registry};

/// The log file is rotated once it passes this size.
pub const LOG_FILE_BYTES: usize = 4 * 1024 * 1024;
/// kiosk.log and at most this many rotated files (kiosk.log.1 newest … kiosk.log.2).
pub const LOG_FILES: usize = 3;
/// The live file's name in the log directory.
pub const LOG_FILE: &str = "kiosk.log";

type FileLayer = Option<Box<dyn Layer<Registry> + Send + Sync>>;

static FILE: OnceLock<reload::Handle<FileLayer, Registry>> = OnceLock::new();

/// Filter from KIOSK_LOG (e.g. "debug", "kiosk=trace"), default "info". Stderr now;
/// the file joins with [`add_file`].
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (file, handle) = reload::Layer::new(None::<Box<dyn Layer<Registry> + Send + Sync>>);
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    if tracing_subscriber::registry().with(file).with(filter).with(stderr).try_init().is_ok() {
        let _ = FILE.set(handle);
    }
}

/// Also logs to `dir/kiosk.log` (mode 0600, rotated by size). Called once the
/// configuration is known (the running kiosk only; the CLI's tools log to stderr).
pub fn add_file(dir: &Path) -> Result<PathBuf, String> {
    let handle = FILE.get().ok_or("logging::init was not called")?;
    let path = dir.join(LOG_FILE);
    let writer = open_rotating(&path)?;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(Mutex::new(Scrubbing(writer)))
        .with_ansi(false)
        .with_target(false)
        .boxed();
    handle.reload(Some(layer)).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The rotating writer for `path`; its directory is created (0700) if missing.
pub fn open_rotating(path: &Path) -> Result<impl Write + Send + 'static, String> {
    use file_rotate::{compression::Compression, suffix::AppendCount, ContentLimit, FileRotate};
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = path.parent().ok_or_else(|| format!("{}: no directory", path.display()))?;
    // file-rotate panics when it cannot create the directory: make sure first.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).create(true).append(true).mode(0o600);
    // Probe: a file we cannot open would be silently dropped by file-rotate.
    opts.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(FileRotate::new(
        path,
        AppendCount::new(LOG_FILES - 1),
        ContentLimit::BytesSurpassed(LOG_FILE_BYTES),
        Compression::None,
        Some(opts),
    ))
}

/// A writer that masks numbers on the way to the file (fmt writes one event per call).
struct Scrubbing<W>(W);

impl<W: Write> Write for Scrubbing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(scrub(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The log files in `dir`, oldest first (kiosk.log.2, kiosk.log.1, kiosk.log).
pub fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut rotated: Vec<(usize, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix(LOG_FILE)?.strip_prefix('.')?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    rotated.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut files: Vec<PathBuf> = rotated.into_iter().map(|(_, p)| p).collect();
    let live = dir.join(LOG_FILE);
    if live.exists() {
        files.push(live);
    }
    files
}

/// The log lines written at or after `since_ms` (unix ms), oldest first, scrubbed.
/// A line without a time of its own (a multi-line message) goes with the one before.
pub fn lines_since(dir: &Path, since_ms: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut keep = false;
    for file in log_files(dir) {
        let Ok(f) = std::fs::File::open(&file) else { continue };
        for line in std::io::BufReader::new(f).split(b'\n').map_while(Result::ok) {
            let line = String::from_utf8_lossy(&line).into_owned();
            if let Some(at) = line_time_ms(&line) {
                keep = at >= since_ms;
            }
            if keep {
                out.push(scrub(&line));
            }
        }
    }
    out
}

/// The time a log line starts with (RFC 3339, as the fmt layer writes it), in unix ms.
pub fn line_time_ms(line: &str) -> Option<i64> {
    let stamp = line.split_whitespace().next()?;
    chrono::DateTime::parse_from_rfc3339(stamp).ok().map(|t| t.timestamp_millis())
}

/// Masks what could be personal in free text (a panic message, an error from a
/// library): every run of 11 or more digits (phone and ID numbers, with an ID's final
/// X) keeps only its first 4 and last 4 characters.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 11 {
            out.push_str(&mask_id(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (matches!(c, 'X' | 'x') && !run.is_empty()) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// 32 or more lowercase hex characters with at least one letter: a hash, not a number.
fn is_digest(s: &str) -> bool {
    s.len() >= 32
        && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// [`scrub`] on every string of a JSON value (keys too). Numbers stay numbers: times in
/// ms are not personal, and masking them would break the JSON.
pub fn scrub_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        // A digest (config_sha256, a file's sha256) is no one's number: kept whole.
        Value::String(s) if is_digest(s) => v.clone(),
        Value::String(s) => Value::String(scrub(s)),
        Value::Array(items) => Value::Array(items.iter().map(scrub_json).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (scrub(k), scrub_json(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn scrub_masks_id_and_phone_numbers_in_free_text() {
        let s = super::scrub("bad card 41010519900101123X for 13812345678 at step 42");
        assert_eq!(s, "bad card 4101**********123X for 1381***5678 at step 42");
        let sha = "9b347fab7d2d0f47e4747ffb58b1abaaaed7fd549322075973b7e0bf36629819";
        let v = serde_json::json!({"at_ms": 1796000002121_i64, "detail": ["card 41010519900101123X"], "sha256": sha});
        assert_eq!(
            super::scrub_json(&v),
            serde_json::json!({"at_ms": 1796000002121_i64, "detail": ["card 4101**********123X"], "sha256": sha})
        );
        let id = serde_json::json!("41010519900101123x");
        assert_eq!(super::scrub_json(&id), serde_json::json!("4101**********123x"));
    }

    #[test]
    fn the_file_rotates_by_size_keeps_three_and_is_read_back_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join(super::LOG_FILE);
        let mut w = super::Scrubbing(super::open_rotating(&path).unwrap());
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        let line = |t: &str, msg: &str| format!("{t}  INFO {msg} {}\n", "x".repeat(1000));
        // 3 × 4 MiB and then some: rotated, never more than 3 files.
        let n = 3 * super::LOG_FILE_BYTES / 1000 + 500;
        for i in 0..n {
            let t = if i + 10 >= n { "2030-01-02T00:00:00.000001Z" } else { "2030-01-01T00:00:00.000001Z" };
            w.write_all(line(t, &format!("event {i} card 410702199003070046")).as_bytes()).unwrap();
        }
        w.write_all(b"  a continuation line of the last event\n").unwrap();
        w.flush().unwrap();
        let files = super::log_files(path.parent().unwrap());
        let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["kiosk.log.2", "kiosk.log.1", "kiosk.log"]);
        for f in &files {
            let len = std::fs::metadata(f).unwrap().len() as usize;
            assert!(len <= super::LOG_FILE_BYTES + 2000, "{}: {len}", f.display());
            assert!(!std::fs::read_to_string(f).unwrap().contains("410702199003070046"), "scrubbed on write");
        }
        let since = chrono::DateTime::parse_from_rfc3339("2030-01-02T00:00:00Z").unwrap().timestamp_millis();
        let recent = super::lines_since(path.parent().unwrap(), since);
        assert_eq!(recent.len(), 11, "the 10 newest events and the continuation");
        assert!(recent[0].contains(&format!("event {} ", n - 10)), "{}", &recent[0][..80]);
        assert!(recent[10].contains("continuation"));
        assert_eq!(super::line_time_ms("not a time"), None);
    }
}
