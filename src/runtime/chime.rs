//! The local chime when a citizen calls staff (帮办): a short two-tone WAV played with
//! `aplay` (ALSA; a system service has no desktop sound server). Tests use [`Recorder`].

use std::path::PathBuf;
use std::sync::Mutex;

/// What to sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// 呼叫工作人员: staff should come to the terminal.
    HelpCall,
}

pub trait Chime: Send + Sync {
    fn play(&self, cue: Cue);
}

/// Plays through ALSA with `aplay`, the WAV written once into the cache directory.
pub struct Aplay {
    dir: PathBuf,
}

impl Aplay {
    pub fn new(dir: PathBuf) -> Self {
        Aplay { dir }
    }

    fn file(&self, cue: Cue) -> std::io::Result<PathBuf> {
        let path = self.dir.join(match cue {
            Cue::HelpCall => "chime-help.wav",
        });
        if !path.exists() {
            std::fs::create_dir_all(&self.dir)?;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, wav(cue))?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(path)
    }
}

impl Chime for Aplay {
    fn play(&self, cue: Cue) {
        let path = match self.file(cue) {
            Ok(p) => p,
            Err(e) => return tracing::warn!(error = %e, "chime file"),
        };
        // Never waits: the sound plays while the journey goes on.
        match std::process::Command::new("aplay")
            .arg("-q")
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(e) => tracing::warn!(error = %e, "chime: aplay not available"),
        }
    }
}

/// Records what would have been played (tests, `--screenshot`).
#[derive(Default)]
pub struct Recorder {
    pub played: Mutex<Vec<Cue>>,
}

impl Chime for Recorder {
    fn play(&self, cue: Cue) {
        self.played.lock().unwrap_or_else(|e| e.into_inner()).push(cue);
    }
}

/// A soft "ding-dong" (E5 then C5), 16-bit mono 16 kHz.
pub fn wav(cue: Cue) -> Vec<u8> {
    let Cue::HelpCall = cue;
    let rate = 16_000u32;
    let spec =
        hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut out = std::io::Cursor::new(Vec::new());
    if let Ok(mut w) = hound::WavWriter::new(&mut out, spec) {
        for (freq, secs) in [(659.25f32, 0.45f32), (523.25, 0.7)] {
            let n = (rate as f32 * secs) as u32;
            for i in 0..n {
                let t = i as f32 / rate as f32;
                // A bell-like decay so it is heard but not harsh.
                let amp = 0.35 * (-3.0 * t).exp() * (1.0 - (-200.0 * t).exp());
                let v = (2.0 * std::f32::consts::PI * freq * t).sin() * amp;
                let _ = w.write_sample((v * i16::MAX as f32) as i16);
            }
        }
        let _ = w.finalize();
    }
    out.into_inner()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_chime_is_a_readable_wav_of_about_a_second() {
        let bytes = super::wav(super::Cue::HelpCall);
        let r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        let secs = r.duration() as f32 / r.spec().sample_rate as f32;
        assert!((1.0..1.5).contains(&secs), "{secs}");
        let peak = r.into_samples::<i16>().map(|s| s.unwrap().unsigned_abs()).max().unwrap();
        assert!(peak > 5_000, "audible: {peak}");
    }
}
