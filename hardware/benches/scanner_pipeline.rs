//! Capture → processed JPEG for a 5 MP 高拍仪 frame, plus detection accuracy over the
//! synthetic set at that size. Plain harness: `cargo bench -p kiosk-hardware --bench scanner_pipeline`.

use std::time::{Duration, Instant};

use kiosk_hardware::scanner::process::{detect, rectify, thumbnail, Detection, Quad};
use kiosk_hardware::scanner::quality::{check_frame, check_page};
use kiosk_hardware::scanner::synth::{bad_set, good_set, Scene, SceneKind};
use kiosk_hardware::scanner::{encode_jpeg_limited, process_frame, ScanConfig, ScannerError};

const W: u32 = 2592;
const H: u32 = 1944;
const RUNS: u32 = 5;

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let cfg = ScanConfig::default();
    let frame = Scene { kind: SceneKind::Good, seed: 3 }.render(W, H).image;
    // What the camera delivers: an MJPG frame.
    let mut mjpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut mjpg, 90).encode_image(&frame).expect("encode");
    println!("5 MP frame {W}x{H}, MJPG {} KB", mjpg.len() / 1024);

    let mut totals = Vec::new();
    let mut parts = [Duration::ZERO; 5];
    let mut out_size = (0, 0, 0);
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let (rgb, d_dec) = time(|| image::load_from_memory(&mjpg).expect("decode").into_rgb8());
        let (quad, d_det) = time(|| check_frame(&rgb, &cfg.quality).expect("page"));
        let (page, d_rect) = time(|| rectify(&rgb, &quad, cfg.max_long_side).expect("rectify"));
        let (ok, d_q) = time(|| check_page(&page, &cfg.quality));
        ok.expect("sharp");
        let (jpeg, d_enc) = time(|| encode_jpeg_limited(&page, cfg.jpeg_limit).expect("jpeg"));
        totals.push(t0.elapsed());
        for (p, d) in parts.iter_mut().zip([d_dec, d_det, d_rect, d_q, d_enc]) {
            *p += d;
        }
        out_size = (jpeg.width, jpeg.height, jpeg.jpeg.len());
    }
    totals.sort();
    let mean = totals.iter().sum::<Duration>() / RUNS;
    println!(
        "capture → processed JPEG: mean {:.1} ms, min {:.1} ms over {RUNS} runs (page {}x{}, {} KB)",
        ms(mean),
        ms(totals[0]),
        out_size.0,
        out_size.1,
        out_size.2 / 1024
    );
    let names = ["MJPG decode", "find page (+dark/cut-off)", "rectify", "blur check", "JPEG ≤ limit"];
    for (n, p) in names.iter().zip(parts) {
        println!("  {n:<26} {:>7.1} ms", ms(p / RUNS));
    }

    // Detection accuracy at 5 MP.
    let diag = ((W * W + H * H) as f32).sqrt();
    let mut errs = Vec::new();
    for scene in good_set() {
        let s = scene.render(W, H);
        let truth = Quad::ordered(s.corners.expect("page").0);
        match detect(&thumbnail(&s.image, cfg.quality.detect.analysis_size), &cfg.quality.detect) {
            Detection::Page(q) => errs.push(q.max_corner_error(&truth) / diag * 100.0),
            other => println!("  MISSED {scene:?}: {other:?}"),
        }
    }
    let n = errs.len();
    let mean = errs.iter().sum::<f32>() / n.max(1) as f32;
    let max = errs.iter().copied().fold(0.0, f32::max);
    println!(
        "detection at {W}x{H}: {n}/{} pages found, corner error mean {mean:.3}% max {max:.3}% of diagonal",
        good_set().len()
    );

    let mut right = 0;
    let bad = bad_set();
    for scene in &bad {
        let r = process_frame(&scene.render(W, H).image, &cfg);
        let got = match &r {
            Err(ScannerError::Rejected(q)) => format!("{q:?}"),
            other => format!("{other:?}"),
        };
        let want = match scene.kind {
            SceneKind::Dark => "TooDark",
            SceneKind::Blurred => "Blurred",
            SceneKind::NoPage => "NoPage",
            _ => "CutOff",
        };
        if got == want {
            right += 1;
        } else {
            println!("  WRONG {scene:?}: {got}");
        }
    }
    println!("bad frames rejected for the right reason at {W}x{H}: {right}/{}", bad.len());
}
