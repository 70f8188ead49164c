//! The documents the terminal prints, built from journey data as device-independent
//! `Document`s (the printer driver turns them into ESC/POS).

use crate::catalog::Catalog;
use crate::journey::{Delivery, ReceiptData};
use kiosk_hardware::printer::{Align, Document};

pub mod testpage;

/// The terminal's site facts and policy numbers, from config (`[terminal]`).
pub struct Site<'a> {
    pub terminal_id: &'a str,
    /// "centre · branch".
    pub site: &'a str,
    pub help_phone: &'a str,
    pub progress_url: &'a str,
    /// The online service app (豫事办).
    pub online_app: &'a str,
    /// Working days to bring a deferred material.
    pub deferral_days: u32,
}

pub fn progress_url(base: &str, local_no: &str) -> String {
    format!("{base}?no={local_no}")
}

/// "2026-12-04" as paper says it: 2026年12月04日 (unchanged if not a date).
pub fn date_zh(ymd: &str) -> String {
    match ymd.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] => format!("{y}年{m}月{d}日"),
        _ => ymd.to_string(),
    }
}

/// A QR code and, under it, one line saying what it is for.
fn captioned_qr(doc: Document, data: &str, caption: &str) -> Document {
    doc.qr(data).styled(caption, 1, Align::Center, false)
}

/// 收件回执.
/// `due` is the 容缺 deadline as paper says it (2026年12月04日).
pub fn intake_receipt(d: &ReceiptData, site: &Site, now: &str, due: &str) -> Document {
    let mut doc = Document::new()
        .title("收件回执")
        .styled("政务服务自助终端", 1, Align::Center, false)
        .rule()
        .styled(&format!("收件编号：{}", d.local_no), 1, Align::Left, true)
        .text(&format!("申请人：{}", d.name_masked))
        .text(&format!("办理事项：{}", d.bundle_name));
    for (i, m) in d.matters.iter().enumerate() {
        doc = doc.text(&format!("  {}. {}", i + 1, m));
    }
    doc = doc.text(&format!("提交时间：{now}")).text(&format!("承诺时限：{} 个工作日内", d.promised_days));
    doc = match d.delivery {
        Delivery::Window => doc.text(&format!("取件方式：窗口领取（{}）", d.window)),
        // The address on a line of its own: it is what the citizen checks.
        Delivery::Post => doc.text("取件方式：免费邮寄").text(&format!("邮寄地址：{}", d.post_address)),
    };
    if !d.deferred.is_empty() {
        doc = doc.rule().styled(&format!("容缺受理：请于 {due} 前补交"), 1, Align::Left, true);
        for m in &d.deferred {
            doc = doc.text(&format!("  · {m}"));
        }
    }
    // One block: the printer breaks it to the paper's width.
    let doc = doc.rule().text("下一步：部门审核后以短信通知您，可扫描下方二维码随时查询进度。");
    captioned_qr(doc, &progress_url(site.progress_url, &d.local_no), "扫码查询办理进度")
        .styled(&format!("终端：{}  {}", site.terminal_id, site.site), 1, Align::Left, false)
        .text(&format!("咨询电话：{}", site.help_phone))
        .cut()
}

/// 一次性告知书 for a bundle and the chosen sub-items: the catalog's notice sections,
/// the same ones the guide screen shows.
pub fn notice(cat: &Catalog, bundle_id: &str, selected: &[String], site: &Site) -> Document {
    let Some(n) = cat.notice(bundle_id, selected) else { return Document::new() };
    let mut doc = Document::new().title("一次性告知书").styled(&n.title, 1, Align::Center, true);
    for m in &n.matters {
        doc = doc.text(&format!("· {}（{}）", m.name, m.code));
    }
    for sec in n.sections() {
        doc = doc.rule().styled(&sec.heading, 1, Align::Left, true);
        for line in &sec.lines {
            doc = doc.text(line);
        }
    }
    doc.rule()
        .text(&format!("办理地点：{}", n.window))
        .text(&format!("终端：{}  {}", site.terminal_id, site.site))
        .cut()
}

/// The full notice on the platform, for the short one's QR.
pub fn notice_url(base: &str, bundle_id: &str, selected: &[String]) -> String {
    format!("{base}?bundle={bundle_id}&items={}", selected.join(","))
}

/// The short 一次性告知书 for 58 mm paper: the materials, the time limit and the phones,
/// with a QR to the full notice on the platform (the whole text is over 40 cm there).
/// None when the catalog names no page for the full notice.
pub fn notice_short(cat: &Catalog, bundle_id: &str, selected: &[String], site: &Site) -> Option<Document> {
    let n = cat.notice(bundle_id, selected)?;
    if cat.notice_url.is_empty() {
        return None;
    }
    let secs = n.sections();
    let limits = secs.iter().find(|s| s.heading == "办理时限").and_then(|s| s.lines.first().cloned());
    let mut doc = Document::new().title("一次性告知书").styled(&n.title, 1, Align::Center, true).rule().styled(
        "请带齐以下材料",
        1,
        Align::Left,
        true,
    );
    for m in n.materials.iter().filter(|m| !m.how.starts_with("电子证照")) {
        doc = doc.text(&format!("· {}：{}，{}", m.name, m.counts, m.how));
    }
    // Electronic certificates are fetched by the platform: one line says so.
    let ecert: Vec<&str> =
        n.materials.iter().filter(|m| m.how.starts_with("电子证照")).map(|m| m.name.as_str()).collect();
    if !ecert.is_empty() {
        doc = doc.text(&format!("免提交（电子证照）：{}", ecert.join("、")));
    }
    doc = doc.rule().styled("办理时限", 1, Align::Left, true).text(&limits.unwrap_or_default());
    doc = doc.rule().styled("部门咨询电话", 1, Align::Left, true);
    let mut phones: Vec<String> = Vec::new();
    let mut supervise: Vec<&str> = Vec::new();
    for m in &n.matters {
        let line = format!("{} {}", m.department, m.phone);
        if !phones.contains(&line) {
            phones.push(line);
        }
        if !supervise.contains(&m.supervise_phone.as_str()) {
            supervise.push(&m.supervise_phone);
        }
    }
    for l in &phones {
        doc = doc.text(l);
    }
    doc = doc.text(&format!("监督投诉：{}", supervise.join("、")));
    let doc = doc.rule().text(&format!("办理地点：{}", n.window)).text("条件、流程、收费、依据等完整内容：");
    let doc = captioned_qr(doc, &notice_url(&cat.notice_url, bundle_id, selected), "扫码查看完整告知书")
        .text(&format!("终端：{}  {}", site.terminal_id, site.site))
        .text(&format!("咨询电话：{}", site.help_phone))
        .cut();
    Some(doc)
}

/// The notice for the paper in the printer: the short one on 58 mm (when the catalog
/// has the full one online), the whole text on wider paper.
pub fn notice_for_paper(cat: &Catalog, bundle_id: &str, selected: &[String], site: &Site, paper_mm: u32) -> Document {
    if paper_mm <= 58 {
        if let Some(doc) = notice_short(cat, bundle_id, selected, site) {
            return doc;
        }
    }
    notice(cat, bundle_id, selected, site)
}

/// 容缺补正告知书: what is missing, by when, and the commitment the citizen made.
pub fn deferral_notice(d: &ReceiptData, site: &Site, now: &str, due: &str) -> Document {
    let mut doc = Document::new()
        .title("容缺补正告知书")
        .rule()
        .styled(&format!("收件编号：{}", d.local_no), 1, Align::Left, true)
        .text(&format!("办理事项：{}", d.bundle_name))
        .text(&format!("受理时间：{now}"))
        .rule()
        .text(&format!("申请人：{}", d.name_masked))
        .styled(&format!("请于 {due} 前补交以下材料："), 1, Align::Left, true);
    for m in &d.deferred {
        doc = doc.text(&format!("  · {m}"));
    }
    let doc = doc
        .text(&format!("补交地点：{}", d.window))
        .text(&format!("也可在“{}”手机App上传电子版。", site.online_app))
        .rule()
        .styled("申请人承诺", 1, Align::Left, true)
        .text("本人承诺所填信息真实，并按期补齐上述材料；")
        .text("逾期未补齐的，同意按不予受理处理。");
    captioned_qr(doc, &progress_url(site.progress_url, &d.local_no), "扫码查询办理进度")
        .text(&format!("咨询电话：{}", site.help_phone))
        .cut()
}

/// 进度查询单: where a case stands, printed after a progress query.
pub fn progress_slip(
    local_no: &str,
    intake_no: Option<&str>,
    status: &str,
    matters: &[String],
    site: &Site,
    now: &str,
) -> Document {
    let mut doc = Document::new()
        .title("办件进度查询单")
        .rule()
        .styled(&format!("收件编号：{local_no}"), 1, Align::Left, true)
        .text(&format!("平台受理号：{}", intake_no.unwrap_or("正在上传，稍后可查")));
    for m in matters {
        doc = doc.text(&format!("  · {m}"));
    }
    let doc = doc
        .styled(&format!("当前状态：{status}"), 2, Align::Left, true)
        .text("收件 → 受理 → 办结 → 寄出/待领取")
        .text(&format!("查询时间：{now}"));
    captioned_qr(doc, &progress_url(site.progress_url, local_no), "扫码查看最新进度")
        .text(&format!("终端：{}  {}", site.terminal_id, site.site))
        .cut()
}

/// The four documents with sample data as printed on `paper_mm` paper, for
/// docs/receipts and the printer's test page.
pub fn samples(cat: &Catalog, site: &Site, paper_mm: u32) -> Vec<(&'static str, Document)> {
    let b = cat.bundle("newborn").expect("seed catalog has the newborn bundle");
    let names: Vec<String> = b.default_selected.iter().filter_map(|c| cat.matter(c)).map(|m| m.name.clone()).collect();
    let d = ReceiptData {
        local_no: "XX-0001-1-000042".into(),
        bundle_name: b.name.clone(),
        matters: names.clone(),
        deferred: vec!["本人银行卡".into()],
        delivery: Delivery::Post,
        window: b.window.clone(),
        promised_days: 10,
        // The demo card's holder (sample data), as paper shows her.
        name_masked: crate::journey::mask_name_for_paper("张晓𠮷"),
        post_address: crate::journey::mask_address("河南省新乡市红旗区平原路100号"),
    };
    // Friday 2026-09-25 (中秋) and the 国庆 week are in the span: 5 working days after
    // Thursday 09-24 is 10-09.
    let now = "2026-09-24 10:30";
    let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 24).unwrap_or_default();
    let due = date_zh(&cat.calendar().due_date(day, site.deferral_days).format("%Y-%m-%d").to_string());
    vec![
        ("intake-receipt", intake_receipt(&d, site, now, &due)),
        ("notice", notice_for_paper(cat, "newborn", &b.default_selected, site, paper_mm)),
        ("deferral-notice", deferral_notice(&d, site, now, &due)),
        ("progress-slip", progress_slip(&d.local_no, Some("XX202600000042"), "受理", &names, site, now)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site<'static> {
        Site {
            terminal_id: "XX0001",
            site: "新乡",
            help_phone: "0373-1",
            progress_url: "https://example.invalid/p",
            online_app: "豫事办",
            deferral_days: 5,
        }
    }

    #[test]
    fn receipt_has_number_matters_qr_and_deferred() {
        let d = ReceiptData {
            local_no: "XX0001-000007".into(),
            bundle_name: "新生儿出生“一件事”".into(),
            matters: vec!["预防接种证办理".into()],
            deferred: vec!["本人银行卡".into()],
            delivery: Delivery::Post,
            window: String::new(),
            promised_days: 10,
            name_masked: crate::journey::mask_name_for_paper("张晓𠮷"),
            post_address: crate::journey::mask_address("河南省新乡市卫滨区胜利路8号院3号楼"),
        };
        let doc = intake_receipt(&d, &site(), "2026-11-21 10:00", &date_zh("2026-11-27"));
        let text = doc.plain_text();
        for want in [
            "收件回执",
            "XX0001-000007",
            "预防接种证办理",
            "本人银行卡",
            "取件方式：免费邮寄\n邮寄地址：河南省新乡市卫滨区胜利路***",
            "请于 2026年11月27日 前补交",
            "申请人：张*𠮷",
            "扫码查询办理进度",
        ] {
            assert!(text.contains(want), "{want} missing in {text}");
        }
        assert!(!text.contains("8号院") && !text.contains("户籍地址") && !text.contains("晓"), "{text}");
        assert!(doc.blocks.contains(&kiosk_hardware::printer::Block::Qr {
            data: "https://example.invalid/p?no=XX0001-000007".into()
        }));
    }

    #[test]
    fn names_and_addresses_are_masked_for_paper() {
        use crate::journey::{mask_address, mask_name_for_paper};
        assert_eq!(mask_name_for_paper("张晓𠮷"), "张*𠮷");
        assert_eq!(mask_name_for_paper("李四"), "*四");
        assert_eq!(mask_name_for_paper("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_address("河南省新乡市红旗区平原路100号"), "河南省新乡市红旗区平原路***");
        assert_eq!(mask_address("新乡市红旗区12号"), "新乡市红旗区***");
        assert_eq!(mask_address("某地8号"), "***");
        assert_eq!(date_zh("2026-12-04"), "2026年12月04日");
    }

    #[test]
    fn every_qr_has_a_caption_under_it() {
        let cat = Catalog::seed();
        for (name, doc) in [58, 80].into_iter().flat_map(|mm| samples(&cat, &site(), mm)) {
            for (i, b) in doc.blocks.iter().enumerate() {
                if matches!(b, kiosk_hardware::printer::Block::Qr { .. }) {
                    let next = doc.blocks.get(i + 1);
                    assert!(
                        matches!(next, Some(kiosk_hardware::printer::Block::Text { text, .. }) if text.starts_with("扫码")),
                        "{name}: QR without a caption"
                    );
                }
            }
        }
    }

    #[test]
    fn samples_cover_the_four_documents() {
        let cat = Catalog::seed();
        let all = samples(&cat, &site(), 80);
        let titles: Vec<String> =
            all.iter().map(|(_, d)| d.plain_text().lines().next().unwrap_or("").to_string()).collect();
        assert_eq!(titles, ["收件回执", "一次性告知书", "容缺补正告知书", "办件进度查询单"]);
        assert!(all[2].1.plain_text().contains("本人银行卡"));
        // 5 working days from Thursday 2026-09-24 over 中秋 and 国庆 (10-10 is a 调休 Saturday).
        assert!(all[2].1.plain_text().contains("请于 2026年10月09日 前补交"), "{}", all[2].1.plain_text());
    }

    #[test]
    fn notice_lists_merged_materials_once() {
        let cat = Catalog::seed();
        let b = cat.bundle("newborn").unwrap();
        let text = notice(&cat, "newborn", &b.matters, &site()).plain_text();
        assert_eq!(text.matches("· 户口簿").count(), 1);
        let line = text.lines().find(|l| l.starts_with("· 出生医学证明")).unwrap();
        assert!(line.contains("电子证照，免提交"), "{line}");
    }

    #[test]
    fn printed_notice_carries_every_section_the_screen_shows() {
        let cat = Catalog::seed();
        for b in &cat.bundles {
            let n = cat.notice(&b.id, &b.default_selected).unwrap();
            let text = notice(&cat, &b.id, &b.default_selected, &site()).plain_text();
            let secs = n.sections();
            assert!(secs.len() >= 8, "{}", b.id);
            for s in secs {
                assert!(!s.lines.is_empty(), "{}: {} is empty", b.id, s.heading);
                assert!(text.contains(&s.heading), "{}: {}", b.id, s.heading);
                for l in &s.lines {
                    assert!(text.contains(l.as_str()), "{}: {l}", b.id);
                }
            }
        }
    }

    #[test]
    fn printed_lines_keep_chinese_line_breaking_rules() {
        let cat = Catalog::seed();
        for b in &cat.bundles {
            let doc = notice(&cat, &b.id, &b.matters, &site());
            for cols in [29, 32, 45, 48] {
                for line in doc.printed_text(cols).lines() {
                    assert!(
                        !line.starts_with(['。', '，', '、', '；', '：', '）', '》', '”']),
                        "{}/{cols}: {line}",
                        b.id
                    );
                    assert!(!line.ends_with(['（', '《', '“']), "{}/{cols}: {line}", b.id);
                }
            }
        }
    }

    #[test]
    fn short_notice_on_58mm_keeps_materials_limits_phones_and_points_to_the_full_one() {
        let cat = Catalog::seed();
        for b in &cat.bundles {
            let sel = &b.default_selected;
            let full = notice_for_paper(&cat, &b.id, sel, &site(), 80);
            let short = notice_for_paper(&cat, &b.id, sel, &site(), 58);
            assert_eq!(full, notice(&cat, &b.id, sel, &site()), "{}: 80 mm keeps the whole text", b.id);
            let (ft, st) = (full.printed_text(45), short.printed_text(29));
            let n = cat.notice(&b.id, sel).unwrap();
            for m in &n.materials {
                assert!(short.plain_text().contains(&m.name), "{}: {} missing", b.id, m.name);
            }
            assert!(st.contains("办理时限") && st.contains("部门咨询电话") && st.contains("监督投诉"), "{}", b.id);
            for m in &n.matters {
                assert!(short.plain_text().contains(&format!("{} {}", m.department, m.phone)), "{}", b.id);
            }
            assert!(!st.contains("设定依据") && !st.contains("办理流程"), "{}: {st}", b.id);
            let url = format!("https://zwfw.example.gov.cn/guide?bundle={}&items={}", b.id, sel.join(","));
            assert!(short.blocks.contains(&kiosk_hardware::printer::Block::Qr { data: url }), "{}", b.id);
            assert!(st.contains("扫码查看完整告知书"), "{}", b.id);
            assert!(st.lines().count() * 2 < ft.lines().count() * 3, "{}: short is shorter", b.id);
        }
        // A catalog without the page online prints the whole text on 58 mm too.
        let mut bare = Catalog::seed();
        bare.notice_url.clear();
        let b = bare.bundle("newborn").unwrap();
        assert_eq!(
            notice_for_paper(&bare, "newborn", &b.default_selected, &site(), 58),
            notice(&bare, "newborn", &b.default_selected, &site())
        );
    }

    /// Measured on paper: every whole-bundle notice on 58 mm, as the virtual printer
    /// renders the driver's bytes (it was 43 cm for 新生儿出生 with the whole text).
    #[cfg(feature = "demo")]
    #[test]
    fn whole_bundle_notices_on_58mm_paper_are_short() {
        use kiosk_hardware::printer::{encode_job, render_receipts, PrinterProfile};
        let cat = Catalog::seed();
        let p = PrinterProfile::generic(58);
        let mm = |doc: &Document| render_receipts(&encode_job(doc, &p), p.dots)[0].height * 254 / 10 / p.dpi;
        for b in &cat.bundles {
            let short = mm(&notice_for_paper(&cat, &b.id, &b.matters, &site(), 58));
            assert!(short <= 250, "{}: {short} mm", b.id);
            if b.id == "newborn" {
                let full = mm(&notice(&cat, &b.id, &b.matters, &site()));
                assert!(full > 400 && short < 200, "newborn: {full} mm -> {short} mm");
            }
        }
    }

    #[test]
    fn notice_fees_and_limits_come_from_the_chosen_matters() {
        let cat = Catalog::seed();
        // A bundle with a fee on some sub-item must not say "free".
        let paid = cat.bundles.iter().find_map(|b| {
            let n = cat.notice(&b.id, &b.matters)?;
            n.matters.iter().any(|m| m.fee != "不收费").then_some(n)
        });
        let n = paid.expect("the seed has bundles with fees");
        assert_ne!(n.fees, "全部免费");
        assert!(n.matters.iter().filter(|m| m.fee != "不收费").all(|m| n.fees.contains(&m.fee)));
        let b = cat.bundle("newborn").unwrap();
        let one = vec![b.matters[0].clone()];
        let n = cat.notice("newborn", &one).unwrap();
        assert_eq!(n.matters.len(), 1);
        let limits = n.sections().into_iter().find(|s| s.heading == "办理时限").unwrap();
        assert_eq!(limits.lines.len(), 1, "one matter: one line");
        assert!(limits.lines[0].contains(&n.matters[0].promised_days.to_string()));
    }
}
