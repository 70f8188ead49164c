//! Writes the synthetic 高拍仪 scenes as PNGs, e.g. to feed v4l2loopback with ffmpeg:
//! `cargo run -p kiosk-hardware --example scanner_synth -- /tmp/synth 2592 1944`

use kiosk_hardware::scanner::synth::{bad_set, good_set};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "synth".into()));
    let w: u32 = args.next().and_then(|v| v.parse().ok()).unwrap_or(2592);
    let h: u32 = args.next().and_then(|v| v.parse().ok()).unwrap_or(1944);
    std::fs::create_dir_all(&dir)?;
    for scene in good_set().into_iter().chain(bad_set()) {
        let s = scene.render(w, h);
        let name = format!("{:?}-{}.png", scene.kind, scene.seed).to_lowercase();
        s.image.save(dir.join(&name))?;
        println!("{name}: corners {:?}", s.corners.map(|q| q.0));
    }
    Ok(())
}
