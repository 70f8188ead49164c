//! The voice's tests: the prompt table, the audio (espeak-ng, cache, recordings), the
//! player's failures, and what the sink says along a journey.

use super::*;
use crate::catalog::Catalog;
use crate::config::VoiceMode;
use crate::journey::{self, Applicant, Ctx, Event, Screen, State, Timing};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn applicant() -> Applicant {
    crate::journey::sample_applicant()
}

/// Personal data a prompt must never hold: the sample citizen's and the demo card's.
fn personal_data() -> Vec<String> {
    let a = applicant();
    #[allow(unused_mut)]
    let mut v = vec![a.name.clone(), a.id_number.clone(), a.address.clone(), "13812345678".into(), "平原路".into()];
    #[cfg(feature = "demo")]
    {
        let c = kiosk_hardware::idcard::demo_card();
        v.extend([c.name.clone(), c.id_number.clone(), c.address.clone(), c.authority.clone()]);
    }
    v
}

/// Longest run of digits (ASCII, full-width or Chinese numerals) in `s`.
fn longest_digit_run(s: &str) -> usize {
    let digit =
        |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c) || "〇零一二三四五六七八九十百千万".contains(c);
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if digit(c) { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

fn espeak_installed() -> bool {
    let ok = std::process::Command::new("espeak-ng")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED: espeak-ng is not installed (scripts/setup.sh installs it)");
    }
    ok
}

#[test]
fn every_screen_has_a_prompt_and_every_prompt_one_row() {
    for screen in Screen::ALL {
        let p = Prompt::for_screen(screen);
        let row = TABLE.iter().find(|r| r.prompt == p).expect("row");
        assert_eq!(row.screen, Some(screen), "{screen:?}: its prompt's row names it");
        assert!(!p.text().trim().is_empty(), "{screen:?}");
    }
    let mut ids: Vec<&str> = TABLE.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), TABLE.len(), "ids are unique");
    let mut prompts: Vec<Prompt> = Prompt::all().collect();
    prompts.sort();
    prompts.dedup();
    assert_eq!(prompts.len(), TABLE.len(), "each prompt has one row");
    for r in TABLE {
        assert_eq!(Prompt::from_id(r.id), Some(r.prompt));
        assert!(r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}: a file name", r.id);
    }
    // The event prompts of the issue, word for word.
    assert!(Prompt::PlaceCard.text().contains("请将身份证放在感应区"));
    assert!(Prompt::TakeCard.text().contains("请取走您的身份证"));
    assert!(Prompt::TakeReceipt.text().contains("请取走回执"));
    assert!(Prompt::Retake.text().contains("材料未拍清楚"));
    assert_eq!(Prompt::for_screen(Screen::InactivityWarning), Prompt::IdleWarning);
}

#[test]
fn no_prompt_holds_personal_data() {
    for r in TABLE {
        assert!(longest_digit_run(r.text) < 4, "{}: a run of digits: {}", r.id, r.text);
        for pii in personal_data() {
            assert!(!r.text.contains(&pii), "{}: {pii}", r.id);
        }
        for word in ["姓名", "号码是", "住址", "地址是", "电话是"] {
            assert!(!r.text.contains(word), "{}: says {word}", r.id);
        }
    }
}

// ---- What the sink says ----

struct Run {
    cat: std::sync::Arc<Catalog>,
    state: Option<State>,
    sink: VoiceSink,
    rec: std::sync::Arc<Recorder>,
}

impl Run {
    fn new(mode: VoiceMode) -> Run {
        let rec = std::sync::Arc::new(Recorder::default());
        let sink = VoiceSink::new(mode, rec.clone());
        let r = Run { cat: std::sync::Arc::new(Catalog::seed()), state: Some(State::new(120)), sink, rec };
        r.publish();
        r
    }

    fn publish(&self) {
        let snap = crate::runtime::Snapshot {
            state: std::sync::Arc::new(self.state.clone().unwrap()),
            catalog: self.cat.clone(),
            preview: None,
        };
        crate::runtime::Snapshots::publish(&self.sink, snap);
    }

    /// Steps the real journey and publishes each state, as the runtime does.
    fn events(&mut self, events: impl IntoIterator<Item = Event>) -> &mut Self {
        for e in events {
            let ctx =
                Ctx { catalog: &self.cat, today: "20261121", now_ms: 1_795_000_000_000, timing: Timing::default() };
            let (s, _) = journey::step(self.state.take().unwrap(), e, &ctx);
            self.state = Some(s);
            self.publish();
        }
        self
    }

    fn screen(&self) -> Screen {
        self.state.as_ref().unwrap().screen
    }

    fn said(&self) -> Vec<Prompt> {
        self.rec.prompts()
    }
}

fn to_identify() -> Vec<Event> {
    vec![Event::Tap, Event::StartBundle("newborn".into()), Event::Next]
}

fn phone() -> Vec<Event> {
    let mut v = vec![Event::EditPhone];
    v.extend("13812345678".chars().map(Event::Key));
    v.push(Event::EditDone);
    v
}

/// A whole visit in 长者版 with the voice on "auto": every screen's prompt in order, the
/// event prompts at their moments, and only fixed texts of the table.
#[test]
fn the_sink_speaks_a_visit_in_elder_mode_and_never_personal_data() {
    let mut r = Run::new(VoiceMode::Auto);
    r.events([Event::ToggleElder]);
    assert_eq!(r.said(), [Prompt::Attract], "choosing 长者版 starts the voice where the citizen is");
    r.events(to_identify());
    assert_eq!(r.screen(), Screen::Identify);
    assert_eq!(r.said(), [Prompt::Attract, Prompt::Home, Prompt::Guide, Prompt::PlaceCard]);
    r.rec.clear();
    r.events([Event::CardRead(applicant())]);
    assert_eq!(r.screen(), Screen::Form);
    assert_eq!(r.said(), [Prompt::TakeCard, Prompt::Form], "take the card, then what the form wants");
    r.events(phone()).events([Event::Next]);
    assert_eq!(r.screen(), Screen::Materials);
    r.rec.clear();
    // A refused photo, then all taken.
    r.events([Event::Capture(0), Event::CaptureFailed { slot: 0, message: "太暗".into() }]);
    assert_eq!(r.said(), [Prompt::Retake]);
    let slots = r.state.as_ref().unwrap().session.as_ref().unwrap().materials.len();
    for i in 0..slots {
        r.events([Event::Capture(i), Event::Captured { slot: i, pages: 1 }]);
    }
    r.rec.clear();
    r.events([
        Event::Next,
        Event::Next,
        Event::CaseQueued { local_no: "XX-0001-000001".into() },
        Event::ReceiptPrinted,
    ]);
    assert_eq!(r.said(), [Prompt::Review, Prompt::Submitting, Prompt::Receipt, Prompt::TakeCard, Prompt::TakeReceipt]);
    r.events([Event::Tick(110)]);
    assert_eq!(r.said().last(), Some(&Prompt::IdleWarning), "the inactivity warning is spoken");
    r.events([Event::StillHere, Event::Next, Event::SkipRating]);
    assert_eq!(r.screen(), Screen::Farewell);
    assert_eq!(r.said().last(), Some(&Prompt::Farewell));
    assert!(Prompt::Farewell.text().contains("身份证") && Prompt::Farewell.text().contains("回执"));
    let said = r.rec.said();
    assert!(said.iter().all(|s| s.loud), "长者版: the louder setting");
    // Only texts of the table (the very same static strings), none of the citizen's data.
    for s in &said {
        assert!(TABLE.iter().any(|row| std::ptr::eq(row.text, s.text)), "{s:?} is not a row of the table");
        for pii in personal_data() {
            assert!(!s.text.contains(&pii), "{s:?} says {pii}");
        }
    }
    // The visit ends: 长者版 stays on the screen (the journey keeps it after 完成), but the
    // louder voice is not the next citizen's.
    r.rec.clear();
    r.events([Event::Next]);
    assert_eq!(r.screen(), Screen::Attract);
    r.events([Event::Tap]);
    assert!(r.said().is_empty(), "after the visit, auto is quiet again: {:?}", r.said());
    r.events([Event::Replay]);
    assert_eq!(
        r.rec.said().last().map(|s| (s.prompt, s.loud)),
        Some((Prompt::Home, false)),
        "重听 at the normal volume"
    );
}

#[test]
fn auto_is_quiet_without_elder_mode_but_replay_speaks() {
    let mut r = Run::new(VoiceMode::Auto);
    r.events(to_identify()).events([Event::CardRead(applicant())]);
    assert!(r.said().is_empty(), "{:?}", r.said());
    r.events([Event::Replay]);
    assert_eq!(r.said(), [Prompt::Form], "重听 plays the screen's prompt");
    assert!(!r.rec.said()[0].loud);
    r.events([Event::Help, Event::Replay]);
    assert_eq!(r.said(), [Prompt::Form, Prompt::Help]);
}

#[test]
fn voice_off_says_nothing_not_even_on_replay() {
    let mut r = Run::new(VoiceMode::Off);
    r.events([Event::ToggleElder]).events(to_identify()).events([Event::CardRead(applicant()), Event::Replay]);
    assert!(r.said().is_empty(), "{:?}", r.said());
}

#[test]
fn voice_on_speaks_without_elder_mode_at_the_normal_volume() {
    let mut r = Run::new(VoiceMode::On);
    r.events(to_identify()).events([Event::CardRead(applicant())]);
    assert_eq!(r.said(), [Prompt::Home, Prompt::Guide, Prompt::PlaceCard, Prompt::TakeCard, Prompt::Form]);
    assert!(r.rec.said().iter().all(|s| !s.loud));
    // Inactivity ends the session and 长者版 with it.
    r.events([Event::ToggleElder, Event::Tick(100)]);
    assert_eq!(r.rec.said().last().map(|s| (s.prompt, s.loud)), Some((Prompt::IdleWarning, true)));
    r.events([Event::Tick(20)]);
    assert_eq!(r.screen(), Screen::Attract);
    assert_eq!(r.rec.said().last().map(|s| (s.prompt, s.loud)), Some((Prompt::Attract, false)));
}

#[test]
fn the_decider_interrupts_on_a_new_screen_only() {
    let facts = |screen, printed| Facts { screen, elder: true, replay: 0, card_read: true, printed, failed: vec![] };
    let mut d = Decider::new(VoiceMode::Auto);
    assert_eq!(d.next(facts(Screen::Submitting, false)), None, "the first state is only remembered");
    let u = d.next(facts(Screen::Receipt, false)).unwrap();
    assert!(u.interrupt && u.loud);
    assert_eq!(u.prompts, [Prompt::Receipt, Prompt::TakeCard], "the card on the reader, named on the receipt screen");
    let u = d.next(facts(Screen::Receipt, true)).unwrap();
    assert_eq!(u.prompts, [Prompt::TakeReceipt]);
    assert!(!u.interrupt, "请取走回执 follows the receipt screen's prompt");
    assert_eq!(d.next(facts(Screen::Receipt, true)), None, "nothing new, nothing said");
}

// ---- Audio ----

#[test]
fn every_prompt_synthesises_to_a_wav_with_sound() {
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let espeak = Espeak::default();
    let mut total = Duration::ZERO;
    for r in TABLE {
        let t = Instant::now();
        let bytes = espeak.render(r.text, 150, dir.path()).unwrap_or_else(|e| panic!("{}: {e}", r.id));
        let took = t.elapsed();
        total += took;
        let pcm = Pcm::decode(&bytes).unwrap();
        let voiced = pcm.voiced_secs();
        eprintln!(
            "{:<15} {:>5.2} s audio, {:>5.2} s voiced, rendered in {:>4} ms",
            r.id,
            pcm.secs(),
            voiced,
            took.as_millis()
        );
        assert!(voiced > 0.3, "{}: {voiced} s of sound", r.id);
    }
    eprintln!("all {} prompts rendered in {} ms", TABLE.len(), total.as_millis());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no scratch files left");
}

/// Debian 12's plain `cmn` voice spells most characters' pinyin in English; the voice
/// the renderer picks must say every prompt in Mandarin.
#[test]
fn every_prompt_is_spoken_in_mandarin_not_spelt_in_english() {
    if !espeak_installed() {
        return;
    }
    for r in TABLE {
        let ph = Espeak::default().phonemes(r.text).unwrap();
        assert!(!ph.contains("(en)"), "{}: espeak-ng switches to English: {ph}", r.id);
        assert!(!ph.trim().is_empty(), "{}", r.id);
    }
}

#[test]
fn prepare_fills_the_cache_once_then_reuses_it() {
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("voice-cache");
    let lib = Library::new(cache.clone(), vec![], 150, 70, 100);
    let done = lib.prepare();
    assert!(done.failed.is_empty(), "{:?}", done.failed);
    assert_eq!(done.rendered.len(), TABLE.len());
    eprintln!(
        "prepare: {} prompts in {} ms (slowest {:?}), cache {} KiB",
        done.rendered.len(),
        done.elapsed.as_millis(),
        done.rendered.iter().max_by_key(|(_, d)| *d),
        done.cache_bytes / 1024
    );
    for p in Prompt::all() {
        let (quiet, loud) = (lib.clip(p, false).unwrap(), lib.clip(p, true).unwrap());
        let peak = |f: &std::path::Path| {
            Pcm::decode(&std::fs::read(f).unwrap()).unwrap().samples.iter().map(|s| s.unsigned_abs()).max().unwrap()
        };
        assert!(peak(&loud) > peak(&quiet), "{}: 长者版 is louder", p.id());
    }
    // A second start renders nothing.
    let again = Library::new(cache.clone(), vec![], 150, 70, 100).prepare();
    assert_eq!((again.rendered.len(), again.cached), (0, TABLE.len()));
    assert_eq!(again.cache_bytes, done.cache_bytes);
    // Another rate: rendered anew, the old files removed (the device probe's stays).
    lib.probe_clip().unwrap();
    let slower = Library::new(cache.clone(), vec![], 120, 70, 100).prepare();
    assert_eq!(slower.rendered.len(), TABLE.len());
    let files = std::fs::read_dir(&cache).unwrap().count();
    assert_eq!(files, TABLE.len() * 2 + 1, "two loudnesses per prompt and the probe's silence");
}

/// A tone of `secs`, as a recorded prompt.
fn tone(secs: f32) -> Vec<u8> {
    let rate = 16_000u32;
    let samples =
        (0..(rate as f32 * secs) as u32).map(|i| ((i as f32 * 0.15).sin() * 8000.0) as i16).collect::<Vec<_>>();
    Pcm { sample_rate: rate, channels: 1, samples }.encode()
}

#[test]
fn a_recorded_wav_wins_over_synthesis_and_the_sites_over_the_shipped() {
    let dir = tempfile::tempdir().unwrap();
    let (site, shipped) = (dir.path().join("data/voice"), dir.path().join("share/voice"));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&shipped).unwrap();
    std::fs::write(shipped.join("take-card.wav"), tone(1.0)).unwrap();
    std::fs::write(shipped.join("take-receipt.wav"), tone(1.0)).unwrap();
    std::fs::write(site.join("take-receipt.wav"), tone(2.0)).unwrap();
    // Without a synthesiser too: the recordings still play.
    let lib = Library::new(dir.path().join("cache"), vec![site, shipped], 150, 70, 100)
        .with_espeak(Espeak::with_program("/nonexistent/espeak-ng"));
    let done = lib.prepare();
    assert_eq!(done.recorded, 2);
    let secs = |p| Pcm::decode(&std::fs::read(lib.clip(p, true).unwrap()).unwrap()).unwrap().secs();
    assert!((secs(Prompt::TakeCard) - 1.0).abs() < 0.01);
    assert!((secs(Prompt::TakeReceipt) - 2.0).abs() < 0.01, "the site's recording wins");
    assert!(lib.clip(Prompt::PlaceCard, false).is_none(), "no espeak-ng: text only");
    assert_eq!(done.failed.len(), TABLE.len() - 2);
}

#[test]
fn missing_espeak_is_text_only_with_a_host_alert() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::new(dir.path().join("cache"), vec![], 150, 70, 100)
        .with_espeak(Espeak::with_program(dir.path().join("no-espeak-ng")));
    let done = lib.prepare();
    assert!(done.engine_missing.is_some());
    assert_eq!(done.failed.len(), TABLE.len());
    let raised = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    let alerts = Alerts::default();
    let r = raised.clone();
    alerts.set(move |m| r.lock().unwrap().push(m.to_string()));
    report(&done, &alerts);
    let raised = raised.lock().unwrap().clone();
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert!(raised[0].contains("espeak-ng"), "{raised:?}");
    // The sink and player go on: a prompt without audio is skipped.
    let player = Aplay::start(std::sync::Arc::new(lib), AplayCmd::default(), std::sync::Arc::new(Alerts::default()));
    player.say(Utterance { prompts: vec![Prompt::PlaceCard], loud: false, interrupt: true });
}

fn alerts_into(v: &std::sync::Arc<Mutex<Vec<String>>>) -> std::sync::Arc<Alerts> {
    let alerts = Alerts::default();
    let r = v.clone();
    alerts.set(move |m| r.lock().unwrap().push(m.to_string()));
    std::sync::Arc::new(alerts)
}

/// A library whose every prompt is a recording (no synthesiser needed).
fn recorded_library(dir: &std::path::Path) -> std::sync::Arc<Library> {
    let rec = dir.join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    for r in TABLE {
        std::fs::write(rec.join(format!("{}.wav", r.id)), tone(0.2)).unwrap();
    }
    let lib = Library::new(dir.join("cache"), vec![rec], 150, 70, 100);
    assert!(lib.prepare().failed.is_empty());
    std::sync::Arc::new(lib)
}

#[test]
fn no_audio_device_is_one_host_alert_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let lib = recorded_library(dir.path());
    let raised = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    // aplay not installed at all.
    let cmd = AplayCmd { program: dir.path().join("no-aplay"), device: None };
    let player = Aplay::start(lib.clone(), cmd, alerts_into(&raised));
    for _ in 0..3 {
        player.say(Utterance { prompts: vec![Prompt::PlaceCard, Prompt::TakeCard], loud: true, interrupt: true });
    }
    wait_for(|| !raised.lock().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(200));
    let got = raised.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "reported once: {got:?}");
    assert!(got[0].contains("alsa-utils"), "{got:?}");
    // aplay there, the device not.
    let have_aplay = std::process::Command::new("aplay").arg("--version").output().is_ok_and(|o| o.status.success());
    if !have_aplay {
        eprintln!("SKIPPED (device part): aplay is not installed (scripts/setup.sh installs alsa-utils)");
        return;
    }
    let raised = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    let cmd = AplayCmd { program: "aplay".into(), device: Some("kiosk_test_no_such_device".into()) };
    let player = Aplay::start(lib.clone(), cmd, alerts_into(&raised));
    player.probe(lib.probe_clip().unwrap());
    player.say(Utterance { prompts: vec![Prompt::Attract], loud: false, interrupt: false });
    wait_for(|| !raised.lock().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(300));
    let got = raised.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("no audio output"), "{got:?}");
}

impl Pcm {
    /// The samples as if at `rate` (a tone stays a tone; only its length matters here).
    fn resampled_for_test(&self, rate: u32) -> Vec<i16> {
        let n = self.samples.len() as u64 * rate as u64 / self.sample_rate as u64;
        (0..n).map(|i| self.samples[(i * self.sample_rate as u64 / rate as u64) as usize]).collect()
    }
}

pub(super) fn wait_for(f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(10), "condition not met in 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn volume_scales_and_recordings_in_other_formats_decode() {
    let pcm = Pcm::decode(&tone(0.5)).unwrap();
    let peak = |p: &Pcm| p.samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((peak(&pcm.at_volume(100)) as i32 - 29_162).abs() < 3, "-1 dBFS at 100");
    assert_eq!(peak(&pcm.at_volume(0)), 0);
    assert!(peak(&pcm.at_volume(50)) < peak(&pcm.at_volume(70)));
    // A 32-bit float recording.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..44_100 {
        w.write_sample((i as f32 * 0.05).sin() * 0.5).unwrap();
    }
    w.finalize().unwrap();
    let f = Pcm::decode(&out.into_inner()).unwrap();
    assert_eq!((f.channels, f.sample_rate), (2, 44_100));
    assert!((f.secs() - 0.5).abs() < 0.01 && f.voiced_secs() > 0.4);
    assert!(Pcm::decode(b"not a wav").is_err());
    // Silence around the words goes, but for a breath.
    let mut padded = Pcm::silence(1.0);
    padded.samples.extend(Pcm::decode(&tone(0.5)).unwrap().resampled_for_test(22_050));
    padded.samples.extend(Pcm::silence(1.0).samples);
    let t = padded.trimmed();
    assert!((t.secs() - 0.68).abs() < 0.02, "{}", t.secs());
    assert_eq!(Pcm::silence(0.1).trimmed().secs(), Pcm::silence(0.1).secs(), "all silence stays as it is");
}

#[test]
fn the_technicians_render_writes_a_playable_wav() {
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    let secs = render_to_file("请取走回执", 150, &out).unwrap();
    let pcm = Pcm::decode(&std::fs::read(&out).unwrap()).unwrap();
    assert!(secs > 0.5 && pcm.voiced_secs() > 0.3, "{secs}");
    assert!(render_to_file("请取走回执", 150, &dir.path().join("missing/x.wav")).is_err());
}
