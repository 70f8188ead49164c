//! Benchmark: end-to-end card read (find → select → read 30 01 → 30 03) by the real
//! driver against the emulator over a pty at 115200 8N1.
//!
//! A pty does not throttle to the baud rate, so the run is done twice: unpaced (what
//! the pty gives) and with the emulator pacing its answers to 10 bit times per byte at
//! 115200 (our emulation of the line; the driver's 10-byte requests are not paced).
//! The floor for the 1,295-byte 30 01 answer alone is 1295 × 10 / 115200 = 112.4 ms.

use kiosk_hardware::idcard::{CardSpec, Emulator, EmulatorConfig, Fault, IdCardReader};
use std::time::{Duration, Instant};

fn main() {
    let dir = std::env::temp_dir().join(format!("idcard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = CardSpec {
        extra_address: Some("河南省新乡市牧野区人民路2号".into()),
        ..CardSpec::from_card(&kiosk_hardware::idcard::demo_card())
    };
    let emu = Emulator::start(EmulatorConfig { link: Some(dir.join("idcard")), sticky: true, ..Default::default() })
        .expect("emulator");
    let mut cfg = emu.reader_config();
    cfg.read_timeout_ms = 2000;
    let mut reader = kiosk_hardware::idcard::SamReader::new(cfg);
    assert!(reader.poll().unwrap().is_none());
    // Wire bytes of one read: 4 requests × 10 + find 15 + select 19 + read 1295 + 30 03 81.
    let wire = 40 + 15 + 19 + 1295 + 81;
    let floor_all = wire as f64 * 10.0 / 115_200.0 * 1e3;
    println!("floor at 115200 8N1: 30 01 answer 112.4 ms; whole exchange ({wire} bytes) {floor_all:.1} ms");
    for (label, pace, n) in [("pty, unpaced", None, 300usize), ("pty, paced to 115200", Some(115_200), 20)] {
        emu.set_pacing(pace);
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            // Card leaves (find fails once), then a fresh card is placed.
            emu.inject(Fault::NoCard);
            assert!(reader.poll().unwrap().is_none());
            emu.place(&spec).unwrap();
            let t = Instant::now();
            let card = reader.poll().unwrap().expect("card");
            times.push(t.elapsed());
            assert!(card.extra_address.is_some());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / n as f64;
        println!(
            "idcard end-to-end read ({label}, {n} reads): median {:.2} ms, p95 {:.2} ms, min {:.2} ms, \
             mean {mean:.2} ms; median vs floors: {:+.2} ms over the whole exchange, {:.2}x the 30 01 answer",
            ms(times[n / 2]),
            ms(times[n * 95 / 100]),
            ms(times[0]),
            ms(times[n / 2]) - floor_all,
            ms(times[n / 2]) / 112.4
        );
    }
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}
