//! Voice prompts through the real UI and binary: the 重听 button on the bottom bar, the
//! voice as the journey's second observer (a null sink records what would be played),
//! and `kiosk voice` for a technician.

mod common;

use kiosk::ui::ScreenId;
use kiosk::voice::Prompt;
use std::process::Command;

fn espeak_installed() -> bool {
    let ok = Command::new("espeak-ng").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: espeak-ng is not installed (scripts/setup.sh installs it)");
    }
    ok
}

#[test]
fn replay_button_and_elder_mode_drive_the_voice() {
    let (_h, said) = common::run(|d, hands| {
        d.wait_screen(ScreenId::Attract);
        d.tap("点击屏幕 开始办理");
        d.wait_screen(ScreenId::Home);
        // "auto": quiet until 长者版 or 重听.
        assert!(hands.voice.said().is_empty(), "{:?}", hands.voice.said());
        d.tap("重听");
        common::eventually(common::TIMEOUT, || (!hands.voice.said().is_empty()).then_some(()));
        d.tap("长者版");
        common::eventually(common::TIMEOUT, || (hands.voice.said().len() >= 2).then_some(()));
        d.tap("新生儿出生“一件事”");
        d.wait_screen(ScreenId::Guide);
        d.tap("我已了解，开始办理");
        d.wait_screen(ScreenId::Form);
        d.shot("voice-form");
        hands.voice.said()
    });
    let got: Vec<(Prompt, bool)> = said.iter().map(|s| (s.prompt, s.loud)).collect();
    assert_eq!(&got[..2], [(Prompt::Home, false), (Prompt::Home, true)], "重听, then 长者版 louder: {got:?}");
    let prompts: Vec<Prompt> = got.iter().map(|(p, _)| *p).collect();
    for p in [Prompt::Guide, Prompt::PlaceCard, Prompt::TakeCard, Prompt::Form] {
        assert!(prompts.contains(&p), "{p:?} not said: {prompts:?}");
    }
    let text = said.iter().map(|s| s.text).collect::<Vec<_>>().join("\n");
    for pii in ["张晓", "410702", "平原路", "13812345678"] {
        assert!(!text.contains(pii), "the voice said {pii}: {text}");
    }
}

#[test]
fn kiosk_voice_renders_one_prompt_and_lists_them() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk")).args(["voice", "--list"]).output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(list.contains("take-card") && list.contains("请取走您的身份证"), "{list}");
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("x.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["voice", "--text", "请取走回执", "--rate", "140", "--out"])
        .arg(&wav)
        .env("KIOSK_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pcm = kiosk::voice::Pcm::decode(&std::fs::read(&wav).unwrap()).unwrap();
    assert!(pcm.voiced_secs() > 0.3, "{}", pcm.voiced_secs());
    // A bad rate is refused by the argument parser.
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["voice", "--text", "x", "--rate", "5", "--out"])
        .arg(&wav)
        .output()
        .unwrap();
    assert!(!out.status.success());
}
