//! Playing prompts: through ALSA with `aplay` (a system service has no desktop sound
//! server; the kiosk user is in the `audio` group), or into a [`Recorder`] in tests.

use super::{Library, Prompt};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// What to say now: prompts in order. `interrupt` cuts off what is playing (the screen
/// changed, or 重听); otherwise the prompts follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub prompts: Vec<Prompt>,
    /// At the 长者版 volume.
    pub loud: bool,
    pub interrupt: bool,
}

pub trait Player: Send + Sync {
    /// Never blocks: the journey loop calls it.
    fn say(&self, u: Utterance);
}

/// One prompt that would have been played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub prompt: Prompt,
    pub text: &'static str,
    pub loud: bool,
}

/// The null sink of the tests: records what would have been played.
#[derive(Default)]
pub struct Recorder {
    said: Mutex<Vec<Said>>,
}

impl Recorder {
    pub fn said(&self) -> Vec<Said> {
        self.said.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn prompts(&self) -> Vec<Prompt> {
        self.said().into_iter().map(|s| s.prompt).collect()
    }

    /// Everything said, one prompt a line.
    pub fn text(&self) -> String {
        self.said().iter().map(|s| s.text).collect::<Vec<_>>().join("\n")
    }

    pub fn clear(&self) {
        self.said.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Player for Recorder {
    fn say(&self, u: Utterance) {
        let mut said = self.said.lock().unwrap_or_else(|e| e.into_inner());
        said.extend(u.prompts.into_iter().map(|prompt| Said { prompt, text: prompt.text(), loud: u.loud }));
    }
}

type AlertFn = Box<dyn Fn(&str) + Send + Sync>;

/// Where trouble with the voice is reported: the host's alerts once the store is
/// there (`store.raise_alert("voice", …)`), the log always.
#[derive(Default)]
pub struct Alerts(Mutex<Option<AlertFn>>);

impl Alerts {
    pub fn set(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(f));
    }

    pub fn raise(&self, message: &str) {
        tracing::warn!("voice: {message}");
        if let Some(f) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            f(message);
        }
    }
}

enum Msg {
    Say(Utterance),
    /// Play this file (the device check at start).
    Probe(PathBuf),
}

/// Plays the library's files with `aplay -q [-D device]`, one at a time, on its own
/// thread. A failing device is reported once (until it works again) and the kiosk
/// goes on with text only.
pub struct Aplay {
    tx: Mutex<mpsc::Sender<Msg>>,
}

/// How `aplay` is run.
#[derive(Debug, Clone)]
pub struct AplayCmd {
    pub program: PathBuf,
    pub device: Option<String>,
}

impl Default for AplayCmd {
    fn default() -> Self {
        AplayCmd { program: PathBuf::from("aplay"), device: None }
    }
}

impl Aplay {
    pub fn start(library: Arc<Library>, cmd: AplayCmd, alerts: Arc<Alerts>) -> Aplay {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("voice".into())
            .spawn(move || Worker { library, cmd, alerts, child: None, queue: VecDeque::new(), broken: false }.run(rx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "voice: no playback thread; text only");
        }
        Aplay { tx: Mutex::new(tx) }
    }

    /// Plays a file now (the start-up check that the audio device works).
    pub fn probe(&self, file: PathBuf) {
        let _ = self.tx.lock().unwrap_or_else(|e| e.into_inner()).send(Msg::Probe(file));
    }
}

impl Player for Aplay {
    fn say(&self, u: Utterance) {
        let _ = self.tx.lock().unwrap_or_else(|e| e.into_inner()).send(Msg::Say(u));
    }
}

struct Worker {
    library: Arc<Library>,
    cmd: AplayCmd,
    alerts: Arc<Alerts>,
    child: Option<(Child, String)>,
    queue: VecDeque<Item>,
    /// The last play failed (reported once).
    broken: bool,
}

enum Item {
    Prompt(Prompt, bool),
    File(PathBuf),
}

impl Worker {
    fn run(mut self, rx: mpsc::Receiver<Msg>) {
        loop {
            let msg = if self.child.is_some() || !self.queue.is_empty() {
                match rx.recv_timeout(Duration::from_millis(40)) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                }
            };
            match msg {
                Some(Msg::Say(u)) => {
                    if u.interrupt {
                        self.stop();
                    }
                    self.queue.extend(u.prompts.into_iter().map(|p| Item::Prompt(p, u.loud)));
                }
                Some(Msg::Probe(file)) => self.queue.push_back(Item::File(file)),
                None => {}
            }
            self.reap();
            while self.child.is_none() {
                let Some(item) = self.queue.pop_front() else { break };
                let (file, what) = match item {
                    Item::Prompt(p, loud) => match self.library.clip(p, loud) {
                        Some(f) => (f, p.id().to_string()),
                        None => {
                            tracing::debug!(prompt = p.id(), "voice: no audio for this prompt (yet); text only");
                            continue;
                        }
                    },
                    Item::File(f) => (f, "probe".to_string()),
                };
                self.spawn(file, what);
            }
        }
        self.stop();
    }

    fn spawn(&mut self, file: PathBuf, what: String) {
        let mut c = Command::new(&self.cmd.program);
        c.arg("-q");
        if let Some(d) = &self.cmd.device {
            c.args(["-D", d]);
        }
        match c.arg(&file).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn() {
            Ok(child) => self.child = Some((child, what)),
            Err(e) => {
                self.queue.clear();
                self.failed(&format!(
                    "{} 无法运行，语音提示只以文字显示 / cannot run {} (install alsa-utils): {e}",
                    self.cmd.program.display(),
                    self.cmd.program.display()
                ));
            }
        }
    }

    /// Collects a finished `aplay` and reports a failure.
    fn reap(&mut self) {
        let Some((child, what)) = self.child.as_mut() else { return };
        match child.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                let what = what.clone();
                self.child = None;
                if status.success() {
                    if std::mem::take(&mut self.broken) {
                        tracing::info!("voice: audio output works again");
                    }
                } else {
                    // One failure stands for the rest of this utterance.
                    self.queue.clear();
                    let line = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
                    self.failed(&format!(
                        "声音设备不可用，语音提示只以文字显示 / no audio output ({what}): aplay {status}: {line}"
                    ));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "voice: waiting for aplay");
                self.child = None;
            }
        }
    }

    fn failed(&mut self, message: &str) {
        if !std::mem::replace(&mut self.broken, true) {
            self.alerts.raise(message);
        } else {
            tracing::debug!("voice: {message}");
        }
    }

    /// Cuts off what is playing and forgets what was to follow.
    fn stop(&mut self) {
        self.queue.clear();
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
