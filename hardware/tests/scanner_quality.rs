//! Quality checks: bad synthetic frames are refused for the right reason, good ones pass.

use image::{Rgb, RgbImage};
use kiosk_hardware::scanner::synth::{bad_set, Scene, SceneKind};
use kiosk_hardware::scanner::{process_frame, QualityIssue, ScanConfig, ScannerError};

const W: u32 = 960;
const H: u32 = 720;

fn expected(kind: SceneKind) -> QualityIssue {
    match kind {
        SceneKind::Blurred => QualityIssue::Blurred,
        SceneKind::Dark => QualityIssue::TooDark,
        SceneKind::NoPage => QualityIssue::NoPage,
        SceneKind::CutOff => QualityIssue::CutOff,
        other => panic!("{other:?} is not a bad scene"),
    }
}

#[test]
fn bad_frames_are_rejected_with_the_right_reason() {
    let cfg = ScanConfig::default();
    for scene in bad_set() {
        let frame = scene.render(W, H).image;
        match process_frame(&frame, &cfg) {
            Err(ScannerError::Rejected(issue)) => assert_eq!(issue, expected(scene.kind), "{scene:?}"),
            other => panic!("{scene:?}: expected a rejection, got {other:?}"),
        }
    }
}

#[test]
fn rotated_and_tilted_pages_are_accepted() {
    let cfg = ScanConfig::default();
    for scene in [
        Scene { kind: SceneKind::Good, seed: 7 },
        Scene { kind: SceneKind::Rotated, seed: 101 },
        Scene { kind: SceneKind::Perspective, seed: 203 },
    ] {
        let page = process_frame(&scene.render(W, H).image, &cfg).unwrap_or_else(|e| panic!("{scene:?}: {e}"));
        assert!(page.height > page.width, "{scene:?}: page should be upright portrait");
        assert!(page.jpeg.len() <= cfg.jpeg_limit);
        assert_eq!(&page.jpeg[..2], &[0xFF, 0xD8]);
    }
}

#[test]
fn every_reason_has_a_retake_message_in_both_languages() {
    for issue in [QualityIssue::TooDark, QualityIssue::Blurred, QualityIssue::NoPage, QualityIssue::CutOff] {
        assert!(issue.message_zh().contains("重拍"), "{issue:?}");
        assert!(issue.message_en().contains("retake"), "{issue:?}");
        let err = ScannerError::Rejected(issue);
        assert_eq!(err.quality_issue(), Some(issue));
        assert!(err.to_string().contains(issue.message_zh()));
    }
}

#[test]
fn odd_frames_are_refused_not_panicked_on() {
    let cfg = ScanConfig::default();
    let frames = [
        RgbImage::new(0, 0),
        RgbImage::new(1, 1),
        RgbImage::new(3, 2000),
        RgbImage::from_pixel(640, 480, Rgb([255, 255, 255])),
        RgbImage::from_pixel(640, 480, Rgb([0, 0, 0])),
        RgbImage::from_fn(640, 480, |x, y| Rgb([((x * 7919 + y * 104729) % 251) as u8; 3])),
    ];
    for f in frames {
        let r = process_frame(&f, &cfg);
        assert!(matches!(r, Err(ScannerError::Rejected(_))), "{}x{}: {r:?}", f.width(), f.height());
    }
}
