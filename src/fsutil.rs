//! Small file-system helpers for secrets: private, atomic, durable writes.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes a new private file (mode 0600) that must not exist yet, durably and atomically:
/// the bytes go to a temporary file in the same directory, which is fsynced, then
/// hard-linked into place (fails if `path` exists: a key is never replaced silently),
/// and the directory is fsynced. A crash leaves either no file or the whole file.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked?;
    sync_dir(path)
}

/// Replaces `path` (or creates it) atomically with a private file holding `bytes`:
/// temp file, fsync, rename, directory fsync. For deliberate replacements only
/// (key rotation, the install identity's generation).
pub fn replace_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path)
}

fn write_temp(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.file_name().ok_or_else(|| std::io::Error::other("no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    let tmp = path.with_file_name(tmp_name);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let res = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Fsyncs the directory holding `path`, so a new name survives a power cut.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// A terminal secret (32 random bytes): created private and atomically if missing,
/// refused if group or others can read it, then read. Callers check its length.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<zeroize::Zeroizing<Vec<u8>>> {
    if !path.exists() {
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rng(), key.as_mut());
        write_private(path, key.as_ref())?;
    }
    check_private(path).map_err(std::io::Error::other)?;
    Ok(zeroize::Zeroizing::new(std::fs::read(path)?))
}

/// A secret file readable by group or others is refused: the message says how to fix it.
pub fn check_private(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} has mode {:o}: a key file must be private; run `chmod 600 {}` (and check who read it)",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_atomic_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.key");
        write_private(&p, b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        let e = write_private(&p, b"two").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one", "never replaced");
        check_private(&p).unwrap();
        replace_private(&p, b"three").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        check_private(&p).unwrap();
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(check_private(&p).unwrap_err().contains("chmod 600"));
        }
    }
}
