//! Benchmark: decode + parse of one 1,295-byte `30 01` answer (text + WLT photo).
//! Plain program (harness = false): `cargo bench -p kiosk-hardware --bench idcard_codec`.

use kiosk_hardware::idcard::card::{encode_text, CardSpec};
use kiosk_hardware::idcard::codec::{encode_response, Decoder, Response, Sw3};
use kiosk_hardware::idcard::driver::parse_read;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let spec = // The demo citizen (sample data).
    CardSpec::from_card(&kiosk_hardware::idcard::demo_card());
    let mut data = vec![0x01, 0x00, 0x04, 0x00];
    data.extend(encode_text(&spec).unwrap());
    data.extend((0..1024u32).map(|i| (i * 7) as u8));
    let frame = encode_response(Sw3::Ok, &data);
    assert_eq!(frame.len(), 1295);

    let mut dec = Decoder::new();
    let run = |dec: &mut Decoder, n: usize| {
        for _ in 0..n {
            dec.push(black_box(&frame));
            let f = dec.next_frame().unwrap().unwrap();
            let r = Response::from_frame(&f).unwrap();
            let card = parse_read(&r.data, false).unwrap();
            black_box(&card);
        }
    };
    run(&mut dec, 2_000); // warm-up
    for (label, chunks) in [("whole frame per push", 1usize), ("frame split in 64-byte reads", 64)] {
        let n = 50_000;
        let t = Instant::now();
        if chunks == 1 {
            run(&mut dec, n);
        } else {
            for _ in 0..n {
                let mut card = None;
                for piece in frame.chunks(chunks) {
                    dec.push(black_box(piece));
                    if let Some(f) = dec.next_frame() {
                        let r = Response::from_frame(&f.unwrap()).unwrap();
                        card = Some(parse_read(&r.data, false).unwrap());
                    }
                }
                black_box(card.unwrap());
            }
        }
        let per = t.elapsed() / n as u32;
        let mbps = 1295.0 / per.as_secs_f64() / 1e6;
        println!("idcard decode+parse (1295-byte frame, {label}): {per:?} per frame, {mbps:.0} MB/s ({n} runs)");
    }
}
