//! Real 高拍仪 capture over V4L2, with the pure-Rust `linuxvideo` crate (no libclang,
//! no C bindings to generate), so it is part of every build.
//!
//! Opens `/dev/videoN` (better: a `/dev/v4l/by-id/...` link), picks the largest MJPG mode
//! (YUYV if the camera has no MJPG), streams through mmap buffers and decodes frames to
//! RGB. Exposure settling is done by [`super::Scanner`].
//!
//! What can go wrong is typed: the node is absent ([`ScannerError::NotFound`]), the path
//! is no camera ([`ScannerError::NotACamera`]: a regular file, `/dev/null`, an output-only
//! node, a camera without MJPG/YUYV), or the camera went away while in use
//! ([`ScannerError::Disconnected`]). None of them is fatal: the next `connect` (or
//! [`Camera::check`]) looks again, so a camera plugged in later is picked up.

use std::fs;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use image::RgbImage;
use linuxvideo::format::{FrameSizes, PixFormat, PixelFormat};
use linuxvideo::stream::ReadStream;
use linuxvideo::{BufType, CapabilityFlags, Device};

use super::pipeline::{Camera, ScanConfig, Scanner};
use super::ScannerError;

/// A frame later than this means the camera hung or went away.
const FRAME_TIMEOUT: Duration = Duration::from_secs(3);
/// Corrupt MJPG frames (USB bandwidth hiccups) skipped before giving up.
const MAX_BAD_FRAMES: usize = 5;
/// Character-device major of every V4L2 node (`VIDEO_MAJOR` in the kernel).
const VIDEO_MAJOR: u32 = 81;

struct Open {
    stream: ReadStream,
    format: PixelFormat,
    width: u32,
    height: u32,
    /// Bytes per line of a YUYV frame (the driver may pad lines).
    stride: u32,
}

/// A UVC camera at a device path such as `/dev/video0` (better: a stable
/// `/dev/v4l/by-id/...` link, which survives re-enumeration after a replug).
///
/// Creating one never touches the device: it is opened on first use, and re-opened after
/// it went away.
pub struct UvcCamera {
    path: PathBuf,
    open: Option<Open>,
    /// Device number of the node last found to be a capture device, so the idle-time
    /// check does not re-open the camera every time.
    verified: Option<u64>,
}

impl UvcCamera {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        UvcCamera { path: path.into(), open: None, verified: None }
    }

    /// Opens the camera now: `Err(NotFound)` when the node is absent, `Err(NotACamera)`
    /// when the path is something else.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, ScannerError> {
        let mut cam = UvcCamera::new(path);
        cam.connect()?;
        Ok(cam)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mode in use, as (fourcc, width, height), once connected.
    pub fn mode(&self) -> Option<(String, u32, u32)> {
        self.open.as_ref().map(|o| (fourcc_str(o.format), o.width, o.height))
    }

    /// The node's device number, after checking that it is a V4L2 character device.
    /// Never opens it, so a wrong path (a tty, a watchdog) is not disturbed.
    fn node(&self) -> Result<u64, ScannerError> {
        let meta = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ScannerError::NotFound(self.path.clone())),
            Err(e) => return Err(self.io_error(e)),
        };
        if !meta.file_type().is_char_device() {
            return Err(self.not_a_camera("not a device node"));
        }
        let rdev = meta.rdev();
        let major = libc::major(rdev);
        if major != VIDEO_MAJOR {
            return Err(
                self.not_a_camera(&format!("character device {major}:{} is not a video device", libc::minor(rdev)))
            );
        }
        Ok(rdev)
    }

    /// Opens the node and checks that it can capture video by streaming.
    fn open_checked(&self) -> Result<Device, ScannerError> {
        let dev = Device::open(&self.path).map_err(|e| self.io_error(e))?;
        let caps = dev.capabilities().map_err(|e| self.io_error(e))?.device_capabilities();
        if !caps.contains(CapabilityFlags::VIDEO_CAPTURE) {
            return Err(self.not_a_camera("the device cannot capture video"));
        }
        if !caps.contains(CapabilityFlags::STREAMING) {
            return Err(self.not_a_camera("the device cannot stream"));
        }
        Ok(dev)
    }

    fn open_device(&self) -> Result<(Open, u64), ScannerError> {
        let rdev = self.node()?;
        let dev = self.open_checked()?;
        let (format, width, height) = self.best_mode(&dev)?;
        let capture = dev.video_capture(PixFormat::new(width, height, format)).map_err(|e| self.io_error(e))?;
        let set = capture.format();
        let (format, width, height, stride) = (set.pixel_format(), set.width(), set.height(), set.bytes_per_line());
        if !matches!(format, PixelFormat::MJPG | PixelFormat::JPEG | PixelFormat::YUYV) {
            return Err(self.not_a_camera(&format!("the driver chose pixel format {}", fourcc_str(format))));
        }
        let stream = capture.into_stream().map_err(|e| self.io_error(e))?;
        Ok((Open { stream, format, width, height, stride }, rdev))
    }

    /// Largest MJPG (or JPEG) frame size, else largest YUYV.
    fn best_mode(&self, dev: &Device) -> Result<(PixelFormat, u32, u32), ScannerError> {
        let formats = dev
            .formats(BufType::VIDEO_CAPTURE)
            .map(|f| f.map(|f| f.pixel_format()))
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| self.io_error(e))?;
        for want in [PixelFormat::MJPG, PixelFormat::JPEG, PixelFormat::YUYV] {
            if !formats.contains(&want) {
                continue;
            }
            let best = match dev.frame_sizes(want).map_err(|e| self.io_error(e))? {
                FrameSizes::Discrete(sizes) => {
                    sizes.iter().map(|s| (s.width(), s.height())).max_by_key(|(w, h)| *w as u64 * *h as u64)
                }
                FrameSizes::Stepwise(s) | FrameSizes::Continuous(s) => Some((s.max_width(), s.max_height())),
            };
            if let Some((w, h)) = best.filter(|(w, h)| *w > 0 && *h > 0) {
                return Ok((want, w, h));
            }
        }
        let offered: Vec<String> = formats.into_iter().map(fourcc_str).collect();
        Err(self.not_a_camera(&format!("offers neither MJPG nor YUYV (only {})", offered.join(", "))))
    }

    fn not_a_camera(&self, reason: &str) -> ScannerError {
        ScannerError::NotACamera { path: self.path.clone(), reason: reason.to_string() }
    }

    /// ENOENT: node absent. ENODEV/ENXIO/EIO/timeouts: the camera went away. ENOTTY/EINVAL:
    /// not a V4L2 device. Anything else is a capture fault.
    fn io_error(&self, e: io::Error) -> ScannerError {
        match e.raw_os_error() {
            Some(libc::ENOENT) => ScannerError::NotFound(self.path.clone()),
            Some(libc::EIO | libc::ENXIO | libc::ENODEV) => ScannerError::Disconnected,
            Some(libc::ENOTTY | libc::EINVAL | libc::EISDIR) => self.not_a_camera(&e.to_string()),
            _ if e.kind() == io::ErrorKind::TimedOut => ScannerError::Disconnected,
            _ => ScannerError::Capture(format!("{}: {e}", self.path.display())),
        }
    }

    /// Waits up to [`FRAME_TIMEOUT`] for a filled buffer, so a hung camera cannot block
    /// the scanner thread forever.
    fn wait_frame(stream: &ReadStream) -> io::Result<()> {
        let mut pfd = libc::pollfd { fd: stream.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        loop {
            // SAFETY: one valid pollfd, on a descriptor the stream keeps open.
            let n = unsafe { libc::poll(&mut pfd, 1, FRAME_TIMEOUT.as_millis() as libc::c_int) };
            match n {
                0 => return Err(io::Error::new(io::ErrorKind::TimedOut, "no frame within 3 s")),
                n if n < 0 => {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    return Err(e);
                }
                _ if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 => {
                    return Err(io::Error::from_raw_os_error(libc::ENODEV))
                }
                _ => return Ok(()),
            }
        }
    }
}

impl Camera for UvcCamera {
    fn connect(&mut self) -> Result<(), ScannerError> {
        if self.open.is_none() {
            // The crate asserts on answers a sane driver never gives; a broken driver must
            // not take the kiosk down with it.
            let opened = catch_unwind(AssertUnwindSafe(|| self.open_device())).unwrap_or_else(|_| {
                Err(ScannerError::Capture(format!("{}: V4L2 driver misbehaved", self.path.display())))
            });
            let (open, rdev) = opened.inspect_err(|_| self.verified = None)?;
            self.open = Some(open);
            self.verified = Some(rdev);
        }
        Ok(())
    }

    fn is_present(&mut self) -> bool {
        self.path.exists()
    }

    /// Absent node: `NotFound` (and a stream left open is dropped). A node not yet known
    /// to be a camera is opened once to ask it; after that only its presence is checked.
    fn check(&mut self) -> Result<(), ScannerError> {
        let rdev = match self.node() {
            Ok(rdev) => rdev,
            Err(e) => {
                self.open = None;
                self.verified = None;
                return Err(e);
            }
        };
        if self.open.is_some() || self.verified == Some(rdev) {
            return Ok(());
        }
        catch_unwind(AssertUnwindSafe(|| self.open_checked().map(drop))).unwrap_or_else(|_| {
            Err(ScannerError::Capture(format!("{}: V4L2 driver misbehaved", self.path.display())))
        })?;
        self.verified = Some(rdev);
        Ok(())
    }

    fn grab(&mut self) -> Result<RgbImage, ScannerError> {
        let Some(open) = self.open.as_mut() else {
            return Err(if self.path.exists() {
                ScannerError::Disconnected
            } else {
                ScannerError::NotFound(self.path.clone())
            });
        };
        let (format, width, height, stride) = (open.format, open.width, open.height, open.stride);
        let mut last = String::new();
        for _ in 0..MAX_BAD_FRAMES {
            let frame = Self::wait_frame(&open.stream).and_then(|()| {
                open.stream.dequeue(|buf| {
                    if buf.is_empty() || buf.is_error() {
                        return Ok(Err("empty or flagged frame".to_string()));
                    }
                    Ok(if format == PixelFormat::YUYV {
                        yuyv_to_rgb(&buf, width, height, stride)
                    } else {
                        decode_mjpg(&buf)
                    })
                })
            });
            match frame {
                Ok(Ok(img)) => return Ok(img),
                Ok(Err(e)) => last = e,
                Err(e) => {
                    // Drop the stream so the next connect starts from a fresh open, and
                    // let the next check ask the device again.
                    self.open = None;
                    self.verified = None;
                    return Err(match self.io_error(e) {
                        // The node was there a moment ago: whatever it says now, it went away.
                        ScannerError::NotFound(_) => ScannerError::Disconnected,
                        other => other,
                    });
                }
            }
        }
        Err(ScannerError::Capture(format!("no good frame: {last}")))
    }
}

impl Scanner<UvcCamera> {
    /// The real 高拍仪 at `path` with the default [`ScanConfig`]. Never fails: a camera
    /// that is absent now reports `Disconnected` from `status()` and is opened once it
    /// appears.
    pub fn uvc(path: impl Into<PathBuf>) -> Self {
        Scanner::new(UvcCamera::new(path), ScanConfig::default())
    }
}

fn fourcc_str(f: PixelFormat) -> String {
    f.as_fourcc().iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '?' }).collect()
}

/// MJPG frames are JPEGs, often without Huffman tables (the decoder supplies defaults).
fn decode_mjpg(data: &[u8]) -> Result<RgbImage, String> {
    image::load_from_memory_with_format(data, image::ImageFormat::Jpeg)
        .map(|i| i.into_rgb8())
        .map_err(|e| format!("mjpg: {e}"))
}

/// YUYV 4:2:2 to RGB with BT.601 limited-range coefficients, as UVC cameras send.
/// `stride` is the driver's bytes per line (0 or less than `2 * width`: packed lines).
fn yuyv_to_rgb(data: &[u8], width: u32, height: u32, stride: u32) -> Result<RgbImage, String> {
    let line = width as usize * 2;
    let stride = (stride as usize).max(line);
    let need = stride * (height as usize).saturating_sub(1) + line;
    if width == 0 || height == 0 || !width.is_multiple_of(2) || data.len() < need {
        return Err(format!("short YUYV frame: {} of {need} bytes", data.len()));
    }
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for row in 0..height as usize {
        for px in data[row * stride..row * stride + line].chunks_exact(4) {
            let (y0, u, y1, v) = (px[0] as f32, px[1] as f32 - 128.0, px[2] as f32, px[3] as f32 - 128.0);
            for y in [y0, y1] {
                let c = 1.164 * (y - 16.0);
                out.push((c + 1.596 * v).clamp(0.0, 255.0) as u8);
                out.push((c - 0.392 * u - 0.813 * v).clamp(0.0, 255.0) as u8);
                out.push((c + 2.017 * u).clamp(0.0, 255.0) as u8);
            }
        }
    }
    RgbImage::from_raw(width, height, out).ok_or_else(|| "YUYV size mismatch".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_grey_and_padding() {
        // 2x2, lines padded to 8 bytes: Y=235 (white), U=V=128 (no colour).
        let line = [235, 128, 235, 128, 0, 0, 0, 0];
        let data: Vec<u8> = line.iter().chain(line[..4].iter()).copied().collect();
        let img = yuyv_to_rgb(&data, 2, 2, 8).unwrap();
        assert!(img.pixels().all(|p| p.0.iter().all(|c| *c >= 254)), "{:?}", img.as_raw());
        assert!(yuyv_to_rgb(&data[..10], 2, 2, 8).is_err());
        assert!(yuyv_to_rgb(&data, 3, 1, 0).is_err());
    }

    #[test]
    fn errno_to_typed_error() {
        let cam = UvcCamera::new("/dev/video9");
        let e = |n| cam.io_error(io::Error::from_raw_os_error(n));
        assert!(matches!(e(libc::ENOENT), ScannerError::NotFound(p) if p == Path::new("/dev/video9")));
        for gone in [libc::ENODEV, libc::ENXIO, libc::EIO] {
            assert!(matches!(e(gone), ScannerError::Disconnected));
        }
        assert!(matches!(e(libc::ENOTTY), ScannerError::NotACamera { .. }));
        assert!(matches!(e(libc::EACCES), ScannerError::Capture(m) if m.starts_with("/dev/video9: ")));
        let timeout = cam.io_error(io::Error::new(io::ErrorKind::TimedOut, "no frame"));
        assert!(matches!(timeout, ScannerError::Disconnected));
    }

    #[test]
    fn fourcc_is_printable() {
        assert_eq!(fourcc_str(PixelFormat::MJPG), "MJPG");
        assert_eq!(fourcc_str(PixelFormat::from_fourcc([0, b'A', 0xFF, b' '])), "?A? ");
    }
}
