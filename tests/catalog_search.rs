//! Search by name, keywords and pinyin, ranked.

use kiosk::catalog::search::Target;
use kiosk::catalog::Catalog;

fn top(cat: &Catalog, q: &str) -> String {
    cat.search(q, 5).first().map(|h| h.name.clone()).unwrap_or_default()
}

#[test]
fn initials_full_pinyin_name_and_keywords() {
    let cat = Catalog::seed();
    assert_eq!(top(&cat, "xsecs"), "新生儿出生“一件事”");
    assert_eq!(top(&cat, "XSE"), "新生儿出生“一件事”");
    assert_eq!(top(&cat, "canyin"), "开办餐饮店“一件事”");
    assert_eq!(top(&cat, "餐饮"), "开办餐饮店“一件事”");
    // A keyword (colloquial word) finds the bundle.
    assert_eq!(top(&cat, "饭店"), "开办餐饮店“一件事”");
    // A standalone commerce matter.
    assert!(top(&cat, "cpy").contains("成品油"), "{}", top(&cat, "cpy"));
    assert!(cat.search("", 5).is_empty());
    assert!(cat.search("qqqqqq", 5).is_empty());
}

#[test]
fn ranking_prefers_name_prefix_then_bundles_then_shorter() {
    let cat = Catalog::seed();
    let hits = cat.search("tx", 8);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    // "tx" is the start of 退休 (initials): the bundle comes before matters that contain it later.
    assert_eq!(hits[0].name, "退休“一件事”");
    assert!(matches!(hits[0].target, Target::Bundle(_)));
    // A matter hit opens the bundle it belongs to.
    let hit = cat.search("dlysz", 1);
    assert_eq!(hit.len(), 1, "道路运输证 by initials");
    assert_eq!(cat.start_id(&hit[0].target).as_deref(), Some("transport_company"));
}
