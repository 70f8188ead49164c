//! A simulated 高拍仪 camera: serves given images (e.g. from [`super::synth`]) as frames,
//! with under-exposed frames after each connect and a plug that tests can pull.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use image::RgbImage;

use super::pipeline::{Camera, ScanConfig, Scanner};
use super::synth::{Scene, SceneKind};
use super::ScannerError;

/// The USB cable, shared with a test: pull it and put it back.
#[derive(Clone, Debug)]
pub struct CameraLink {
    present: Arc<AtomicBool>,
    grabs: Arc<AtomicU64>,
    /// What a hand holds under the camera (a phone's QR code …), served instead of the
    /// camera's own frames while set.
    held: Arc<Mutex<Option<Vec<RgbImage>>>>,
}

impl CameraLink {
    pub fn unplug(&self) {
        self.present.store(false, Ordering::SeqCst);
    }
    pub fn plug(&self) {
        self.present.store(true, Ordering::SeqCst);
    }
    /// Holds `frames` under the camera (served in turn) until [`CameraLink::take_away`].
    pub fn hold(&self, frames: Vec<RgbImage>) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(frames);
    }
    /// Takes the held frames away: the camera sees its own material again.
    pub fn take_away(&self) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
    /// Frames delivered so far, including those discarded while settling.
    pub fn frames_grabbed(&self) -> u64 {
        self.grabs.load(Ordering::SeqCst)
    }
}

/// Serves `frames` in turn; after each connect the first `settle_frames` come out
/// darker, ramping up like a real auto-exposure.
pub struct EmulatedCamera {
    frames: Vec<RgbImage>,
    next: usize,
    link: CameraLink,
    open: bool,
    settle_frames: u32,
    settle_left: u32,
}

impl EmulatedCamera {
    pub fn new(frames: Vec<RgbImage>) -> Self {
        let link = CameraLink {
            present: Arc::new(AtomicBool::new(true)),
            grabs: Arc::new(AtomicU64::new(0)),
            held: Arc::new(Mutex::new(None)),
        };
        EmulatedCamera { frames, next: 0, link, open: false, settle_frames: 6, settle_left: 0 }
    }

    /// Renders the scenes at `width`×`height` and serves them in turn.
    pub fn from_scenes(scenes: &[Scene], width: u32, height: u32) -> Self {
        Self::new(scenes.iter().map(|s| s.render(width, height).image).collect())
    }

    pub fn link(&self) -> CameraLink {
        self.link.clone()
    }

    /// Puts other material under the camera.
    pub fn show(&mut self, frames: Vec<RgbImage>) {
        self.frames = frames;
        self.next = 0;
    }

    /// How many under-exposed frames follow each connect.
    pub fn with_settle_frames(mut self, n: u32) -> Self {
        self.settle_frames = n;
        self
    }
}

impl Camera for EmulatedCamera {
    fn connect(&mut self) -> Result<(), ScannerError> {
        if !self.link.present.load(Ordering::SeqCst) {
            self.open = false;
            return Err(ScannerError::Disconnected);
        }
        if !self.open {
            self.open = true;
            self.settle_left = self.settle_frames;
        }
        Ok(())
    }

    fn is_present(&mut self) -> bool {
        self.link.present.load(Ordering::SeqCst)
    }

    fn grab(&mut self) -> Result<RgbImage, ScannerError> {
        if !self.link.present.load(Ordering::SeqCst) {
            self.open = false;
            return Err(ScannerError::Disconnected);
        }
        if !self.open {
            return Err(ScannerError::Disconnected);
        }
        let held = self.link.held.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let frames = held.as_ref().filter(|f| !f.is_empty()).unwrap_or(&self.frames);
        if frames.is_empty() {
            return Err(ScannerError::Capture("no frames loaded".into()));
        }
        self.link.grabs.fetch_add(1, Ordering::SeqCst);
        let mut frame = frames[self.next % frames.len()].clone();
        self.next = (self.next + 1) % frames.len();
        if self.settle_left > 0 {
            let gain = 1.0 - self.settle_left as f32 / (self.settle_frames as f32 + 1.0);
            for c in frame.iter_mut() {
                *c = (*c as f32 * gain) as u8;
            }
            self.settle_left -= 1;
        }
        Ok(frame)
    }
}

impl Scanner<EmulatedCamera> {
    /// An emulated 高拍仪 showing one good synthetic A4 page at 1280×960.
    pub fn emulated() -> Self {
        let cam = EmulatedCamera::from_scenes(&[Scene { kind: SceneKind::Good, seed: 1 }], 1280, 960);
        Scanner::new(cam, ScanConfig::default())
    }
}
