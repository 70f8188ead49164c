//! The shipped catalog: all 21 bundles of 附件1, validation errors, merge and notice.

use kiosk::catalog::{Catalog, SEED_FILES};

#[test]
fn every_data_file_is_shipped_and_all_21_bundles_are_there() {
    let mut on_disk: Vec<String> = Vec::new();
    for dir in ["data/catalog", "data/catalog/bundles"] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                on_disk.push(p.display().to_string());
            }
        }
    }
    for f in &on_disk {
        assert!(SEED_FILES.iter().any(|(n, _)| n == f), "{f} is not in SEED_FILES");
    }
    let cat = Catalog::seed();
    assert_eq!(cat.bundles.len(), 21);
    assert!(cat.note.contains("SAMPLE"));
    let names: Vec<&str> = cat.bundles.iter().map(|b| b.name.trim_end_matches("“一件事”")).collect();
    for n in [
        "企业信息变更",
        "开办运输企业",
        "开办餐饮店",
        "水电气网联合报装",
        "信用修复",
        "企业上市合法合规信息核查",
        "企业破产信息核查",
        "企业注销登记",
        "新生儿出生",
        "教育入学",
        "社会保障卡居民服务",
        "残疾人服务",
        "退休",
        "企业迁移登记",
        "企业数据填报",
        "大件运输",
        "就医费用报销",
        "住房公积金个人住房贷款购房",
        "申请公租房",
        "退役军人服务",
        "留学服务",
    ] {
        assert!(names.contains(&n), "missing {n}");
    }
    // Sub-item counts from 附件1.
    let count = |id: &str| cat.bundle(id).unwrap().matters.len();
    assert_eq!(count("listing_check"), 18);
    assert_eq!(count("bankruptcy_check"), 10);
    assert_eq!(count("veterans"), 11);
    assert_eq!(count("retirement"), 9);
    // Shared matters are one matter, used by several bundles.
    let check = cat.matters.iter().find(|m| m.name == "企业营业执照信息核验").unwrap();
    assert!(cat.bundle("restaurant").unwrap().matters.contains(&check.code));
    assert!(cat.bundle("transport_company").unwrap().matters.contains(&check.code));
    // Commerce 下沉 matters exist as standalone matters with their own one-matter bundle.
    let oil = cat.matters.iter().find(|m| m.name.contains("成品油零售")).unwrap();
    assert_eq!(oil.department, "市商务局");
    assert!(cat.bundle(&format!("matter:{}", oil.code)).is_some());
}

#[test]
fn invalid_data_names_file_and_entry() {
    let (name, text) = SEED_FILES.iter().find(|(n, _)| n.ends_with("03_restaurant.json")).unwrap();
    let broken = text.replacen("\"key\": \"food_layout\"", "\"key\": \"no_such\"", 1);
    let parts = SEED_FILES.iter().map(|(n, t)| if n == name { (*n, broken.as_str()) } else { (*n, *t) });
    let err = Catalog::from_parts(parts).unwrap_err().to_string();
    assert!(err.contains("03_restaurant.json") && err.contains("食品经营许可") && err.contains("no_such"), "{err}");

    // A duplicate id names both files.
    let dup = SEED_FILES.iter().map(|(n, t)| (*n, *t)).chain([("extra.json", SEED_FILES[3].1)]);
    let err = Catalog::from_parts(dup).unwrap_err().to_string();
    assert!(err.contains("extra.json") && err.contains("duplicate") && err.contains("03_restaurant.json"), "{err}");

    // Broken JSON, missing version, bad time limits: errors, never panics.
    assert!(Catalog::parse("{", "x.json").unwrap_err().to_string().contains("x.json"));
    assert!(Catalog::parse("{}", "x.json").unwrap_err().to_string().contains("version"));
    let cat = Catalog::seed().to_json().replacen("\"promised_days\":1,", "\"promised_days\":999,", 1);
    assert!(Catalog::parse(&cat, "p.json").unwrap_err().to_string().contains("promised"));
}

#[test]
fn platform_document_round_trips() {
    let cat = Catalog::seed();
    let again = Catalog::parse(&cat.to_json(), "platform").unwrap();
    assert_eq!(again.bundles.len(), 21);
    assert_eq!(again.matters.len(), cat.matters.len());
    assert_eq!(again.search("xsecs", 1)[0].name, "新生儿出生“一件事”");
}

#[test]
fn merge_dedupes_by_canonical_key_and_partial_selection_shrinks_it() {
    let cat = Catalog::seed();
    let b = cat.bundle("restaurant").unwrap();
    let all = cat.merged_fields(&b.matters);
    let separate: usize = b.matters.iter().map(|c| cat.matter(c).unwrap().fields.len()).sum();
    assert!(all.len() < separate);
    assert_eq!(all.iter().filter(|f| f.key == "org.credit_code").count(), 1);
    assert_eq!(all.iter().find(|f| f.key == "org.credit_code").unwrap().used_by, 4);
    let mats = cat.merged_materials(&b.matters);
    assert_eq!(mats.iter().filter(|m| m.key == "premises_proof").count(), 1);
    assert!(mats.iter().find(|m| m.key == "business_license").unwrap().e_cert);
    // Only the fire check: fewer fields, fewer materials.
    let one = vec![b.matters[3].clone()];
    assert!(cat.merged_fields(&one).len() < all.len());
    assert!(cat.merged_materials(&one).iter().all(|m| m.key != "food_layout"));
}

#[test]
fn notice_is_complete_for_a_partial_bundle() {
    let cat = Catalog::seed();
    let b = cat.bundle("newborn").unwrap();
    let n = cat.notice("newborn", &b.default_selected).unwrap();
    assert_eq!(n.matters.len(), 5);
    assert!(n.matters.iter().all(|m| !m.legal_basis.is_empty() && !m.process.is_empty() && !m.phone.is_empty()));
    assert_eq!(n.promised_days, 10);
    assert!(n.materials.iter().any(|m| m.how.contains("电子证照")));
    assert!(n.materials.iter().any(|m| m.counts.contains("复印件")));
    assert!(cat.notice("nope", &[]).is_none());
}

#[test]
fn report_totals_cover_21_bundles_and_merging_saves() {
    let cat = Catalog::seed();
    let rows = kiosk::catalog::report::bundle_reports(&cat);
    assert_eq!(rows.len(), 21);
    for r in &rows {
        assert!(r.fields_merged <= r.fields_separate && r.materials_merged <= r.materials_separate, "{}", r.id);
        assert!(r.touches_merged <= r.touches_separate, "{}", r.id);
    }
    let md = kiosk::catalog::report::markdown(&cat);
    assert!(md.contains("**Total (21 bundles)**"));
}
