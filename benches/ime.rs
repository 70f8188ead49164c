//! 拼音 lookups as the citizen types: every keystroke of a set of addresses, names and
//! catalog terms (each prefix of their letters) is one lookup, the candidates and the
//! first page as the editor shows them. Prints the index's size, the time to open it,
//! the catalog terms' time, lookup p50/p99/max, and memory before and after.
//!
//! `cargo bench --bench ime` (release; the target is p99 ≤ 5 ms per keystroke).

use kiosk::catalog::Catalog;
use kiosk::ime;
use std::time::{Duration, Instant};

/// What is typed: addresses at the demo site, names, catalog terms, initials.
const TYPED: &[&str] = &[
    "xinxiangshihongqiqupingyuanlu",
    "xinxiangshiweibinqujiefanglu",
    "henanshengzhengzhoushijinshuiqu",
    "muyequ",
    "changyuanshi",
    "huixianshi",
    "shenfenzheng",
    "hunyinzhuangkuang",
    "reshileishipinzhishou",
    "qiyeqianyidengji",
    "zhangsan",
    "lvxiaoming",
    "xx",
    "sfz",
    "yy",
    "zzz",
    "xinx",
    "weibinqu",
    "jianshelu",
    "renminlu",
];
const ROUNDS: usize = 20;

fn status(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
}

fn mem() -> String {
    format!("RSS {} kB (anon {} kB, file {} kB)", status("VmRSS:"), status("RssAnon:"), status("RssFile:"))
}

fn main() {
    println!("ime: index {} bytes in the binary; {}", ime::index_bytes(), ime::STATS.trim());
    println!("before: {}", mem());
    let t = Instant::now();
    ime::warm();
    println!("open the index: {:?}; {}", t.elapsed(), mem());
    ime::set_site("新乡市政务服务中心", "建设银行平原路支行");
    let cat = Catalog::seed();
    println!("sample catalog loaded: {}", mem());
    let t = Instant::now();
    let terms = ime::Terms::of(&cat);
    println!("catalog terms: {} keys in {:?}", terms.len(), t.elapsed());
    // The first lookup also keeps the catalog's terms for the next ones.
    let t = Instant::now();
    let _ = ime::candidates("x", &cat);
    println!("first lookup (with the terms): {:?}; {}", t.elapsed(), mem());

    let mut times: Vec<Duration> = Vec::new();
    let mut worst = (Duration::ZERO, "");
    for _ in 0..ROUNDS {
        for word in TYPED {
            for n in 1..=word.len() {
                let typed = &word[..n];
                let t = Instant::now();
                let (page, _) = ime::page(typed, 0, false, &cat);
                let e = t.elapsed();
                std::hint::black_box(page);
                if e > worst.0 {
                    worst = (e, typed);
                }
                times.push(e);
            }
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "lookup per keystroke ({} lookups): p50 {:?}  p90 {:?}  p99 {:?}  max {:?} (\"{}\")",
        times.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        worst.0,
        worst.1
    );
    println!("after: {}", mem());
    let top = ime::page("xinxiangshihongqiqupingyuanlu", 0, false, &cat).0;
    println!("xinxiangshihongqiqupingyuanlu → {}", top.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(" "));
    assert!(at(0.99) <= Duration::from_millis(5), "p99 over 5 ms");
}
