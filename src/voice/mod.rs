//! Voice prompts (语音提示, issue #15): a short spoken prompt for every screen and for a
//! few events (请将身份证放在感应区, 请取走您的身份证, 请取走回执, the inactivity warning,
//! 材料未拍清楚), never personal data.
//!
//! - [`prompts`]: the one table of prompts (fixed texts, ids for recordings).
//! - [`render`]: a recorded `<id>.wav` where present, otherwise espeak-ng in Mandarin;
//!   every prompt is made once at start into `<data_dir>/voice-cache/` on the blocking
//!   pool, so nothing is synthesised while a citizen waits.
//! - [`play`]: `aplay` through ALSA on its own thread, or a [`Recorder`] in tests.
//! - [`sink`]: the voice observes the journey's snapshots (`runtime::Snapshots`) and
//!   decides what to say from the screen, 长者版, 重听 and a few yes/no facts.
//!
//! `voice.enabled = "auto"` (the default) speaks in 长者版 only, at `voice.elder_volume`,
//! for that citizen's visit; 重听 plays the screen's prompt in any mode but "off".
//! No audio device or no espeak-ng: text only, with a host alert; never a panic.

pub mod play;
pub mod prompts;
pub mod render;
pub mod sink;
#[cfg(test)]
mod tests;

pub use play::{Alerts, Aplay, AplayCmd, Player, Recorder, Said, Utterance};
pub use prompts::{Prompt, TABLE};
pub use render::{Espeak, Library, Pcm, Prepared, RenderError};
pub use sink::{Decider, Facts, VoiceSink};

use crate::config::{Config, VoiceMode};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A terminal's voice: the sink the runtime publishes to, and the player and prompt
/// library behind it.
pub struct Voice {
    pub sink: Arc<VoiceSink>,
    pub library: Arc<Library>,
    player: Arc<Aplay>,
    alerts: Arc<Alerts>,
    mode: VoiceMode,
}

/// Where recorded prompts are looked for: the site's own (`<data_dir>/voice/`) first,
/// then `voice.recordings`.
pub fn recording_dirs(cfg: &Config) -> Vec<PathBuf> {
    vec![cfg.terminal.data_dir.join("voice"), cfg.voice.recordings.clone()]
}

impl Voice {
    pub fn new(cfg: &Config) -> Voice {
        let v = &cfg.voice;
        let library = Arc::new(Library::new(
            cfg.terminal.data_dir.join("voice-cache"),
            recording_dirs(cfg),
            v.rate,
            v.volume,
            v.elder_volume,
        ));
        let alerts = Arc::new(Alerts::default());
        let player = Arc::new(Aplay::start(
            library.clone(),
            AplayCmd { device: v.device.clone(), ..Default::default() },
            alerts.clone(),
        ));
        let sink = Arc::new(VoiceSink::new(v.enabled, player.clone()));
        Voice { sink, library, player, alerts, mode: v.enabled }
    }

    /// Once the store is there: trouble becomes a host alert, the prompts are made on
    /// the blocking pool in the background, then the audio device is checked with a
    /// moment of silence. Nothing to do when the voice is off.
    pub fn start(&self, rt: &tokio::runtime::Handle, store: Arc<crate::store::Store>) {
        if self.mode == VoiceMode::Off {
            return;
        }
        self.alerts.set(move |m| {
            let _ = store.raise_alert("voice", m);
        });
        let (library, player, alerts) = (self.library.clone(), self.player.clone(), self.alerts.clone());
        rt.spawn_blocking(move || {
            let done = library.prepare();
            report(&done, &alerts);
            if let Ok(probe) = library.probe_clip() {
                player.probe(probe);
            }
        });
    }
}

/// Logs what `prepare` did and raises the alerts it calls for.
pub fn report(done: &Prepared, alerts: &Alerts) {
    let render_ms: u128 = done.rendered.iter().map(|(_, d)| d.as_millis()).sum();
    tracing::info!(
        rendered = done.rendered.len(),
        cached = done.cached,
        recorded = done.recorded,
        failed = done.failed.len(),
        render_ms = render_ms as u64,
        cache_kib = done.cache_bytes / 1024,
        ms = done.elapsed.as_millis() as u64,
        "voice prompts ready"
    );
    if let Some(e) = &done.engine_missing {
        alerts.raise(&format!(
            "语音合成不可用，语音提示只以文字显示 / espeak-ng missing, text only (install espeak-ng): {e}"
        ));
    } else if let Some((p, e)) = done.failed.first() {
        alerts.raise(&format!(
            "{} 条语音提示无法生成，只以文字显示 / {} prompts without audio, e.g. {}: {e}",
            done.failed.len(),
            done.failed.len(),
            p.id()
        ));
    }
}

/// `kiosk voice --text … --out x.wav`: one prompt as the kiosk would play it at full
/// volume. Returns its length in seconds.
pub fn render_to_file(text: &str, rate: u32, out: &Path) -> Result<f32, RenderError> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let pcm = Pcm::decode(&Espeak::default().render(text, rate, dir)?)?.trimmed().at_volume(100);
    std::fs::write(out, pcm.encode())?;
    Ok(pcm.secs())
}
