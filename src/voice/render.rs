//! The prompts' audio: a recorded WAV where one is present, otherwise espeak-ng in
//! Mandarin. [`Library::prepare`] makes every prompt once, at start, into the cache
//! directory (one file per prompt and loudness, keyed by what went into it), so
//! nothing is synthesised while a citizen waits; a later start finds them there.

use super::Prompt;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// espeak-ng's Mandarin voices, the first that exists is used. On Debian 12 (espeak-ng
/// 1.51) plain `cmn` ("latin as English") reads most characters' pinyin as English words
/// (请 → "king three"); `cmn-latn-pinyin` says them in Mandarin. `zh` is older data's name.
pub const VOICES: [&str; 3] = ["cmn-latn-pinyin", "cmn", "zh"];

/// Peak of a prompt at volume 100: -1 dBFS, the same for every source.
const PEAK: f32 = 0.89 * i16::MAX as f32;

/// The device probe's file in the cache.
const PROBE: &str = "probe-silence.wav";

/// Bumped when the way files are made changes: old cache entries are then not reused.
const CACHE_VERSION: &str = "v1";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("语音合成程序不可用 / {program} cannot be run: {source}")]
    Missing { program: String, source: std::io::Error },
    #[error("{program} failed: {message}")]
    Failed { program: String, message: String },
    #[error("WAV: {0}")]
    Wav(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl RenderError {
    /// The synthesiser is not there at all (as opposed to failing on one text).
    pub fn is_missing(&self) -> bool {
        matches!(self, RenderError::Missing { .. })
    }
}

/// The espeak-ng command: `espeak-ng -v cmn -s RATE -a 100 -b 1 -w out.wav` with the text
/// on stdin (never taken for an option).
#[derive(Debug, Clone)]
pub struct Espeak {
    pub program: PathBuf,
}

impl Default for Espeak {
    fn default() -> Self {
        Espeak { program: PathBuf::from("espeak-ng") }
    }
}

static SCRATCH: AtomicU64 = AtomicU64::new(0);

impl Espeak {
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        Espeak { program: program.into() }
    }

    /// The phonemes espeak-ng would say for `text` (`-x -q`) with the voice `render`
    /// uses; `(en)` in them means a switch to English.
    pub fn phonemes(&self, text: &str) -> Result<String, RenderError> {
        let program = self.program.display().to_string();
        let mut last = String::new();
        for voice in VOICES {
            let out = Command::new(&self.program)
                .args(["-v", voice, "-x", "-q", "-b", "1", "--", text])
                .stdin(Stdio::null())
                .output()
                .map_err(|source| RenderError::Missing { program: program.clone(), source })?;
            if out.status.success() {
                return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
            }
            last = String::from_utf8_lossy(&out.stderr).trim().to_string();
        }
        Err(RenderError::Failed { program, message: last })
    }

    /// The WAV (16-bit mono, espeak-ng's 22.05 kHz) of `text` at `rate` syllables per
    /// minute. `scratch` is a writable directory for espeak-ng's output file.
    pub fn render(&self, text: &str, rate: u32, scratch: &Path) -> Result<Vec<u8>, RenderError> {
        let program = self.program.display().to_string();
        let tmp =
            scratch.join(format!(".espeak-{}-{}.wav", std::process::id(), SCRATCH.fetch_add(1, Ordering::Relaxed)));
        let mut last = String::new();
        for voice in VOICES {
            let mut child = Command::new(&self.program)
                .args(["-v", voice, "-s", &rate.to_string(), "-a", "100", "-b", "1", "-w"])
                .arg(&tmp)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|source| RenderError::Missing { program: program.clone(), source })?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(text.as_bytes())?;
            }
            let out = child.wait_with_output()?;
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            if out.status.success() {
                let bytes = std::fs::read(&tmp);
                let _ = std::fs::remove_file(&tmp);
                let bytes = bytes?;
                // Checks it is a WAV with sound in it.
                let pcm = Pcm::decode(&bytes)?;
                if pcm.samples.is_empty() {
                    return Err(RenderError::Failed { program, message: format!("no audio for {text:?}") });
                }
                return Ok(bytes);
            }
            let _ = std::fs::remove_file(&tmp);
            last = if stderr.is_empty() { format!("exit status {}", out.status) } else { stderr };
            // Only a missing voice is worth another try.
            if !last.contains("voice") {
                break;
            }
        }
        Err(RenderError::Failed { program, message: last })
    }
}

/// 16-bit PCM samples (interleaved when stereo).
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub sample_rate: u32,
    pub channels: u16,
    pub samples: Vec<i16>,
}

impl Pcm {
    /// Any PCM WAV hound reads (8/16/24/32-bit integer, 32-bit float), as 16-bit.
    pub fn decode(bytes: &[u8]) -> Result<Pcm, RenderError> {
        let r = hound::WavReader::new(std::io::Cursor::new(bytes)).map_err(|e| RenderError::Wav(e.to_string()))?;
        let spec = r.spec();
        let wav = |e: hound::Error| RenderError::Wav(e.to_string());
        let samples: Vec<i16> = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, 16) => r.into_samples::<i16>().collect::<Result<_, _>>().map_err(wav)?,
            (hound::SampleFormat::Int, bits @ (8 | 24 | 32)) => r
                .into_samples::<i32>()
                .map(|s| s.map(|v| if bits == 8 { (v << 8) as i16 } else { (v >> (bits - 16)) as i16 }))
                .collect::<Result<_, _>>()
                .map_err(wav)?,
            (hound::SampleFormat::Float, 32) => r
                .into_samples::<f32>()
                .map(|s| s.map(|v| (v.clamp(-1.0, 1.0) * i16::MAX as f32) as i16))
                .collect::<Result<_, _>>()
                .map_err(wav)?,
            (f, b) => return Err(RenderError::Wav(format!("unsupported sample format {f:?} {b}-bit"))),
        };
        Ok(Pcm { sample_rate: spec.sample_rate, channels: spec.channels, samples })
    }

    pub fn encode(&self) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: self.channels,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = std::io::Cursor::new(Vec::new());
        if let Ok(mut w) = hound::WavWriter::new(&mut out, spec) {
            let mut i16w = w.get_i16_writer(self.samples.len() as u32);
            for &s in &self.samples {
                i16w.write_sample(s);
            }
            let _ = i16w.flush();
            let _ = w.finalize();
        }
        out.into_inner()
    }

    /// The same sound at `volume` (0..100): peak-normalised to -1 dBFS, then scaled by
    /// (volume/100)², so recordings and synthesis play equally loud.
    pub fn at_volume(&self, volume: u32) -> Pcm {
        let peak = self.samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        let v = volume.min(100) as f32 / 100.0;
        let gain = if peak == 0 { 0.0 } else { PEAK / peak as f32 * v * v };
        let samples = self
            .samples
            .iter()
            .map(|&s| (s as f32 * gain).round().clamp(i16::MIN as f32, i16::MAX as f32) as i16)
            .collect();
        Pcm { samples, ..self.clone() }
    }

    /// Without espeak-ng's silence before and after the words: 30 ms kept before, 150 ms
    /// after, so a prompt starts at once.
    pub fn trimmed(&self) -> Pcm {
        let ch = self.channels.max(1) as usize;
        let frames = self.samples.len() / ch;
        let loud = |f: usize| self.samples[f * ch..(f + 1) * ch].iter().any(|s| s.unsigned_abs() > 328);
        let (Some(first), Some(last)) = ((0..frames).find(|&f| loud(f)), (0..frames).rev().find(|&f| loud(f))) else {
            return self.clone();
        };
        let ms = |n: usize| n * self.sample_rate as usize / 1000;
        let (from, to) = (first.saturating_sub(ms(30)), (last + 1 + ms(150)).min(frames));
        Pcm { samples: self.samples[from * ch..to * ch].to_vec(), ..self.clone() }
    }

    pub fn secs(&self) -> f32 {
        self.samples.len() as f32 / self.channels.max(1) as f32 / self.sample_rate.max(1) as f32
    }

    /// Seconds of sound: 10 ms frames whose peak is above -40 dBFS.
    pub fn voiced_secs(&self) -> f32 {
        let frame = (self.sample_rate as usize / 100).max(1) * self.channels.max(1) as usize;
        let loud = self.samples.chunks(frame).filter(|c| c.iter().any(|s| s.unsigned_abs() > 328)).count();
        loud as f32 * 0.01
    }

    /// `secs` of silence (the audio device probe).
    pub fn silence(secs: f32) -> Pcm {
        Pcm { sample_rate: 22_050, channels: 1, samples: vec![0; (22_050.0 * secs) as usize] }
    }
}

/// What one `prepare` did (logged at start; the tests and the report read it).
#[derive(Debug, Default, Clone)]
pub struct Prepared {
    /// Prompts synthesised now, with the time each took (both loudnesses).
    pub rendered: Vec<(Prompt, Duration)>,
    /// Prompts found ready in the cache.
    pub cached: usize,
    /// Prompts from a recording.
    pub recorded: usize,
    /// Prompts without audio (text only), with why.
    pub failed: Vec<(Prompt, String)>,
    /// The synthesiser could not be run at all.
    pub engine_missing: Option<String>,
    /// Size of the cache directory afterwards.
    pub cache_bytes: u64,
    pub elapsed: Duration,
}

/// The prompts' audio files, by prompt and loudness, in the cache directory.
pub struct Library {
    cache: PathBuf,
    /// Where recorded `<id>.wav` files are looked for, first match wins.
    recordings: Vec<PathBuf>,
    rate: u32,
    /// Normal and 长者版 volume.
    volumes: [u32; 2],
    espeak: Espeak,
    clips: RwLock<HashMap<(Prompt, bool), PathBuf>>,
}

impl Library {
    pub fn new(cache: PathBuf, recordings: Vec<PathBuf>, rate: u32, volume: u32, elder_volume: u32) -> Self {
        Library {
            cache,
            recordings,
            rate,
            volumes: [volume, elder_volume],
            espeak: Espeak::default(),
            clips: RwLock::new(HashMap::new()),
        }
    }

    /// Another synthesiser command (tests: a missing one).
    pub fn with_espeak(mut self, espeak: Espeak) -> Self {
        self.espeak = espeak;
        self
    }

    pub fn cache_dir(&self) -> &Path {
        &self.cache
    }

    /// The file to play for `prompt`, once prepared; `loud` is the 长者版 volume.
    pub fn clip(&self, prompt: Prompt, loud: bool) -> Option<PathBuf> {
        self.clips.read().unwrap_or_else(|e| e.into_inner()).get(&(prompt, loud)).cloned()
    }

    /// A recorded `<id>.wav` for the prompt, if one is present.
    pub fn recording(&self, prompt: Prompt) -> Option<PathBuf> {
        self.recordings.iter().map(|d| d.join(format!("{}.wav", prompt.id()))).find(|p| p.is_file())
    }

    fn key(&self, source: &str, text: &str, volume: u32) -> String {
        let mut h = Sha256::new();
        h.update(format!("{CACHE_VERSION}|{source}|{}|{volume}|{text}", self.rate));
        hex::encode(&h.finalize()[..12])
    }

    /// Makes every prompt's files (both loudnesses) that are not in the cache yet, and
    /// removes the cache's files no prompt uses any more. Blocking: run it on the
    /// blocking pool. Never fails: a prompt without audio is shown as text only.
    pub fn prepare(&self) -> Prepared {
        let started = Instant::now();
        let mut done = Prepared::default();
        if let Err(e) = std::fs::create_dir_all(&self.cache) {
            for p in Prompt::all() {
                done.failed.push((p, format!("{}: {e}", self.cache.display())));
            }
            done.elapsed = started.elapsed();
            return done;
        }
        // The device probe's silence stays.
        let mut keep: HashSet<PathBuf> = HashSet::from([self.cache.join(PROBE)]);
        for prompt in Prompt::all() {
            match self.prepare_one(prompt, &mut done, &mut keep) {
                Ok(()) => {}
                Err(e) => {
                    if e.is_missing() && done.engine_missing.is_none() {
                        done.engine_missing = Some(e.to_string());
                    }
                    done.failed.push((prompt, e.to_string()));
                }
            }
        }
        // Old files (another rate, volume, text or recording) go.
        if let Ok(dir) = std::fs::read_dir(&self.cache) {
            for entry in dir.flatten() {
                let path = entry.path();
                if !keep.contains(&path) {
                    let _ = std::fs::remove_file(&path);
                } else if let Ok(m) = entry.metadata() {
                    done.cache_bytes += m.len();
                }
            }
        }
        done.elapsed = started.elapsed();
        done
    }

    fn prepare_one(&self, prompt: Prompt, done: &mut Prepared, keep: &mut HashSet<PathBuf>) -> Result<(), RenderError> {
        let recorded = self.recording(prompt).and_then(|path| {
            let read = std::fs::read(&path).map_err(|e| e.to_string());
            match read.and_then(|bytes| Pcm::decode(&bytes).map(|pcm| (bytes, pcm)).map_err(|e| e.to_string())) {
                Ok((bytes, pcm)) if !pcm.samples.is_empty() => {
                    Some((format!("recording:{}", hex::encode(Sha256::digest(&bytes))), pcm))
                }
                Ok(_) => {
                    tracing::warn!(file = %path.display(), "voice recording is empty; synthesising");
                    None
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "voice recording unusable; synthesising");
                    None
                }
            }
        });
        let source = recorded.as_ref().map_or_else(|| "espeak-ng".to_string(), |(s, _)| s.clone());
        let files: Vec<(bool, u32, PathBuf)> = [false, true]
            .into_iter()
            .map(|loud| {
                let volume = self.volumes[loud as usize];
                let key = self.key(&source, prompt.text(), volume);
                (loud, volume, self.cache.join(format!("{}-{key}.wav", prompt.id())))
            })
            .collect();
        let is_recorded = recorded.is_some();
        if files.iter().all(|(.., path)| path.is_file()) {
            done.cached += 1;
        } else {
            let t = Instant::now();
            let pcm = match recorded {
                Some((_, pcm)) => pcm,
                None => Pcm::decode(&self.espeak.render(prompt.text(), self.rate, &self.cache)?)?.trimmed(),
            };
            for (_, volume, path) in &files {
                write_atomic(path, &pcm.at_volume(*volume).encode())?;
            }
            if !is_recorded {
                done.rendered.push((prompt, t.elapsed()));
            }
        }
        if is_recorded {
            done.recorded += 1;
        }
        self.publish(prompt, &files, keep);
        Ok(())
    }

    fn publish(&self, prompt: Prompt, files: &[(bool, u32, PathBuf)], keep: &mut HashSet<PathBuf>) {
        let mut clips = self.clips.write().unwrap_or_else(|e| e.into_inner());
        for (loud, _, path) in files {
            keep.insert(path.clone());
            clips.insert((prompt, *loud), path.clone());
        }
    }

    /// A short silence in the cache, for checking the audio device at start.
    pub fn probe_clip(&self) -> std::io::Result<PathBuf> {
        let path = self.cache.join(PROBE);
        if !path.is_file() {
            std::fs::create_dir_all(&self.cache)?;
            write_atomic(&path, &Pcm::silence(0.05).encode())?;
        }
        Ok(path)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
