//! The scanner driving the emulated camera: exposure settling, unplug/replug, preview.

use kiosk_hardware::scanner::emulator::EmulatedCamera;
use kiosk_hardware::scanner::synth::{Scene, SceneKind};
use kiosk_hardware::scanner::{QualityIssue, ScanConfig, Scanner};
use kiosk_hardware::{DocumentScanner, ScannerError, ScannerStatus};

const W: u32 = 960;
const H: u32 = 720;

fn scene(kind: SceneKind, seed: u64) -> image::RgbImage {
    Scene { kind, seed }.render(W, H).image
}

#[test]
fn dark_first_frames_are_discarded_and_replug_settles_again() {
    let cam = EmulatedCamera::new(vec![scene(SceneKind::Good, 4)]).with_settle_frames(6);
    let link = cam.link();
    let mut scanner = Scanner::new(cam, ScanConfig::default());

    // Without settling, the first frame would be at 1/7 brightness: TooDark.
    let page = scanner.capture_checked().expect("settled capture is accepted");
    assert!(page.width > 0 && page.jpeg.len() <= ScanConfig::default().jpeg_limit);
    let after_first = link.frames_grabbed();
    assert!(after_first >= 7, "settling must discard the under-exposed frames, grabbed {after_first}");

    // Once settled, a capture costs one frame.
    scanner.capture_checked().unwrap();
    assert_eq!(link.frames_grabbed(), after_first + 1);

    link.unplug();
    assert_eq!(scanner.status(), ScannerStatus::Disconnected);
    assert!(matches!(scanner.capture_checked(), Err(ScannerError::Disconnected)));
    assert!(matches!(scanner.preview(), Err(ScannerError::Disconnected)));

    link.plug();
    assert_eq!(scanner.status(), ScannerStatus::Ready);
    let before = link.frames_grabbed();
    scanner.capture_checked().expect("works again after replug");
    assert!(link.frames_grabbed() >= before + 7, "exposure settles again after replug");
}

#[test]
fn preview_shows_outline_or_hint() {
    let mut cam = EmulatedCamera::new(vec![scene(SceneKind::Rotated, 102)]).with_settle_frames(0);
    cam.show(vec![scene(SceneKind::Rotated, 102)]);
    let mut scanner = Scanner::new(cam, ScanConfig::default());
    let p = scanner.live_preview().unwrap();
    assert_eq!(p.frame.width, 640);
    assert_eq!(p.frame.rgb.len(), (p.frame.width * p.frame.height * 3) as usize);
    let quad = p.quad.expect("page outline in preview coordinates");
    assert!(quad.0.iter().all(|&(x, y)| (0.0..640.0).contains(&x) && (0.0..480.0).contains(&y)));
    assert_eq!(p.issue, None);

    scanner.camera_mut().show(vec![scene(SceneKind::NoPage, 1)]);
    let p = scanner.live_preview().unwrap();
    assert_eq!((p.quad, p.issue), (None, Some(QualityIssue::NoPage)));
}

#[test]
fn works_as_the_kiosk_trait_object() {
    let mut boxed: Box<dyn DocumentScanner> = Box::new(Scanner::emulated());
    assert_eq!(boxed.status(), ScannerStatus::Ready);
    let page = boxed.capture().unwrap();
    assert!(page.height > page.width);
    assert!(boxed.preview().unwrap().width > 0);
}

#[test]
fn a_held_frame_is_served_until_taken_away() {
    let cam = EmulatedCamera::new(vec![scene(SceneKind::Good, 4)]).with_settle_frames(0);
    let link = cam.link();
    let mut scanner = Scanner::new(cam, ScanConfig::default());
    // A phone held under the camera: a plain dark frame, no page in it.
    link.hold(vec![image::RgbImage::from_pixel(W, H, image::Rgb([30, 30, 30]))]);
    let held = scanner.preview().unwrap();
    assert!(held.rgb.iter().all(|&c| c < 40), "the held frame is what the camera sees");
    assert!(matches!(scanner.capture_checked(), Err(ScannerError::Rejected(_))), "no page under the phone");
    link.take_away();
    assert!(scanner.preview().unwrap().rgb.iter().any(|&c| c > 200), "the camera's own page again");
    scanner.capture_checked().expect("the page is captured again");
}
