//! 长者版 (elder mode), complete: the contrast of every text colour on every background
//! the screens draw it on (7:1 in 长者版, 4.5:1 otherwise), touch targets of 120 px,
//! five form rows without scrolling, and long labels that break by phrase, never with
//! one character alone on a line. Rendered headless at 1080×1920, as on the terminal.

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use kiosk::catalog::Catalog;
use kiosk::journey::{self, Ctx, Event, Screen, State, Timing};
use kiosk::ui::{AppWindow, Theme};
use slint::{ComponentHandle, Model};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn window() -> AppWindow {
    // Once per test thread: Slint's platform is per thread.
    let _ = kiosk::headless::init(false);
    kiosk::headless::new_window().expect("headless window")
}

/// Shows `s` as the kiosk would (the demo terminal's facts, the countdown at most 120).
fn show(app: &AppWindow, s: &State, cat: &Catalog) {
    let cfg = kiosk::config::Config::demo();
    kiosk::ui::set_terminal(app, &cfg.terminal);
    let mut v = kiosk::ui::view::build(s, cat, &cfg.terminal.progress_url);
    v.idle_left = v.idle_left.min(120);
    kiosk::ui::apply(app, &v);
}

/// The form of `bundle` with the sample ID card read, in 长者版.
fn elder_form(bundle: &str, cat: &Catalog) -> State {
    let ctx = Ctx { catalog: cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() };
    let mut s = State::new(120);
    for e in [
        Event::Tap,
        Event::StartBundle(bundle.into()),
        Event::Next,
        Event::CardRead(kiosk::headless::sample_applicant()),
    ] {
        s = journey::step(s, e, &ctx).0;
    }
    assert_eq!(s.screen, Screen::Form, "notice: {:?}", s.notice);
    s.elder = true;
    s
}

// ---- contrast ----

fn channel(c: u8) -> f64 {
    let c = c as f64 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG relative luminance of an opaque colour.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `c` over `under` (a translucent background is judged over what may be behind it).
fn over(c: slint::Color, under: [u8; 3]) -> [u8; 3] {
    let a = c.alpha() as f64 / 255.0;
    let mix = |x: u8, y: u8| (x as f64 * a + y as f64 * (1.0 - a)).round() as u8;
    [mix(c.red(), under[0]), mix(c.green(), under[1]), mix(c.blue(), under[2])]
}

/// The worst contrast of `fg` on `bg`, whatever shows through a translucent background.
fn contrast(fg: slint::Color, bg: slint::Color) -> f64 {
    [[255, 255, 255], [0, 0, 0]]
        .into_iter()
        .map(|under| {
            let b = over(bg, under);
            ratio(over(fg, b), b)
        })
        .fold(f64::INFINITY, f64::min)
}

fn hex(c: slint::Color) -> String {
    let a = if c.alpha() == 255 { String::new() } else { format!("{:02x}", c.alpha()) };
    format!("#{:02x}{:02x}{:02x}{a}", c.red(), c.green(), c.blue())
}

#[test]
fn every_text_colour_meets_7_to_1_in_elder_mode_and_4_5_to_1_otherwise() {
    let app = window();
    let theme = app.global::<Theme>();
    let mut failures = Vec::new();
    for (elder, floor) in [(false, 4.5), (true, 7.0)] {
        theme.set_elder(elder);
        let pairs = theme.get_pairs();
        assert!(pairs.row_count() > 20, "the theme lists its pairs");
        println!("{}", if elder { "长者版 (>= 7:1)" } else { "标准版 (>= 4.5:1)" });
        for p in pairs.iter() {
            let r = contrast(p.fg, p.bg);
            println!("  {:<32} {} on {}  {r:5.2}:1", p.name, hex(p.fg), hex(p.bg));
            if r < floor {
                failures.push(format!("{} (elder {elder}): {r:.2} < {floor}", p.name));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every .slint file of the UI, with its text.
fn slint_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "slint") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"), &mut out);
    out
}

/// The expressions bound to properties called `name`, or ending in `-name`
/// (`color`, `note-color` …), except those in `skip` (`border-color`).
fn bindings<'a>(src: &'a str, name: &str, skip: &[&str]) -> Vec<(usize, &'a str)> {
    let key = format!("{name}:");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = src[from..].find(&key).map(|i| i + from) {
        from = at + key.len();
        // The whole property name: back to the start of the identifier.
        let start = src[..at].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).map_or(0, |i| i + 1);
        let prop = &src[start..at + name.len()];
        if skip.contains(&prop) || !(prop == name || prop.ends_with(&format!("-{name}"))) {
            continue;
        }
        let end = src[from..].find(';').map_or(src.len(), |i| i + from);
        let line = src[..at].lines().count();
        out.push((line, src[from..end].trim()));
    }
    out
}

/// The Theme properties an expression names (`Theme.muted` → `muted`).
fn theme_names(expr: &str) -> Vec<String> {
    expr.split("Theme.")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect())
        .collect()
}

/// A colour written out in the expression (`#444444`, `white`), rather than taken from
/// the Theme.
fn literal_colour(expr: &str) -> Option<&str> {
    if let Some(i) = expr.find('#') {
        return Some(&expr[i..]);
    }
    let words = ["white", "black", "red", "green", "blue", "gray", "grey", "yellow", "orange"];
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .find(|w| words.contains(w) || w.starts_with("Colors."))
}

#[test]
fn the_ui_draws_text_only_in_listed_pairs() {
    let app = window();
    let pairs: Vec<String> = app.global::<Theme>().get_pairs().iter().map(|p| p.name.to_string()).collect();
    let (mut fgs, mut bgs) = (BTreeSet::new(), BTreeSet::new());
    for name in &pairs {
        let (fg, bg) = name.split_once(" on ").unwrap_or_else(|| panic!("pair `{name}` is not `fg on bg`"));
        fgs.insert(fg.to_string());
        bgs.insert(bg.to_string());
    }
    // Backgrounds that never carry text: a done step's disc and a status disc hold a
    // drawn check, a rule is 2 px, PIN dots are filled in the text colour.
    let graphic = ["ok", "line", "text"];
    let mut problems = Vec::new();
    let mut checked = 0;
    // Every colour of the theme is in a pair or drawn without text on it: a new colour
    // cannot slip past this test.
    let theme_src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/theme.slint")).unwrap();
    let colours: BTreeSet<String> = theme_src
        .lines()
        .filter_map(|l| l.trim().strip_prefix("out property <color> "))
        .map(|rest| rest.split(':').next().unwrap().trim().to_string())
        .collect();
    assert!(colours.len() > 20, "{colours:?}");
    for c in &colours {
        if !fgs.contains(c) && !bgs.contains(c) && !graphic.contains(&c.as_str()) {
            problems.push(format!("ui/theme.slint: Theme.{c} is in no pair of Theme.pairs"));
        }
    }
    for (path, src) in slint_sources() {
        let file = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string();
        // The theme defines the colours and the pairs themselves.
        if file.ends_with("theme.slint") {
            continue;
        }
        for (line, expr) in bindings(&src, "color", &["border-color"]) {
            checked += 1;
            if let Some(lit) = literal_colour(expr) {
                problems.push(format!("{file}:{line}: text colour `{lit}` is not a Theme colour"));
            }
            for n in theme_names(expr).into_iter().filter(|n| colours.contains(n)) {
                if !fgs.contains(&n) {
                    problems.push(format!("{file}:{line}: text in Theme.{n}, which no pair in Theme.pairs lists"));
                }
            }
        }
        for (line, expr) in bindings(&src, "background", &[]) {
            for n in theme_names(expr).into_iter().filter(|n| colours.contains(n)) {
                if !bgs.contains(&n) && !graphic.contains(&n.as_str()) {
                    problems.push(format!("{file}:{line}: background Theme.{n}, which no pair in Theme.pairs lists"));
                }
            }
        }
    }
    assert!(checked > 100, "found the text colours ({checked})");
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---- layout in 长者版 ----

fn rect(e: &ElementHandle) -> (f32, f32, f32, f32) {
    let (p, s) = (e.absolute_position(), e.size());
    (p.x, p.y, s.width, s.height)
}

#[test]
fn every_touch_target_is_at_least_120_px_in_elder_mode() {
    let app = window();
    let cat = Catalog::seed();
    let mut small = Vec::new();
    let mut seen = 0;
    for screen in Screen::ALL {
        // Staff only, never in 长者版.
        if screen == Screen::Maintenance {
            continue;
        }
        let mut s = kiosk::headless::demo_state(screen, &cat);
        s.elder = true;
        show(&app, &s, &cat);
        assert!(app.global::<Theme>().get_elder());
        let touchable = app
            .root_element()
            .query_descendants()
            .match_predicate(|e| matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::Checkbox)))
            .find_all();
        for e in touchable {
            let (_, _, w, h) = rect(&e);
            seen += 1;
            if w < 120.0 || h < 120.0 {
                small.push(format!("{}: `{}` is {w}×{h}", screen.name(), e.accessible_label().unwrap_or_default()));
            }
        }
    }
    assert!(seen > 50, "found the buttons ({seen})");
    assert!(small.is_empty(), "{small:#?}");
}

#[test]
fn the_elder_form_shows_at_least_five_rows_without_scrolling() {
    let app = window();
    let cat = Catalog::seed();
    for bundle in ["newborn", "restaurant"] {
        show(&app, &elder_form(bundle, &cat), &cat);
        // Drawn first, so that every row is laid out.
        let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/screenshots/elder-form-{bundle}.png"));
        kiosk::headless::save_png(&app, &shot).unwrap();
        let list = ElementHandle::find_by_element_id(&app, "FormScreen::rows").next().expect("the form's rows");
        let (_, top, _, height) = rect(&list);
        let bottom = top + height;
        let rows: Vec<_> = app
            .root_element()
            .query_descendants()
            .match_accessible_role(AccessibleRole::ListItem)
            .find_all()
            .iter()
            .map(rect)
            .collect();
        let shown = rows.iter().filter(|(_, y, _, h)| *y >= top - 0.5 && y + h <= bottom + 0.5).count();
        println!("{bundle}: {shown} whole rows in view ({top}..{bottom} px)");
        assert!(shown >= 5, "{bundle}: only {shown} rows in view: {rows:?}");
    }
}

/// The lines of ink inside a box of the snapshot: (top, bottom, left, right) of each.
fn ink_lines(img: &image::RgbaImage, (x, y, w, h): (f32, f32, f32, f32)) -> Vec<(u32, u32, u32, u32)> {
    let (x0, y0) = (x.max(0.0) as u32, y.max(0.0) as u32);
    let (x1, y1) = (((x + w) as u32).min(img.width()), ((y + h) as u32).min(img.height()));
    let dark = |xx: u32, yy: u32| {
        let p = img.get_pixel(xx, yy);
        (p[0] as u32 + p[1] as u32 + p[2] as u32) < 300
    };
    let mut lines: Vec<(u32, u32, u32, u32)> = Vec::new();
    for yy in y0..y1 {
        let inked: Vec<u32> = (x0..x1).filter(|&xx| dark(xx, yy)).collect();
        let (Some(&l), Some(&r)) = (inked.first(), inked.last()) else { continue };
        match lines.last_mut() {
            // Strokes of one line of glyphs leave gaps of a pixel or two at most.
            Some(last) if yy <= last.1 + 3 => {
                last.1 = yy;
                last.2 = last.2.min(l);
                last.3 = last.3.max(r);
            }
            _ => lines.push((yy, yy, l, r)),
        }
    }
    lines
}

#[test]
fn long_labels_break_by_phrase_in_elder_mode() {
    let app = window();
    let cat = Catalog::seed();
    show(&app, &elder_form("restaurant", &cat), &cat);
    let font = app.global::<Theme>().get_body();
    let img = {
        let shot = app.window().take_snapshot().unwrap();
        image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec()).unwrap()
    };
    let label_box = |label: &str| {
        let drawn = kiosk::ui::lines::balance(label, kiosk::ui::view::LABEL_COLS);
        let e = app
            .root_element()
            .query_descendants()
            .match_accessible_role(AccessibleRole::Text)
            .match_predicate(move |e| e.accessible_label().is_some_and(|l| l == drawn.as_str()))
            .find_first()
            .unwrap_or_else(|| panic!("label `{label}` on the form"));
        rect(&e)
    };
    // Fits the label column on one line.
    let lines = ink_lines(&img, label_box("统一社会信用代码"));
    assert_eq!(lines.len(), 1, "统一社会信用代码 on one line: {lines:?}");
    assert!((lines[0].3 - lines[0].2) as f32 > 7.0 * font, "all 8 characters on it: {lines:?}");
    // Too long for it: two lines, neither one character.
    let lines = ink_lines(&img, label_box("经营场所面积（平方米）"));
    assert_eq!(lines.len(), 2, "经营场所面积（平方米） on two lines: {lines:?}");
    for l in &lines {
        assert!((l.3 - l.2) as f32 > 2.0 * font, "no line of one character: {lines:?}");
    }
}
