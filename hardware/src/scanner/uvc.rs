//! Real 高拍仪 capture over V4L2 (feature `uvc`).
//!
//! Opens `/dev/videoN`, picks the largest MJPG mode (YUYV if the camera has no MJPG),
//! and decodes frames to RGB. Exposure settling is done by [`super::Scanner`]. When the
//! device vanishes (USB unplugged) every call reports `Disconnected` and the next
//! `connect` re-opens it once the node is back.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use image::RgbImage;
use v4l::buffer::{Flags, Type};
use v4l::io::traits::CaptureStream;
use v4l::prelude::*;
use v4l::video::Capture;
use v4l::{Format, FourCC};

use super::pipeline::Camera;
use super::ScannerError;

const MJPG: &[u8; 4] = b"MJPG";
const YUYV: &[u8; 4] = b"YUYV";
/// A frame later than this means the camera hung or went away.
const FRAME_TIMEOUT: Duration = Duration::from_secs(3);
/// Corrupt MJPG frames (USB bandwidth hiccups) skipped before giving up.
const MAX_BAD_FRAMES: usize = 5;

struct Open {
    stream: MmapStream<'static>,
    fourcc: FourCC,
    width: u32,
    height: u32,
    // The stream holds its own handle; the device is kept for controls later.
    _dev: Device,
}

/// A UVC camera at a device path such as `/dev/video0` (better: a stable
/// `/dev/v4l/by-id/...` link, which survives re-enumeration after a replug).
pub struct UvcCamera {
    path: PathBuf,
    open: Option<Open>,
}

impl UvcCamera {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        UvcCamera { path: path.into(), open: None }
    }

    /// The mode in use, as (fourcc, width, height), once connected.
    pub fn mode(&self) -> Option<(String, u32, u32)> {
        self.open.as_ref().map(|o| (o.fourcc.str().unwrap_or("????").to_string(), o.width, o.height))
    }

    fn open_device(&self) -> Result<Open, ScannerError> {
        let dev = Device::with_path(&self.path).map_err(io_error)?;
        let (fourcc, width, height) = best_mode(&dev).map_err(io_error)?;
        let set = dev.set_format(&Format::new(width, height, fourcc)).map_err(io_error)?;
        if set.fourcc != FourCC::new(MJPG) && set.fourcc != FourCC::new(YUYV) {
            return Err(ScannerError::Capture(format!("unsupported pixel format {}", set.fourcc)));
        }
        let mut stream = MmapStream::with_buffers(&dev, Type::VideoCapture, 4).map_err(io_error)?;
        stream.set_timeout(FRAME_TIMEOUT);
        Ok(Open { stream, fourcc: set.fourcc, width: set.width, height: set.height, _dev: dev })
    }
}

/// Largest MJPG frame size, else largest YUYV.
fn best_mode(dev: &Device) -> io::Result<(FourCC, u32, u32)> {
    let formats = dev.enum_formats()?;
    for want in [MJPG, YUYV] {
        let fourcc = FourCC::new(want);
        if !formats.iter().any(|f| f.fourcc == fourcc) {
            continue;
        }
        let best = dev
            .enum_framesizes(fourcc)?
            .into_iter()
            .flat_map(|s| s.size.to_discrete())
            .max_by_key(|d| d.width as u64 * d.height as u64);
        if let Some(d) = best {
            return Ok((fourcc, d.width, d.height));
        }
    }
    Err(io::Error::new(io::ErrorKind::Unsupported, "camera offers neither MJPG nor YUYV"))
}

/// ENODEV/ENOENT/EIO/timeouts mean the camera is gone; anything else is a capture fault.
fn io_error(e: io::Error) -> ScannerError {
    const ENOENT: i32 = 2;
    const EIO: i32 = 5;
    const ENXIO: i32 = 6;
    const ENODEV: i32 = 19;
    match e.raw_os_error() {
        Some(ENOENT | EIO | ENXIO | ENODEV) => ScannerError::Disconnected,
        _ if e.kind() == io::ErrorKind::TimedOut => ScannerError::Disconnected,
        _ => ScannerError::Capture(e.to_string()),
    }
}

impl Camera for UvcCamera {
    fn connect(&mut self) -> Result<(), ScannerError> {
        if self.open.is_none() {
            self.open = Some(self.open_device()?);
        }
        Ok(())
    }

    fn is_present(&mut self) -> bool {
        self.path.exists()
    }

    fn grab(&mut self) -> Result<RgbImage, ScannerError> {
        let open = self.open.as_mut().ok_or(ScannerError::Disconnected)?;
        let mut last = String::new();
        for _ in 0..MAX_BAD_FRAMES {
            let (buf, meta) = match open.stream.next() {
                Ok(f) => f,
                Err(e) => {
                    // Drop the stream so the next connect starts from a fresh open.
                    self.open = None;
                    return Err(io_error(e));
                }
            };
            let used = (meta.bytesused as usize).min(buf.len());
            if used == 0 || meta.flags.contains(Flags::ERROR) {
                last = "empty or flagged frame".into();
                continue;
            }
            let decoded = if open.fourcc == FourCC::new(MJPG) {
                decode_mjpg(&buf[..used])
            } else {
                yuyv_to_rgb(&buf[..used], open.width, open.height)
            };
            match decoded {
                Ok(img) => return Ok(img),
                Err(e) => last = e,
            }
        }
        Err(ScannerError::Capture(format!("no good frame: {last}")))
    }
}

/// MJPG frames are JPEGs, often without Huffman tables (the decoder supplies defaults).
fn decode_mjpg(data: &[u8]) -> Result<RgbImage, String> {
    image::load_from_memory_with_format(data, image::ImageFormat::Jpeg)
        .map(|i| i.into_rgb8())
        .map_err(|e| format!("mjpg: {e}"))
}

/// YUYV 4:2:2 to RGB with BT.601 limited-range coefficients, as UVC cameras send.
fn yuyv_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, String> {
    let need = width as usize * height as usize * 2;
    if data.len() < need || !width.is_multiple_of(2) {
        return Err(format!("short YUYV frame: {} of {need} bytes", data.len()));
    }
    let mut out = Vec::with_capacity(need / 2 * 3);
    for px in data[..need].chunks_exact(4) {
        let (y0, u, y1, v) = (px[0] as f32, px[1] as f32 - 128.0, px[2] as f32, px[3] as f32 - 128.0);
        for y in [y0, y1] {
            let c = 1.164 * (y - 16.0);
            out.push((c + 1.596 * v).clamp(0.0, 255.0) as u8);
            out.push((c - 0.392 * u - 0.813 * v).clamp(0.0, 255.0) as u8);
            out.push((c + 2.017 * u).clamp(0.0, 255.0) as u8);
        }
    }
    RgbImage::from_raw(width, height, out).ok_or_else(|| "YUYV size mismatch".into())
}
