//! A thread that polls a reader and forwards what happens to the runtime.

use super::{IdCard, IdCardReader, IdCardStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the polling thread reports.
#[derive(Debug)]
pub enum ReaderEvent {
    Card(Box<IdCard>),
    Status(IdCardStatus),
    /// A failed poll; repeated identical errors are reported once.
    Error(String),
}

/// A polling thread; it stops when this is dropped (or `stop` is called).
pub struct Poller {
    pub events: mpsc::Receiver<ReaderEvent>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Poller {
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Runs `reader.poll()` every `interval` on its own thread and sends events (status
/// changes, cards, errors) to `Poller::events`, e.g. for the runtime to forward.
pub fn spawn_poller<R: IdCardReader + 'static>(mut reader: R, interval: Duration) -> Poller {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let handle = std::thread::Builder::new()
        .name("idcard-poll".into())
        .spawn(move || {
            let mut last_status = None;
            let mut last_err = None;
            while !stop2.load(Ordering::Relaxed) {
                let ev = match reader.poll() {
                    Ok(card) => {
                        last_err = None;
                        card.map(|c| ReaderEvent::Card(Box::new(c)))
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        (last_err.as_ref() != Some(&msg)).then(|| {
                            last_err = Some(msg.clone());
                            ReaderEvent::Error(msg)
                        })
                    }
                };
                let st = reader.status();
                if last_status.as_ref() != Some(&st) {
                    last_status = Some(st.clone());
                    if tx.send(ReaderEvent::Status(st)).is_err() {
                        return;
                    }
                }
                if let Some(ev) = ev {
                    if tx.send(ev).is_err() {
                        return;
                    }
                }
                std::thread::sleep(interval);
            }
        })
        .expect("spawn idcard poller");
    Poller { events: rx, stop, handle: Some(handle) }
}
