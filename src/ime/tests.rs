use super::*;

/// The demo terminal's site (kiosk.example.toml).
fn xinxiang() -> Context {
    Context::for_site(&["新乡市政务服务中心", "建设银行平原路支行"])
}

fn texts(typed: &str, ctx: &Context) -> Vec<String> {
    lexicon().candidates(typed, ctx).into_iter().map(|c| c.text).collect()
}

fn first_page(typed: &str, ctx: &Context) -> Vec<Candidate> {
    let all = lexicon().candidates(typed, ctx);
    let (a, b) = pages(&all, false)[0];
    all[a..b].to_vec()
}

#[test]
fn whole_words_come_first() {
    let ctx = xinxiang();
    assert_eq!(texts("xinxiang", &ctx)[0], "新乡");
    assert_eq!(texts("shenfenzheng", &ctx)[0], "身份证");
    assert_eq!(texts("hunyin", &ctx)[0], "婚姻");
    // A whole word spells every letter; single characters for the first syllable follow.
    let c = lexicon().candidates("hunyin", &ctx);
    assert_eq!(c[0].consumed, 6);
    assert!(c.iter().any(|c| c.text == "婚" && c.consumed == 3));
}

#[test]
fn the_sites_city_and_district_rank_first() {
    // Plain frequency puts 心想 first …
    let plain = texts("xinxiang", &Context::default());
    let pos = |v: &[String], w: &str| v.iter().position(|x| x == w).unwrap();
    assert!(pos(&plain, "心想") < pos(&plain, "新乡"), "{plain:?}");
    // … the terminal in 新乡 puts its city first, and its districts before their homophones.
    let b = site_boosts(&["新乡市政务服务中心", "建设银行平原路支行"]);
    assert_eq!((b["新乡市"], b["新乡"]), (SITE_BOOST, SITE_BOOST));
    assert_eq!((b["红旗区"], b["卫滨"]), (LOCAL_BOOST, LOCAL_BOOST));
    assert!(!b.contains_key("郑州市") && !b.contains_key("中原区"));
    // A centre named after its district: the district and the city above it first.
    let d = site_boosts(&["红旗区政务服务中心", "x"]);
    assert_eq!((d["红旗区"], d["新乡市"], d.get("卫滨区")), (SITE_BOOST, SITE_BOOST, None));
    // Elsewhere, 新乡 is an ordinary place.
    assert!(!site_boosts(&["郑州市政务服务中心", "y"]).contains_key("新乡"));
}

#[test]
fn initials_match_too() {
    let ctx = xinxiang();
    assert_eq!(texts("xx", &ctx)[0], "新乡");
    assert!(first_page("sfz", &ctx).iter().any(|c| c.text == "身份证"));
    // Initials mixed with whole syllables, and a last syllable only begun.
    assert_eq!(texts("xinx", &ctx)[0], "新乡");
    assert_eq!(texts("xinxia", &ctx)[0], "新乡");
    assert_eq!(texts("zh", &ctx).len(), MAX_CANDIDATES);
}

#[test]
fn syllables_are_segmented_and_the_rest_stays() {
    let l = lexicon();
    assert_eq!(l.segment(b"weibinqu"), Some(vec![0, 3, 6, 8]));
    assert_eq!(l.segment(b"xian"), Some(vec![0, 4]));
    assert_eq!(l.segment(b"xx"), Some(vec![0, 1, 2]));
    let ctx = xinxiang();
    let c = l.candidates("weibinqu", &ctx);
    assert_eq!((c[0].text.as_str(), c[0].consumed), ("卫滨区", 8));
    let weibin = c.iter().find(|c| c.text == "卫滨").expect("卫滨 spells the first two syllables");
    assert_eq!(weibin.consumed, 6);
    // Picking 卫滨 leaves "qu", which offers 区 on its first page.
    assert!(first_page(&"weibinqu"[weibin.consumed..], &ctx).iter().any(|c| c.text == "区"));
    // No one word spells it all: the likeliest sentence comes first.
    let s = l.candidates("xinxiangshihongqiqupingyuanlu", &ctx);
    assert_eq!((s[0].text.as_str(), s[0].consumed), ("新乡市红旗区平原路", 29));
    assert_eq!(s[1].text, "新乡市", "then the longest word from the start");
}

#[test]
fn readings_usual_first_and_u_umlaut_as_v() {
    let ctx = Context::default();
    let lu = texts("lu", &ctx);
    let pos = |v: &[String], w: &str| v.iter().position(|x| x == w).unwrap();
    assert!(pos(&lu, "路") < pos(&lu, "潞"));
    assert!(texts("chang", &ctx).contains(&"长".into()) && texts("zhang", &ctx).contains(&"长".into()));
    assert!(texts("lv", &ctx).contains(&"绿".into()) && texts("nv", &ctx)[0] == "女");
    // A polyphonic character in a word: found under its other reading too.
    assert_eq!(texts("yinhang", &ctx)[0], "银行");
    assert_eq!(texts("chongqing", &ctx)[0], "重庆");
    // A character read the unusual way comes after those usually read so.
    let xin = texts("xin", &ctx);
    assert!(pos(&xin, "新") < pos(&xin, "款"));
}

#[test]
fn bad_input_is_refused_not_a_panic() {
    for bad in ["xv", "xinxiangi", "i", "u", "v", "XIN", "xin1", "新", ""] {
        assert!(!accepts(bad), "{bad}");
        assert!(lexicon().candidates(bad, &xinxiang()).is_empty(), "{bad}");
    }
    assert!(accepts("zx") && accepts("qq") && accepts("lv"));
    let long = "a".repeat(MAX_TYPED + 1);
    assert!(!accepts(&long) && lexicon().candidates(&long, &xinxiang()).is_empty());
    assert!(accepts(&"xin".repeat(MAX_TYPED / 3)));
    assert!(!lexicon().candidates(&"ang".repeat(MAX_TYPED / 3), &xinxiang()).is_empty());
}

#[test]
fn catalog_terms_are_in_the_index() {
    let cat = Catalog::seed();
    let terms = Terms::of(&cat);
    assert!(terms.len() > 100, "{}", terms.len());
    let ctx = Context { boosts: Arc::new(HashMap::new()), terms: Some(Arc::new(terms)) };
    // An option value, a field label, a matter name: each one pick.
    assert_eq!(texts("reshileishipinzhishou", &ctx)[0], "热食类食品制售");
    assert_eq!(texts("qianrudizhusuo", &ctx)[0], "迁入地住所");
    assert_eq!(texts("qiyeqianyidengji", &ctx)[0], "企业迁移登记");
}

#[test]
fn pages_fit_the_candidate_row() {
    let all = lexicon().candidates("x", &xinxiang());
    for elder in [false, true] {
        let p = pages(&all, elder);
        assert_eq!(p.first().map(|x| x.0), Some(0));
        assert_eq!(p.last().map(|x| x.1), Some(all.len()));
        for w in p.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        for &(a, b) in &p {
            assert!(b - a <= PAGE_MAX);
            let width: u32 = all[a..b].iter().map(|c| button_px(&c.text, elder)).sum();
            assert!(width <= ROW_PX, "{width}");
        }
    }
    // Single characters: 7 a page; 长者版 fits 6.
    assert_eq!(pages(&all, false)[0], (0, 7));
    assert_eq!(pages(&all, true)[0], (0, 6));
    // Longer words take more room.
    let words = lexicon().candidates("xx", &xinxiang());
    assert!(pages(&words, false)[0].1 < 7);
}

#[test]
fn the_index_is_compact() {
    // Built into the binary and read in place: a few MB at most, never a copy of the
    // 5 MB dictionary.
    assert!(index_bytes() < 4 << 20, "{}", index_bytes());
    assert!(STATS.contains("words kept"), "{STATS}");
}

/// Touches to enter `plan` (letters, then the word to pick among the candidates) on
/// the editor: a key per letter, a page turn per page passed, a pick.
fn touches(plan: &[(&str, &str)], ctx: &Context) -> usize {
    let mut typed = String::new();
    let mut n = 0;
    for (letters, word) in plan {
        typed.push_str(letters);
        n += letters.len();
        let all = lexicon().candidates(&typed, ctx);
        let at = all.iter().position(|c| c.text == *word).unwrap_or_else(|| panic!("{word} for {typed}"));
        let page = pages(&all, false).iter().position(|&(a, b)| (a..b).contains(&at)).unwrap();
        n += page + 1;
        typed.drain(..all[at].consumed);
    }
    assert!(typed.is_empty(), "{typed} left");
    n
}

#[test]
fn an_address_takes_fewer_touches_by_words() {
    let ctx = xinxiang();
    let chars = [
        ("xin", "新"),
        ("xiang", "乡"),
        ("shi", "市"),
        ("hong", "红"),
        ("qi", "旗"),
        ("qu", "区"),
        ("ping", "平"),
        ("yuan", "原"),
        ("lu", "路"),
    ];
    let by_chars = touches(&chars, &ctx);
    let by_words = touches(&[("xinxiangshi", "新乡市"), ("hongqiqu", "红旗区"), ("pingyuanlu", "平原路")], &ctx);
    let at_once = touches(&[("xinxiangshihongqiqupingyuanlu", "新乡市红旗区平原路")], &ctx);
    let initials = touches(&[("xxs", "新乡市"), ("hqq", "红旗区"), ("py", "平原"), ("lu", "路")], &ctx);
    println!("新乡市红旗区平原路: {by_chars} touches by characters, {by_words} by words, {at_once} at once, {initials} by initials");
    assert!(by_words < by_chars && at_once <= by_words && initials < by_words);
}
