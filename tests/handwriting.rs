//! 手写: Zinnia with the Simplified Chinese model of tegaki-zinnia-simplified-chinese
//! (scripts/setup.sh installs it) on the stroke files of tests/data/strokes/, written
//! by hand from each character's stroke order on a 0–1000 square. Bad ink and a
//! missing model are typed errors, never a panic. `kiosk ime hw` prints candidates.
//!
//! The recognition rates and the time per stroke are printed (`--nocapture`); the time
//! is measured properly by `cargo bench --bench handwriting`.

use kiosk::handwriting::{answer, parse_strokes, Handwriting, HwError, Point, Recognizer, CANDIDATES, DEFAULT_MODEL};
use kiosk::journey::Event;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

/// Characters the issue asks for; each has a file.
const REQUIRED: &str = "一二三十口人大王中日";

/// Written in the standard stroke order (GF 横 撇 点 竖折) the Tegaki model does not know
/// it: it learned 匚 before 乂. Its rank is reported, not asserted.
const KNOWN_MISSES: &str = "区";

fn strokes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/strokes")
}

/// A character's strokes.
type Ink = Vec<Vec<Point>>;

/// (character, strokes) for every file, in name order.
fn stroke_files() -> Vec<(char, Ink)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(strokes_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap();
            let ch = stem.chars().next().unwrap();
            assert_eq!(stem.chars().count(), 1, "{}: one character per file, named by it", p.display());
            let ink = parse_strokes(&std::fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{stem}: {e}"));
            (ch, ink)
        })
        .collect()
}

fn recognizer() -> Recognizer {
    Recognizer::open(Path::new(DEFAULT_MODEL)).unwrap_or_else(|e| panic!("{e}: run scripts/setup.sh"))
}

#[test]
fn each_written_character_is_among_the_first_five() {
    let rec = recognizer();
    assert!(rec.size() > 6000, "the zh_CN model knows GB 2312: {}", rec.size());
    let files = stroke_files();
    for c in REQUIRED.chars() {
        assert!(files.iter().any(|(ch, _)| *ch == c), "tests/data/strokes/{c}.json");
    }
    let (mut top1, mut top5, mut misses) = (0, 0, Vec::new());
    let mut per_stroke = Vec::new();
    for (ch, ink) in &files {
        // After each stroke, as on the pad.
        for n in 1..=ink.len() {
            let t = Instant::now();
            match rec.classify(&ink[..n], CANDIDATES) {
                Ok(c) => assert_eq!(c.len(), CANDIDATES, "{ch}: {CANDIDATES} candidates after stroke {n}"),
                Err(HwError::Dot) => {}
                Err(e) => panic!("{ch}, {n} strokes: {e}"),
            }
            per_stroke.push(t.elapsed());
        }
        let found = rec.classify(ink, CANDIDATES).unwrap();
        let texts: String = found.iter().map(|c| c.text.as_str()).collect();
        let rank = found.iter().position(|c| c.text == ch.to_string()).map(|r| r + 1);
        println!("{ch}: rank {rank:?} of {texts} ({} strokes)", ink.len());
        top1 += usize::from(rank == Some(1));
        if rank.is_some_and(|r| r <= 5) {
            top5 += 1;
        } else if !KNOWN_MISSES.contains(*ch) {
            misses.push(format!("{ch} (rank {rank:?}: {texts})"));
        }
    }
    per_stroke.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "top-1 {top1}/{n}, top-5 {top5}/{n}; per stroke ({} classifications): median {:.1} ms, max {:.1} ms \
         (debug build of the test; Zinnia itself is always optimised)",
        per_stroke.len(),
        ms(per_stroke[per_stroke.len() / 2]),
        ms(*per_stroke.last().unwrap()),
        n = files.len(),
    );
    assert!(misses.is_empty(), "not among the first five: {misses:?}");
}

#[test]
fn ink_written_small_or_off_centre_is_recognised_too() {
    let rec = recognizer();
    let mut hits = 0;
    let files = stroke_files();
    for (ch, ink) in &files {
        // Written at 40% in the lower right corner of the pad.
        let small: Ink =
            ink.iter().map(|s| s.iter().map(|&(x, y)| (550 + x * 2 / 5, 560 + y * 2 / 5)).collect()).collect();
        let found = rec.classify(&small, CANDIDATES).unwrap();
        hits += usize::from(found.iter().take(5).any(|c| c.text == ch.to_string()));
    }
    println!("small, in a corner: top-5 {hits}/{}", files.len());
    assert!(hits + KNOWN_MISSES.chars().count() + 1 >= files.len(), "{hits}/{}", files.len());
}

#[test]
fn bad_ink_is_a_typed_error_never_a_panic() {
    let rec = recognizer();
    assert_eq!(rec.classify(&[], CANDIDATES), Err(HwError::NoStrokes));
    assert_eq!(rec.classify(&[vec![]], CANDIDATES), Err(HwError::EmptyStroke(0)));
    assert_eq!(rec.classify(&[vec![(300, 300), (700, 300)], vec![]], CANDIDATES), Err(HwError::EmptyStroke(1)));
    assert_eq!(rec.classify(&[vec![(500, 500)]], CANDIDATES), Err(HwError::Dot));
    assert_eq!(rec.classify(&[vec![(500, 500), (501, 500), (500, 502)]], CANDIDATES), Err(HwError::Dot));
    // Odd but harmless: the most extreme coordinates, a stroke of one point among others,
    // a zigzag of many points, one candidate asked for, or a thousand.
    let odd: Vec<Ink> = vec![
        vec![vec![(u16::MAX, u16::MAX), (0, 0)]],
        vec![vec![(500, 200)], vec![(100, 500), (900, 500)]],
        vec![(0..1000).map(|i| (i, if i % 2 == 0 { 0 } else { 1000 })).collect()],
        vec![vec![(0, 0), (0, 1000)]; 40],
    ];
    for ink in &odd {
        let c = rec.classify(ink, CANDIDATES).unwrap();
        assert!(!c.is_empty() && c.len() <= CANDIDATES);
    }
    assert_eq!(rec.classify(&odd[1], 1).unwrap().len(), 1);
    assert!(rec.classify(&odd[1], 1000).unwrap().len() <= rec.size());
    // Stroke files out of the square or not stroke lists at all.
    for bad in ["", "[[[1, 2, 3]]]", "[[[1001, 5]]]", "[[[\"a\", 1]]]", "{}"] {
        assert!(matches!(parse_strokes(bad), Err(HwError::BadFile(_))), "{bad:?}");
    }
}

#[test]
fn a_missing_model_leaves_the_tab_unavailable_and_nothing_panics() {
    let hw = Handwriting::new("/nonexistent/handwriting-zh_CN.model");
    let ink = vec![vec![(100, 500), (900, 500)]];
    assert_eq!(hw.recognize(&ink), Err(HwError::ModelMissing("/nonexistent/handwriting-zh_CN.model".into())));
    assert_eq!(answer(&hw, &[]), Event::HwUnavailable);
    assert_eq!(answer(&hw, &ink), Event::HwUnavailable);
    // With the model: opening answers with no candidates, ink with ten, a dot with none.
    let hw = Handwriting::new(DEFAULT_MODEL);
    assert_eq!(answer(&hw, &[]), Event::HwCandidates(vec![]));
    match answer(&hw, &ink) {
        Event::HwCandidates(c) => assert_eq!((c.len(), c[0].as_str()), (CANDIDATES, "一")),
        other => panic!("{other:?}"),
    }
    assert_eq!(answer(&hw, &[vec![(5, 5)]]), Event::HwCandidates(vec![]));
}

#[test]
fn one_recognizer_serves_many_threads() {
    let hw = Arc::new(Handwriting::new(DEFAULT_MODEL));
    let files = Arc::new(stroke_files());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (hw, files) = (hw.clone(), files.clone());
            std::thread::spawn(move || {
                for (ch, ink) in files.iter().skip(t).step_by(2) {
                    let c = hw.recognize(ink).unwrap();
                    assert_eq!(c.len(), CANDIDATES, "{ch}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(Arc::ptr_eq(&hw.recognizer().unwrap(), &hw.recognizer().unwrap()), "opened once");
}

#[test]
fn kiosk_ime_hw_prints_the_candidates_of_a_stroke_file() {
    let kiosk = env!("CARGO_BIN_EXE_kiosk");
    let file = strokes_dir().join("中.json");
    let out = Command::new(kiosk).args(["ime", "hw", "--strokes"]).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), CANDIDATES, "{stdout}");
    assert!(lines[..5].iter().any(|l| l.split('\t').nth(1) == Some("中")), "{stdout}");
    assert!(lines[0].starts_with("1\t"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("classified in"));

    // A missing model, a file that is not strokes, only a dot: a message and exit 1.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[[[5, 5000]]]").unwrap();
    let dot = dir.path().join("dot.json");
    std::fs::write(&dot, "[[[500, 500]]]").unwrap();
    for (args, says) in [
        (vec![file.clone(), "--model".into(), "/nonexistent.model".into()], "no such file"),
        (vec![bad], "outside"),
        (vec![dot], "only a dot"),
    ] {
        let out = Command::new(kiosk).args(["ime", "hw", "--strokes"]).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
