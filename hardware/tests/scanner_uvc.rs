//! The real UVC driver's error paths, which need no camera: an absent node, paths that
//! are not cameras, and a camera that comes and goes. (Capture itself needs a V4L2 device;
//! see docs/scanner-v4l2loopback.md.) Part of the product build: no `demo` needed.

use std::path::{Path, PathBuf};

use kiosk_hardware::scanner::{Scanner, UvcCamera};
use kiosk_hardware::{DocumentScanner, ScannerError, ScannerStatus};

const MISSING: &str = "/dev/nonexistent-video";

fn not_a_camera(e: &ScannerError, path: &Path) -> bool {
    matches!(e, ScannerError::NotACamera { path: p, .. } if p == path)
}

#[test]
fn missing_node_is_not_found() {
    let e = UvcCamera::open(MISSING).err().expect("no camera there");
    assert!(matches!(&e, ScannerError::NotFound(p) if p == Path::new(MISSING)), "{e:?}");
    assert!(e.is_absent() && e.is_device_fault());
    let msg = e.to_string();
    assert!(msg.contains("未找到高拍仪") && msg.contains(MISSING), "{msg}");
}

#[test]
fn scanner_without_camera_is_degraded_not_dead() {
    let mut s = Scanner::uvc(MISSING);
    for _ in 0..3 {
        assert_eq!(s.status(), ScannerStatus::Disconnected);
        assert!(matches!(s.capture(), Err(ScannerError::NotFound(_))));
        assert!(matches!(s.preview(), Err(ScannerError::NotFound(_))));
        assert!(matches!(s.live_preview(), Err(ScannerError::NotFound(_))));
    }
    // Behind the kiosk's trait object too.
    let mut boxed: Box<dyn DocumentScanner> = Box::new(Scanner::uvc(MISSING));
    assert_eq!(boxed.status(), ScannerStatus::Disconnected);
    assert!(boxed.capture().unwrap_err().is_absent());
}

#[test]
fn dev_null_is_not_a_camera() {
    let null = Path::new("/dev/null");
    let e = UvcCamera::open(null).err().expect("/dev/null is no camera");
    assert!(not_a_camera(&e, null), "{e:?}");
    assert!(!e.is_absent() && e.is_device_fault());
    assert!(e.to_string().contains("/dev/null"), "{e}");
    let mut s = Scanner::uvc(null);
    assert!(matches!(s.status(), ScannerStatus::Fault(m) if m.contains("not a usable camera")));
    assert!(not_a_camera(&s.capture().unwrap_err(), null));
}

#[test]
fn regular_file_and_directory_are_not_cameras() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("video0");
    std::fs::write(&file, b"not a camera").unwrap();
    for path in [file.as_path(), dir.path()] {
        let e = UvcCamera::open(path).err().expect("not a camera");
        assert!(not_a_camera(&e, path), "{path:?}: {e:?}");
        assert!(matches!(Scanner::uvc(path).status(), ScannerStatus::Fault(_)));
    }
    // Opening did not touch the file.
    assert_eq!(std::fs::read(&file).unwrap(), b"not a camera");
}

#[test]
fn dangling_by_id_link_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-GaoPaiYi-video-index0");
    std::os::unix::fs::symlink("/dev/video-gone-99", &link).unwrap();
    assert!(matches!(UvcCamera::open(&link), Err(ScannerError::NotFound(p)) if p == link));
    assert_eq!(Scanner::uvc(&link).status(), ScannerStatus::Disconnected);
}

#[test]
fn each_check_looks_again() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("video7");
    let mut s = Scanner::uvc(&path);
    assert_eq!(s.status(), ScannerStatus::Disconnected);
    // Something appears at the path (here a file, so it is reported as a fault) ...
    std::fs::write(&path, b"x").unwrap();
    assert!(matches!(s.status(), ScannerStatus::Fault(_)));
    // ... and goes away again.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(s.status(), ScannerStatus::Disconnected);
    assert!(matches!(s.capture(), Err(ScannerError::NotFound(_))));
}

/// A V4L2 node (major 81) with no camera behind it, as left by a camera that was
/// unplugged: the device answers ENXIO/ENODEV, which is "disconnected". Needs root and a
/// filesystem that allows device nodes; skipped otherwise.
#[test]
fn stale_video_node_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("video255");
    let c = std::ffi::CString::new(node.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; creates a node in our temporary directory.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(81, 255)) } == 0;
    if !made {
        eprintln!("skipped: cannot mknod here ({})", std::io::Error::last_os_error());
        return;
    }
    match UvcCamera::open(&node) {
        // No V4L2 core in this kernel, or no device at 81:255.
        Err(e) if e.is_absent() => {
            let mut s = Scanner::uvc(&node);
            assert_eq!(s.status(), ScannerStatus::Disconnected);
            assert!(s.capture().unwrap_err().is_absent());
        }
        // A tmpfs mounted nodev refuses to open device nodes at all.
        Err(ScannerError::Capture(m)) if m.contains("denied") || m.contains("not permitted") => {
            eprintln!("skipped: {m}");
        }
        other => panic!("81:255 should not be a working camera here: {:?}", other.map(|c| c.mode())),
    }
}
