//! 手写: how long Zinnia takes to open the Simplified Chinese model and to classify the
//! strokes on the pad after each stroke (tests/data/strokes/, every prefix of every
//! character, as the pad asks). Target: under 50 ms per stroke. Prints figures.
//!
//! `cargo bench --bench handwriting`

use kiosk::handwriting::{parse_strokes, Recognizer, CANDIDATES, DEFAULT_MODEL};
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/strokes");
    let mut chars = Vec::new();
    for e in std::fs::read_dir(&dir).expect("tests/data/strokes") {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            chars.push(parse_strokes(&std::fs::read_to_string(&p).unwrap()).unwrap());
        }
    }
    let t = Instant::now();
    let rec = Recognizer::open(Path::new(DEFAULT_MODEL)).expect("the model (scripts/setup.sh)");
    println!("open {DEFAULT_MODEL}: {:.1} ms, {} characters", ms(t.elapsed()), rec.size());

    let mut times = Vec::new();
    for _ in 0..20 {
        for ink in &chars {
            for n in 1..=ink.len() {
                let t = Instant::now();
                let _ = rec.classify(&ink[..n], CANDIDATES);
                times.push(t.elapsed());
            }
        }
    }
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "classify after a stroke ({} characters, {} classifications, top {CANDIDATES}): \
         median {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        chars.len(),
        times.len(),
        ms(p(0.5)),
        ms(p(0.99)),
        ms(*times.last().unwrap())
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
