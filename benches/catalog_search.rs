//! Search latency per keystroke over 10,000 synthetic matters (plus the shipped
//! catalog). Plain harness: prints p50 / p99. Target: p99 <= 2 ms per keystroke.
//!   cargo bench --bench catalog_search

use kiosk::catalog::search::{Index, Target};
use kiosk::catalog::Catalog;
use std::time::Instant;

const N: usize = 10_000;

fn synthetic() -> Vec<(String, Vec<String>)> {
    // Names built from real service words, so pinyin tables and lengths are realistic.
    let verbs = ["办理", "申请", "登记", "变更", "注销", "备案", "核验", "查询", "补办", "审批", "认定", "确认"];
    let objects = [
        "营业执照",
        "食品经营许可",
        "道路运输证",
        "社会保障卡",
        "居住证",
        "残疾人证",
        "住房公积金",
        "医疗保险",
        "养老保险",
        "户口",
        "出生医学证明",
        "不动产权证书",
        "排水许可",
        "建设工程规划许可",
        "施工许可",
        "消防检查",
        "税务登记",
        "印章",
        "银行账户",
        "出入境记录",
        "学历学位认证",
        "低保",
        "临时救助",
        "护理补贴",
    ];
    let who = ["个人", "企业", "个体工商户", "农民专业合作社", "外商投资企业", "社会组织", "退役军人", "老年人"];
    let mut out = Vec::with_capacity(N);
    let mut x: u64 = 0x2545F4914F6CDD1D;
    for i in 0..N {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let pick = |n: usize, s: u64| (s % n as u64) as usize;
        let name = format!(
            "{}{}{}（第{}类）",
            who[pick(who.len(), x)],
            objects[pick(objects.len(), x >> 8)],
            verbs[pick(verbs.len(), x >> 16)],
            i % 97
        );
        out.push((name, vec![objects[pick(objects.len(), x >> 24)].to_string()]));
    }
    out
}

fn main() {
    let cat = Catalog::seed();
    let syn = synthetic();
    let t = Instant::now();
    let items = cat
        .bundles
        .iter()
        .enumerate()
        .map(|(i, b)| (Target::Bundle(i), b.name.as_str(), &b.keywords[..]))
        .chain(cat.matters.iter().enumerate().map(|(i, m)| (Target::Matter(i), m.name.as_str(), &m.keywords[..])))
        .chain(syn.iter().enumerate().map(|(i, (n, k))| (Target::Matter(10_000 + i), n.as_str(), &k[..])));
    let index = Index::from_items(items);
    println!("index: {} entries built in {:.1} ms", index.len(), t.elapsed().as_secs_f64() * 1e3);

    // Every prefix of each query is one keystroke; each is timed in 20 rounds (the
    // first is a warm-up). Raw samples include the VM being descheduled (steal),
    // which shows as 10-25 ms stalls on any keystroke; the median of a keystroke's
    // rounds is its cost, and the p99 over keystrokes is the figure to hold to 2 ms.
    let queries = ["xsecs", "canyin", "shbzk", "yyzz", "gongjijin", "zhuxiao", "餐饮", "退役军人", "qyxxbg", "zzz"];
    let mut keystrokes: Vec<(String, usize, Vec<f64>)> = Vec::new();
    for q in queries {
        let chars: Vec<char> = q.chars().collect();
        for n in 1..=chars.len() {
            keystrokes.push((chars[..n].iter().collect(), n, Vec::new()));
        }
    }
    for round in 0..20 {
        for (prefix, _, times) in keystrokes.iter_mut() {
            let t = Instant::now();
            let hits = index.search(prefix, 8);
            let dt = t.elapsed();
            std::hint::black_box(&hits);
            if round > 0 {
                times.push(dt.as_secs_f64() * 1e3);
            }
        }
    }
    let pct = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() - 1) as f64 * q) as usize]
    };
    let mut raw: Vec<f64> = keystrokes.iter().flat_map(|k| k.2.iter().copied()).collect();
    let count = keystrokes.len();
    let mut per_key: Vec<(f64, &str, usize)> =
        keystrokes.iter_mut().map(|(p, n, t)| (pct(t, 0.5), p.as_str(), *n)).collect();
    let mut medians: Vec<f64> = per_key.iter().map(|k| k.0).collect();
    println!(
        "search per keystroke over {} entries ({} keystrokes x 19 rounds): median of rounds p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        index.len(),
        count,
        pct(&mut medians, 0.5),
        pct(&mut medians, 0.99),
        pct(&mut medians, 1.0),
    );
    println!(
        "  raw samples: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} samples)",
        pct(&mut raw, 0.5),
        pct(&mut raw, 0.99),
        pct(&mut raw, 1.0),
        raw.len()
    );
    for len in 1..=6 {
        let mut v: Vec<f64> = per_key.iter().filter(|k| k.2.min(6) == len).map(|k| k.0).collect();
        if !v.is_empty() {
            println!("  {len} key(s): median {:.3} ms, max {:.3} ms", pct(&mut v, 0.5), pct(&mut v, 1.0));
        }
    }
    per_key.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slow: Vec<String> = per_key.iter().take(5).map(|(ms, q, _)| format!("{q} {ms:.2} ms")).collect();
    println!("  slowest keystrokes: {}", slow.join(", "));
    let top = index.search("xsecs", 1);
    println!("xsecs -> {}", top.first().map_or("", |h| h.name.as_str()));
}
