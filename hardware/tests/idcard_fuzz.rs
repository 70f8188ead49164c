//! Property/fuzz test of the SAM frame decoder (and the parsers behind it): random and
//! mutated inputs, fed in random pieces, must never panic, and valid frames around the
//! noise must still come out. Default: 20,000 cases; `IDCARD_FUZZ_CASES=1000000` for
//! the full run.

use kiosk_hardware::idcard::card::{encode_text, parse_card, CardSpec};
use kiosk_hardware::idcard::codec::{encode_request, encode_response, Decoder, Request, Response, Sw3, MAX_LEN};
use kiosk_hardware::idcard::driver::parse_read;

/// SplitMix64: small, deterministic, good enough to drive a fuzzer.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let spec = // The demo citizen (sample data).
    CardSpec::from_card(&kiosk_hardware::idcard::demo_card());
    let mut read = vec![0x01, 0x00, 0x04, 0x00];
    read.extend(encode_text(&spec).unwrap());
    read.extend([0x5Au8; 1024]);
    vec![
        encode_request(0x20, 0x01, &[]),
        encode_request(0x30, 0x01, &[]),
        encode_response(Sw3::FindOk, &[0; 4]),
        encode_response(Sw3::Ok, &[0; 8]),
        encode_response(Sw3::NoSuchItem, &[]),
        encode_response(Sw3::Ok, &read),
    ]
}

fn mutate(rng: &mut Rng, mut v: Vec<u8>) -> Vec<u8> {
    for _ in 0..=rng.below(4) {
        match rng.below(8) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.byte();
            }
            2 => v.truncate(rng.below(v.len() + 1)),
            3 => {
                let i = rng.below(v.len() + 1);
                let junk: Vec<u8> = (0..rng.below(32)).map(|_| rng.byte()).collect();
                v.splice(i..i, junk);
            }
            4 if v.len() > 7 => {
                // Lie about LEN.
                let len = rng.below(MAX_LEN + 200) as u16;
                v[5..7].copy_from_slice(&len.to_be_bytes());
            }
            5 => {
                let i = rng.below(v.len() + 1);
                v.splice(i..i, [0xAA, 0xAA, 0xAA, 0x96, 0x69]);
            }
            6 if !v.is_empty() => {
                let a = rng.below(v.len());
                let b = (a + rng.below(64)).min(v.len());
                let dup = v[a..b].to_vec();
                v.extend(dup);
            }
            _ => {
                let n = v.len();
                if n > 0 {
                    v.remove(rng.below(n));
                }
            }
        }
    }
    v
}

fn feed(rng: &mut Rng, dec: &mut Decoder, input: &[u8], frames: &mut usize) {
    let mut i = 0;
    while i < input.len() {
        let n = 1 + rng.below(300);
        let end = (i + n).min(input.len());
        dec.push(&input[i..end]);
        i = end;
        while let Some(r) = dec.next_frame() {
            if let Ok(f) = r {
                *frames += 1;
                // Whatever decodes must also go through the parsers without panicking.
                let _ = Request::from_frame(&f);
                if let Ok(resp) = Response::from_frame(&f) {
                    let _ = parse_read(&resp.data, false);
                    let _ = parse_read(&resp.data, true);
                    if resp.data.len() >= 260 {
                        let _ = parse_card(&resp.data[4..260], &[]);
                    }
                }
            }
        }
        // Bounded memory: never more than one max frame plus one push waiting.
        assert!(dec.pending() <= 7 + MAX_LEN + 300, "decoder holds {} bytes", dec.pending());
    }
}

#[test]
fn decoder_never_panics_on_random_and_mutated_input() {
    let cases: usize = std::env::var("IDCARD_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let seeds = seeds();
    let mut rng = Rng(0x1D_CA4D_5EED);
    let mut frames = 0usize;
    let mut bytes = 0usize;
    let start = std::time::Instant::now();
    for case in 0..cases {
        let input = match case % 4 {
            0 => (0..rng.below(2048)).map(|_| rng.byte()).collect(),
            1 => {
                // Noise biased towards preamble bytes.
                let alphabet = [0xAA, 0x96, 0x69, 0x00, 0x05, 0x08, 0x90, 0x9F];
                (0..rng.below(1024)).map(|_| alphabet[rng.below(alphabet.len())]).collect()
            }
            _ => {
                let mut v = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    let seed = seeds[rng.below(seeds.len())].clone();
                    v.extend(mutate(&mut rng, seed));
                }
                v
            }
        };
        bytes += input.len();
        let mut dec = Decoder::new();
        feed(&mut rng, &mut dec, &input, &mut frames);
        // Resync: a good frame after the noise must come out intact, given retries (a
        // false preamble in the noise can, by a 1/256 checksum coincidence, swallow a
        // copy, as it would on a real line; the driver then resends the command).
        let good = encode_response(Sw3::FindOk, &[1, 2, 3, 4]);
        let mut found = false;
        for _retry in 0..8 {
            dec.abandon_partial();
            dec.push(&good);
            for _ in 0..(input.len() + 64) {
                match dec.next_frame() {
                    Some(Ok(f)) if f.payload == [0, 0, 0x9F, 1, 2, 3, 4] => {
                        found = true;
                        break;
                    }
                    Some(_) => {}
                    None => break,
                }
            }
            if found {
                break;
            }
        }
        assert!(found, "case {case}: no resync");
    }
    eprintln!("idcard fuzz: {cases} cases, {bytes} bytes, {frames} valid frames decoded in {:.1?}", start.elapsed());
}
