//! Page detection against synthetic frames of known homography.
//! `cargo test -p kiosk-hardware --test scanner_detect -- --nocapture` prints the accuracy.

use kiosk_hardware::scanner::process::{detect, rectify, thumbnail, DetectConfig, Detection, Quad};
use kiosk_hardware::scanner::synth::{good_set, SceneKind};

const W: u32 = 960;
const H: u32 = 720;

#[test]
fn page_corners_within_two_percent_of_diagonal() {
    let diag = ((W * W + H * H) as f32).sqrt();
    let cfg = DetectConfig::default();
    let mut errors = Vec::new();
    for scene in good_set() {
        let s = scene.render(W, H);
        let truth = Quad::ordered(s.corners.expect("good scenes have a page").0);
        let found = match detect(&thumbnail(&s.image, cfg.analysis_size), &cfg) {
            Detection::Page(q) => q,
            other => panic!("{scene:?}: expected a page, got {other:?}"),
        };
        let err = found.max_corner_error(&truth) / diag * 100.0;
        assert!(err <= 2.0, "{scene:?}: corner error {err:.2}% of diagonal");
        errors.push((scene.kind, err));
    }
    let mean = errors.iter().map(|e| e.1).sum::<f32>() / errors.len() as f32;
    let max = errors.iter().map(|e| e.1).fold(0.0, f32::max);
    eprintln!("detection over {} synthetic pages at {W}x{H}: mean {mean:.3}%, max {max:.3}% of diagonal", errors.len());
    for kind in [SceneKind::Good, SceneKind::Rotated, SceneKind::Perspective] {
        let k: Vec<f32> = errors.iter().filter(|e| e.0 == kind).map(|e| e.1).collect();
        eprintln!("  {kind:?}: n={} max {:.3}%", k.len(), k.iter().fold(0.0f32, |a, b| a.max(*b)));
    }
}

#[test]
fn rectified_page_is_upright_a4() {
    let scene = good_set()[0];
    let s = scene.render(W, H);
    let quad = match detect(&thumbnail(&s.image, 512), &DetectConfig::default()) {
        Detection::Page(q) => q,
        other => panic!("expected a page, got {other:?}"),
    };
    let page = rectify(&s.image, &quad, 1754).expect("quad is not degenerate");
    let aspect = page.height() as f32 / page.width() as f32;
    assert!((aspect - std::f32::consts::SQRT_2).abs() < 0.05, "aspect {aspect}");
    // Paper all round the border: no desk left in the crop.
    let (w, h) = page.dimensions();
    let border = [(w / 2, 3), (w / 2, h - 4), (3, h / 2), (w - 4, h / 2)];
    for (x, y) in border {
        let p = page.get_pixel(x, y).0;
        assert!(p.iter().all(|c| *c > 200), "desk at ({x},{y}): {p:?}");
    }
}
