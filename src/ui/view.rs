//! The view model: what each screen shows, derived from a journey snapshot. Plain data
//! (Send; rows are the Slint adapters' structs), built off the UI thread and applied to
//! the adapters on it, area by area (see the controllers beside this file).

use crate::catalog::search::Target;
use crate::catalog::Category;
use crate::catalog::{Catalog, FieldSource};
use crate::journey::{Device, PrintState, ProfileOffer, Screen, SlotState, State, HIT_LIMIT};
use crate::rating::{BAD_REASONS, LEVELS};
use crate::ui::{
    BundleTile, CategoryTab, ChoiceRow, DeliveryChoice, FieldRow, HomeCategory, MaterialRow, MaterialState, MatterRow,
    ProfilePrompt, ReasonRow, SearchHit, Section, SingleRow,
};
use kiosk_hardware::pii::{mask_id, mask_phone};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    // Chrome (ChromeAdapter).
    pub screen: Option<Screen>,
    pub elder: bool,
    pub step: i32,
    pub back_enabled: bool,
    /// The durable write runs: 返回, 首页 and 帮助 are disabled.
    pub nav_locked: bool,
    pub idle_left: i32,
    pub show_countdown: bool,
    pub notice: String,
    // Start and home (StartAdapter).
    pub categories: Vec<CategoryTab>,
    /// Home tiles of the chosen category.
    pub bundles: Vec<BundleTile>,
    pub search_open: bool,
    pub search_query: String,
    pub hits: Vec<SearchHit>,
    pub search_hint: String,
    /// The 单项事项 tab is chosen, and its rows (department headings, matters).
    pub singles_open: bool,
    pub singles: Vec<SingleRow>,
    // Guide (GuideAdapter) and identify (IdentifyAdapter).
    pub bundle_name: String,
    pub guide_title: String,
    pub matters: Vec<MatterRow>,
    /// What the guide leads with: the merged materials and the time limit.
    pub guide_lead: Vec<Section>,
    /// The rest of the notice, after the sub-items.
    pub guide_sections: Vec<Section>,
    pub identify_hint: String,
    /// Identity by QR: 0 off, 1 the camera is looking, 2 verifying; and what to do.
    pub identify_qr_stage: i32,
    pub identify_qr_hint: String,
    // Form (FormAdapter).
    pub fields: Vec<FieldRow>,
    pub auto_summary: String,
    pub phone: String,
    /// The phone field's own missing flag (like the rows'), not an empty-string test.
    pub phone_missing: bool,
    pub delivery: DeliveryChoice,
    pub profile: ProfilePrompt,
    pub profile_exists: bool,
    pub keep_profile: bool,
    /// The field editor (EditorAdapter), when one is open on the form.
    pub editor: Option<EditorView>,
    // Materials (MaterialsAdapter).
    pub materials: Vec<MaterialRow>,
    pub materials_summary: String,
    /// The next material to photograph: the big button under the preview.
    pub next_capture: Option<NextCapture>,
    /// The 容缺 commitment being signed: its text.
    pub commitment: Option<String>,
    // Review (ReviewAdapter).
    pub review: Vec<Section>,
    // Receipt (ReceiptAdapter).
    pub receipt_no: String,
    /// What the receipt's QR code carries: the progress link.
    pub receipt_qr: String,
    pub print_status: String,
    pub print_failed: bool,
    /// The identity came from a phone (e-ID QR): there is no card on the reader to take.
    pub no_card: bool,
    // Rating (RatingAdapter): 1 非常满意 … 5 非常不满意, 0 none yet.
    pub rating: i32,
    pub reasons: Vec<ReasonRow>,
    pub needs_reasons: bool,
    // Help and faults (HelpAdapter).
    pub fault_title: String,
    pub fault_message: String,
    pub fault_options: Vec<String>,
    /// 呼叫工作人员 reached the branch (HelpAdapter.call-placed).
    pub call_placed: bool,
    // Out of service (ServiceAdapter).
    pub service_reason: String,
    pub service_since: String,
    // Maintenance (MaintAdapter).
    pub maint: super::maint::MaintView,
    // 进度随时查 (ProgressAdapter).
    pub progress: super::progress::ProgressView,
}

/// The material the big capture button photographs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NextCapture {
    /// Its slot in the session's material set.
    pub index: usize,
    pub name: String,
}

/// The editor open on one field: what it shows and the keys it offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EditorView {
    pub label: String,
    pub hint: String,
    pub text: String,
    pub pinyin: String,
    pub candidates: Vec<String>,
    pub has_prev: bool,
    pub has_next: bool,
    /// Choice fields: each option and whether it is chosen.
    pub options: Vec<ChoiceRow>,
    /// Keypad keys; each types its own text.
    pub keys: Vec<String>,
    pub cols: i32,
    /// Text fields: the QWERTY keypad, row by row (instead of `keys`).
    pub rows: Vec<PadRow>,
    /// 手写 (text fields).
    pub hw: HwView,
}

/// The 手写 tab of a text field's editor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HwView {
    /// The 拼音 | 手写 tabs are shown.
    pub offered: bool,
    /// 手写 is chosen: the pad instead of the letter keypad.
    pub on: bool,
    pub available: bool,
    /// Instead of ink: opening, unavailable, or how to write.
    pub status: String,
    pub candidates: Vec<String>,
    /// The strokes as SVG path data on the 0–1000 square.
    pub ink: String,
}

/// The pad's part of the view; in 手写 the letter keypad gives way to it.
fn hw_view(v: &mut EditorView, pad: &crate::journey::HwPad) {
    v.hw.offered = true;
    if !pad.on {
        return;
    }
    v.hw.on = true;
    v.hw.available = pad.available == Some(true);
    v.hw.status = match pad.available {
        None => "正在准备手写识别…",
        Some(false) => "手写暂不可用，请点“拼音”输入",
        Some(true) => "请在格子里写一个字",
    }
    .into();
    v.hw.candidates = pad.candidates.clone();
    for s in &pad.strokes {
        for (i, p) in s.iter().enumerate() {
            v.hw.ink.push_str(&format!("{} {} {} ", if i == 0 { 'M' } else { 'L' }, p[0], p[1]));
        }
        // A dot is drawn as a tiny line.
        if s.len() == 1 {
            v.hw.ink.push_str(&format!("L {} {} ", s[0][0] + 1, s[0][1]));
        }
    }
    v.hint = "在格子里写一个字，再点选右边的字；写错了点“清除”。数字请用拼音键盘".into();
    v.keys.clear();
}

fn keys(chars: &str) -> Vec<String> {
    chars.chars().map(|c| c.to_string()).collect()
}

/// One row of the QWERTY keypad: its keys, where the first starts and how wide each is
/// (in letter-key widths: ten fill a row), and whether 删除 ends it.
#[derive(Debug, Clone, PartialEq)]
pub struct PadRow {
    pub keys: String,
    pub offset: f32,
    pub span: f32,
    pub delete: bool,
}

/// The layout people know from phones: digits on top, qwertyuiop / asdfghjkl /
/// zxcvbnm with 删除, and the address symbols below; those go while letters wait for
/// a pick (they are refused then), leaving the room to the candidates in 长者版.
pub fn qwerty(symbols: bool) -> Vec<PadRow> {
    let row = |keys: &str, offset, span, delete| PadRow { keys: keys.into(), offset, span, delete };
    let mut rows = vec![
        row("1234567890", 0.0, 1.0, false),
        row("qwertyuiop", 0.0, 1.0, false),
        row("asdfghjkl", 0.5, 1.0, false),
        row("zxcvbnm", 0.5, 1.0, true),
    ];
    if symbols {
        rows.push(row("号-（）", 0.0, 2.5, false));
    }
    rows
}

fn editor_view(sess: &crate::journey::Session, cat: &Catalog, elder: bool) -> Option<EditorView> {
    use crate::catalog::InputKind;
    let ed = sess.editor.as_ref()?;
    let f = sess.fields.get(ed.field)?;
    let mut v = EditorView { label: f.label.clone(), text: ed.text.clone(), ..EditorView::default() };
    match f.input? {
        InputKind::Number => {
            v.hint = "请用数字键输入，可带小数点".into();
            (v.keys, v.cols) = (keys("123456789.0"), 3);
        }
        InputKind::IdNumber => {
            v.hint = "请输入 18 位身份号码，最后一位可能是 X".into();
            (v.keys, v.cols) = (keys("123456789X0"), 3);
        }
        InputKind::Code => {
            v.hint = "请输入编号：数字、字母和符号".into();
            (v.keys, v.cols) = (keys("1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ-（）"), 10);
        }
        InputKind::Text => {
            v.hint = if elder {
                "输入拼音或首字母，再点选字词"
            } else {
                "输入拼音（整词或首字母，如 xinxiang 或 xx），再点选字词；数字直接输入"
            }
            .into();
            v.pinyin = ed.pinyin.clone();
            let (page, more) = crate::ime::page(&ed.pinyin, ed.page, elder, cat);
            v.candidates = page.into_iter().map(|c| c.text).collect();
            v.has_prev = ed.page > 0;
            v.has_next = more;
            if !ed.pinyin.is_empty() && v.candidates.is_empty() {
                v.hint = format!("没有与“{}”对应的字词，请按删除修改拼音", ed.pinyin);
            }
            v.rows = qwerty(ed.pinyin.is_empty());
            hw_view(&mut v, &ed.hw);
            if v.hw.on {
                v.rows.clear();
            }
        }
        InputKind::Choice => {
            v.hint = if f.multiple { "可以选择多项".into() } else { "请选择一项".into() };
            v.options = f
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| ChoiceRow { label: o.into(), chosen: ed.chosen.contains(&i) })
                .collect();
        }
        InputKind::Phone => {
            v.hint = "请输入11位手机号码，用于接收办理进度短信".into();
            (v.keys, v.cols) = (keys("1234567890"), 3);
        }
    }
    Some(v)
}

/// How many characters of a bundle's name a home tile holds: two tiles to a row (38 px
/// type), one to a row in 长者版 (57 px type), after the icon left of the name; see
/// HomeScreen and BundleTile.
const TILE_COLS: f32 = 10.0;
const TILE_COLS_ELDER: f32 = 15.0;

/// The guide's title on one line when it fits the screen in title type (20 characters,
/// 13 in 长者版), else the name in balanced lines over "办事须知".
fn guide_title(bundle: &str, elder: bool) -> String {
    let one_line = format!("{bundle} · 办事须知");
    let cols = if elder { 13.0 } else { 20.0 };
    if super::lines::balance(&one_line, cols) == one_line {
        one_line
    } else {
        format!("{}\n办事须知", super::lines::balance(bundle, cols))
    }
}

/// The notice's sections the guide shows first, above the sub-items: what to bring
/// and how long it takes (the printed notice keeps its own order).
fn leads_guide(heading: &str) -> bool {
    heading.starts_with("需要准备的材料") || heading == "办理时限"
}

/// How many characters of body type a SectionCard's line holds (the guide, the review:
/// the screen's width less the card's padding).
fn section_cols(elder: bool) -> f32 {
    if elder {
        19.0
    } else {
        29.0
    }
}

/// How many characters of small type a line across the screen holds (a screen's summary).
fn small_cols(elder: bool) -> f32 {
    if elder {
        23.0
    } else {
        35.0
    }
}

/// How many characters of body type the form's label column holds (FormScreen sizes it
/// `Theme.body * 8` plus a little, in both modes).
pub const LABEL_COLS: f32 = 8.0;

fn source_label(s: FieldSource) -> &'static str {
    match s {
        FieldSource::Card => "来自身份证",
        FieldSource::ECert => "电子证照",
        FieldSource::Default => "默认",
        FieldSource::Typed => "需填写",
        FieldSource::Profile => "一人一档（经您同意）",
    }
}

/// ID numbers (the applicant's, a family member's) are shown masked, out of sight of
/// people standing behind the citizen.
fn shown_value(f: &crate::journey::FormField) -> String {
    if f.key == "applicant.id_number" || f.input == Some(crate::catalog::InputKind::IdNumber) {
        mask_id(&f.value)
    } else {
        f.value.clone()
    }
}

/// Site facts a view shows, from the terminal's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFacts {
    pub progress_url: String,
    /// The province's online service app (豫事办 in Henan).
    pub online_app: String,
    /// Working days to bring a deferred material.
    pub deferral_days: u32,
    /// Times on screens (since when the service is paused).
    pub tz: chrono_tz::Tz,
}

impl SiteFacts {
    pub fn of(t: &crate::config::Terminal) -> Self {
        SiteFacts {
            progress_url: t.progress_url.clone(),
            online_app: t.online_app.clone(),
            deferral_days: t.deferral_days,
            tz: t.tz(),
        }
    }

    /// The documented defaults, with this progress page.
    pub fn defaults(progress_url: &str) -> Self {
        SiteFacts {
            progress_url: progress_url.into(),
            online_app: crate::config::default_online_app(),
            deferral_days: crate::journey::DEFERRAL_DAYS,
            tz: chrono_tz::Asia::Shanghai,
        }
    }
}

/// [`build_for`] with the default site facts (tests, screenshots).
pub fn build(s: &State, cat: &Catalog, progress_url: &str) -> View {
    build_for(s, cat, &SiteFacts::defaults(progress_url))
}

pub fn build_for(s: &State, cat: &Catalog, site: &SiteFacts) -> View {
    let progress_url = site.progress_url.as_str();
    let shown = s.screen;
    let mut v = View {
        screen: Some(shown),
        elder: s.elder,
        step: s.screen.step_index().map_or(-1, |i| i as i32),
        back_enabled: matches!(
            shown,
            Screen::Guide
                | Screen::Identify
                | Screen::Form
                | Screen::Materials
                | Screen::Review
                | Screen::Help
                | Screen::Progress
        ),
        nav_locked: shown == Screen::Submitting,
        idle_left: shown_countdown(s) as i32,
        show_countdown: !matches!(
            shown,
            Screen::Attract | Screen::Submitting | Screen::OutOfService | Screen::Maintenance
        ),
        // On the start screens, what the device monitor found that will not work today.
        notice: s.notice.clone().unwrap_or_else(|| match shown {
            Screen::Attract if cat.bundles.is_empty() => crate::journey::OUT_OF_SERVICE.into(),
            Screen::Attract | Screen::Home => crate::journey::device_banner(&s.devices),
            _ => String::new(),
        }),
        ..View::default()
    };
    home(&mut v, s, cat);
    v.maint = super::maint::build(s);
    v.progress = super::progress::build(s, &site.online_app);
    v.call_placed = s.help_called;
    if let Some(o) = &s.out_of_service {
        use chrono::TimeZone;
        v.service_reason = o.reason.clone();
        v.service_since = site
            .tz
            .timestamp_millis_opt(o.since_ms)
            .single()
            .map(|t| t.format("自 %m月%d日 %H:%M 起").to_string())
            .unwrap_or_default();
    }
    v.rating = 0;
    if let Some(sess) = &s.session {
        let bundle = cat.bundle(&sess.bundle_id);
        v.bundle_name = bundle.map(|b| b.name.clone()).unwrap_or_default();
        v.guide_title = guide_title(&v.bundle_name, s.elder);
        if let Some(b) = bundle {
            v.matters = b
                .matters
                .iter()
                .filter_map(|c| cat.matter(c))
                .map(|m| MatterRow {
                    name: m.name.as_str().into(),
                    detail: format!("{} · 承诺 {} 个工作日 · {}", m.department, m.promised_days, m.fee).into(),
                    selected: sess.selected.contains(&m.code),
                })
                .collect();
            // The same sections the printed 一次性告知书 carries; only built where shown,
            // not on every tick of every screen.
            let sections: Vec<Section> = if shown != Screen::Guide {
                Vec::new()
            } else {
                cat.notice(&sess.bundle_id, &sess.selected)
                    .map(|n| {
                        n.sections()
                            .into_iter()
                            .map(|x| Section {
                                heading: x.heading.into(),
                                body: super::lines::balance_each(&x.lines.join("\n"), section_cols(s.elder)).into(),
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            (v.guide_lead, v.guide_sections) = sections.into_iter().partition(|x| leads_guide(&x.heading));
        }
        v.identify_hint = "正在等待读卡…… 读卡成功后自动进入下一步".into();
        (v.identify_qr_stage, v.identify_qr_hint) = match s.eid {
            crate::journey::EIdStage::Off => (0, "没带身份证？可出示手机上的电子证件二维码".into()),
            crate::journey::EIdStage::Reading { left } => (1, format!("正在扫描二维码，请保持手机不动（{left} 秒）")),
            crate::journey::EIdStage::Verifying => (2, "正在核验电子证件，请稍候……".into()),
        };
        // The phone has its own box below the list.
        let mut rows: Vec<_> = sess.fields.iter().enumerate().filter(|(_, f)| f.key != "applicant.phone").collect();
        let e_id = sess.applicant.as_ref().is_some_and(|a| a.doc.source == crate::journey::IdentitySource::EIdQr);
        // What is still to fill comes first, where the eye lands, not below the fold.
        rows.sort_by_key(|(_, f)| !f.missing());
        v.fields = rows
            .into_iter()
            .map(|(i, f)| FieldRow {
                index: i as i32,
                label: f.label.as_str().into(),
                label_lines: super::lines::balance(&f.label, LABEL_COLS).into(),
                // A missing field says so on screen ("点此填写 ›"): the row's flag, not its text.
                value: if f.missing() { Default::default() } else { shown_value(f).into() },
                source: match f.source {
                    FieldSource::Typed if !f.value.is_empty() => "本人填写 · 可修改".into(),
                    src if f.editable() && src != FieldSource::Typed => {
                        format!("{} · 可修改", source_label(src)).into()
                    }
                    // Identified by an e-ID code: the values came from the platform's check.
                    FieldSource::Card if e_id => "来自电子证件".into(),
                    src => source_label(src).into(),
                },
                auto: f.source != FieldSource::Typed,
                editable: f.editable(),
                missing: f.missing(),
            })
            .collect();
        v.editor = editor_view(sess, cat, s.elder);
        let auto = sess.fields.iter().filter(|f| f.source != FieldSource::Typed).count();
        let to_type = sess.fields.iter().filter(|f| f.missing() && f.key != "applicant.phone").count();
        let summary = if to_type == 0 {
            format!("共 {} 项，已自动填写 {} 项，您只需填写手机号码", sess.fields.len(), auto)
        } else {
            format!(
                "共 {} 项，已自动填写 {} 项；请点黄色标出的 {} 项填写，再填手机号码",
                sess.fields.len(),
                auto,
                to_type
            )
        };
        v.auto_summary = super::lines::balance_each(&summary, small_cols(s.elder));
        v.phone = sess.phone().to_string();
        v.phone_missing =
            sess.fields.iter().find(|f| f.key == "applicant.phone").is_none_or(|f| f.value.trim().is_empty());
        v.delivery = match sess.delivery {
            crate::journey::Delivery::Post => DeliveryChoice::Post,
            crate::journey::Delivery::Window => DeliveryChoice::Window,
        };
        v.materials = sess
            .materials
            .iter()
            .map(|m| {
                let (state, words) = match &m.state {
                    SlotState::Todo => (MaterialState::ToScan, "待拍摄".to_string()),
                    SlotState::Capturing => (MaterialState::Scanning, "正在拍摄，请保持材料不动…".to_string()),
                    SlotState::Captured { pages } => (MaterialState::Scanned, format!("已拍摄 {pages} 页")),
                    SlotState::ECert => (MaterialState::ECert, "电子证照，无需拍摄".to_string()),
                    SlotState::Failed(why) => (MaterialState::Failed, format!("未拍清楚：{why}，请重拍")),
                    SlotState::Deferred => (MaterialState::Deferred, "容缺后补：回执上会写明补交期限".to_string()),
                };
                MaterialRow {
                    name: m.name.as_str().into(),
                    status: words.into(),
                    state,
                    required: m.required,
                    can_defer: m.deferrable && matches!(m.state, SlotState::Todo | SlotState::Failed(_)),
                }
            })
            .collect();
        v.commitment = sess.commitment.and_then(|i| sess.materials.get(i)).map(|m| {
            format!(
                "本人申请对“{}”容缺受理，承诺在 {} 个工作日内补交该材料原件，并对所填信息的真实性负责。逾期未补齐的，同意按不予受理处理。",
                m.name, site.deferral_days
            )
        });
        v.next_capture = sess
            .materials
            .iter()
            .position(|m| matches!(m.state, SlotState::Todo | SlotState::Failed(_)))
            .map(|index| NextCapture { index, name: sess.materials[index].name.clone() });
        let scan = sess.materials.iter().filter(|m| m.state != SlotState::ECert).count();
        let summary = format!("共 {} 种材料，其中 {} 种需拍摄，其余由电子证照自动获取", sess.materials.len(), scan);
        v.materials_summary = super::lines::balance_each(&summary, small_cols(s.elder));
        let matters: Vec<String> = sess
            .selected
            .iter()
            .filter_map(|c| cat.matter(c))
            .map(|m| format!("· {}（{}）", m.name, m.department))
            .collect();
        if let Some(a) = &sess.applicant {
            let address = sess
                .fields
                .iter()
                .find(|f| f.key == "applicant.contact_address" && !f.value.is_empty())
                .map_or(a.address.as_str(), |f| f.value.as_str());
            let delivery = if v.delivery == DeliveryChoice::Post {
                format!("免费邮寄到：{address}")
            } else {
                "窗口领取".to_string()
            };
            let section = |heading: &str, body: String| Section {
                heading: heading.into(),
                body: super::lines::balance_each(&body, section_cols(s.elder)).into(),
            };
            v.review = vec![
                section("办理事项", matters.join("\n")),
                // The phone masked like the ID number: people stand behind the citizen.
                section("申请人", format!("{}  {}\n手机 {}", a.name, mask_id(&a.id_number), mask_phone(sess.phone()))),
                section(
                    "材料",
                    v.materials.iter().map(|m| format!("· {}：{}", m.name, m.status)).collect::<Vec<_>>().join("\n"),
                ),
                section("取件方式", delivery),
            ];
            // What the citizen typed or chose, to check once more before submitting.
            let typed: Vec<String> = sess
                .fields
                .iter()
                .filter(|f| f.editable() && f.key != "applicant.phone" && !f.value.is_empty())
                .map(|f| format!("· {}：{}", f.label, shown_value(f)))
                .collect();
            if !typed.is_empty() {
                v.review.insert(2, section("填写的信息", typed.join("\n")));
            }
        }
        v.no_card = sess.applicant.as_ref().is_some_and(|a| a.doc.source != crate::journey::IdentitySource::Card);
        if let Some(r) = &sess.receipt {
            v.receipt_no = r.local_no.clone();
            v.receipt_qr = crate::receipt::progress_url(progress_url, &r.local_no);
            (v.print_status, v.print_failed) = match &r.print {
                PrintState::Printing => ("正在打印回执，请稍候…".into(), false),
                PrintState::Printed => ("回执已打印，请在出纸口取走".into(), false),
                PrintState::Failed(_) => {
                    ("打印机暂时无法出纸。请用手机扫描上方二维码保存回执，或记下收件编号".into(), true)
                }
            };
        }
        v.profile = match sess.profile {
            ProfileOffer::Offered => ProfilePrompt::Asking,
            ProfileOffer::Used => ProfilePrompt::Used,
            _ => ProfilePrompt::None,
        };
        v.profile_exists = matches!(sess.profile, ProfileOffer::Offered | ProfileOffer::Used | ProfileOffer::Declined);
        v.keep_profile = sess.keep_profile;
        v.rating = sess.rating.level.map_or(0, i32::from);
        v.needs_reasons = sess.rating.level.is_some_and(crate::journey::is_bad);
        v.reasons = BAD_REASONS
            .iter()
            .map(|(code, label)| ReasonRow {
                code: (*code).into(),
                label: (*label).into(),
                chosen: sess.rating.reasons.contains(*code),
            })
            .collect();
    }
    if let Some(f) = &s.fault {
        v.fault_title = match f.device {
            Device::IdCard => "读卡器暂时不能使用",
            Device::Scanner => "高拍仪暂时不能使用",
            Device::Printer => "打印机暂时不能使用",
            Device::Storage => "申请未能保存",
        }
        .into();
        v.fault_message = match f.device {
            Device::Storage => "本机未能保存您的申请，申请没有提交。您的信息已清除。".into(),
            _ => "设备出现故障，已通知工作人员。您已填写的信息不会被保留。".into(),
        };
        v.fault_options = vec![
            "请网点工作人员协助，或拨打帮办电话".into(),
            "到附近的政务服务中心窗口办理".into(),
            format!("使用“{}”手机App在线办理", site.online_app),
        ];
    }
    v
}

/// The countdown the screen shows: maintenance mode has its own idle exit.
pub fn shown_countdown(s: &State) -> u32 {
    match (&s.maint, s.screen) {
        (Some(m), Screen::Maintenance) => m.idle_left,
        _ => s.idle_left,
    }
}

const CATEGORIES: [Category; 2] = [Category::Personal, Category::Enterprise];

fn home(v: &mut View, s: &State, cat: &Catalog) {
    let h = &s.home;
    // In 长者版 three tabs share the width only with the count on a second line.
    let tab = |category, name: &str, n: usize, selected| CategoryTab {
        category,
        label: format!("{name}（{n}）").into(),
        lines: if s.elder { format!("{name}\n（{n}）") } else { format!("{name}（{n}）") }.into(),
        selected,
    };
    v.categories = CATEGORIES
        .iter()
        .map(|c| {
            let n = cat.bundles.iter().filter(|b| b.category == *c).count();
            tab(category_id(*c), c.label_zh(), n, !h.keypad && !h.singles && h.category == *c)
        })
        .collect();
    if !cat.singles().is_empty() {
        v.categories.push(tab(HomeCategory::Single, "单项事项", cat.singles().len(), !h.keypad && h.singles));
    }
    v.singles_open = h.singles;
    if h.singles {
        v.singles = single_rows(cat);
    }
    v.bundles = cat
        .bundles
        .iter()
        .filter(|b| b.category == h.category)
        .map(|b| {
            let n = 1 + b.joint_departments.len();
            let depts = if let Some(why) = crate::journey::unavailable_reason(b, cat, &s.devices) {
                format!("暂不可办：{why}")
            } else if n > 1 {
                format!("牵头：{} 等{}个部门", b.lead_department, n)
            } else {
                format!("办理：{}", b.lead_department)
            };
            BundleTile {
                id: b.id.as_str().into(),
                name: b.name.as_str().into(),
                name_lines: super::lines::balance(&b.name, if s.elder { TILE_COLS_ELDER } else { TILE_COLS }).into(),
                summary: b.summary.as_str().into(),
                departments: depts.into(),
                icon: super::icons::bundle_icon(b),
            }
        })
        .collect();
    v.search_open = h.keypad;
    v.search_query = h.query.clone();
    if h.keypad && !h.query.is_empty() {
        v.hits = cat
            .search(&h.query, HIT_LIMIT)
            .into_iter()
            .map(|hit| {
                let detail = match hit.target {
                    Target::Bundle(i) => cat.bundles.get(i).map_or(String::new(), |b| {
                        format!("“一件事” · {} 项 · {}", b.matters.len(), b.lead_department)
                    }),
                    Target::Matter(i) => cat.matters.get(i).map_or(String::new(), |m| {
                        match cat.bundles.iter().find(|b| b.matters.contains(&m.code)) {
                            Some(b) => format!("{} · 属于{}", m.department, b.name),
                            None => format!("{} · 单项办理", m.department),
                        }
                    }),
                };
                let id = cat.start_id(&hit.target).unwrap_or_default();
                SearchHit { name: hit.name.into(), detail: detail.into(), id: id.into() }
            })
            .collect();
        v.search_hint = if v.hits.is_empty() {
            "没有找到，请换个写法，或到窗口咨询".into()
        } else {
            "点击结果开始办理".into()
        };
    } else if h.keypad {
        v.search_hint = "可输入名称拼音（如 canyin）或首字母（如 xsecs）".into();
    }
}

/// The Slint side's name for a catalog category.
pub fn category_id(c: Category) -> HomeCategory {
    match c {
        Category::Personal => HomeCategory::Personal,
        Category::Enterprise => HomeCategory::Enterprise,
    }
}

/// The catalog category a home tab stands for; None for 单项事项.
pub fn category_of(c: HomeCategory) -> Option<Category> {
    match c {
        HomeCategory::Personal => Some(Category::Personal),
        HomeCategory::Enterprise => Some(Category::Enterprise),
        HomeCategory::Single => None,
    }
}

/// The 单项事项 tab: the standalone matters under their departments (departments in
/// catalog order), each started by the same id a search hit for it carries.
pub fn single_rows(cat: &Catalog) -> Vec<SingleRow> {
    let mut departments: Vec<&str> = Vec::new();
    for b in cat.singles() {
        if !departments.contains(&b.lead_department.as_str()) {
            departments.push(&b.lead_department);
        }
    }
    let mut rows = Vec::new();
    for d in departments {
        let matters: Vec<_> = cat.singles().iter().filter(|b| b.lead_department == d).collect();
        rows.push(SingleRow { heading: format!("{d}（{}）", matters.len()).into(), ..SingleRow::default() });
        for b in matters {
            let detail = b
                .matters
                .first()
                .and_then(|c| cat.matter(c))
                .map(|m| format!("{} · 承诺 {} 个工作日 · {}", m.kind, m.promised_days, m.fee))
                .unwrap_or_default();
            rows.push(SingleRow {
                heading: Default::default(),
                id: b.id.as_str().into(),
                name: b.name.as_str().into(),
                detail: detail.into(),
            });
        }
    }
    rows
}

/// The five 好差评 levels, best first.
pub fn level_names() -> Vec<slint::SharedString> {
    LEVELS.iter().map(|s| (*s).into()).collect()
}
