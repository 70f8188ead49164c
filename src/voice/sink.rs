//! The voice as an observer of the journey: [`VoiceSink`] receives every snapshot the
//! runtime publishes, compares a few non-personal facts with the previous one and
//! decides what to say. It never reads a name, a number or an address: the facts are
//! the screen, 长者版, the 重听 counter and yes/no answers (card read, receipt printed,
//! which material slots failed), and what it says comes from the fixed prompt table.

use super::{Player, Prompt, Utterance};
use crate::config::VoiceMode;
use crate::journey::{IdentitySource, PrintState, Screen, SlotState, State};
use crate::runtime::{Snapshot, Snapshots};
use std::sync::{Arc, Mutex};

/// What the voice knows of a journey state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub screen: Screen,
    pub elder: bool,
    pub replay: u32,
    /// An ID card was read in this session.
    pub card_read: bool,
    /// The receipt was printed.
    pub printed: bool,
    /// Per material slot: its photo was refused.
    pub failed: Vec<bool>,
}

impl Facts {
    pub fn of(s: &State) -> Facts {
        let sess = s.session.as_ref();
        Facts {
            screen: s.screen,
            elder: s.elder,
            replay: s.replay,
            // A card on the reader, not a phone's e-ID QR (nothing to take then).
            card_read: sess.and_then(|x| x.applicant.as_ref()).is_some_and(|a| a.doc.source == IdentitySource::Card),
            printed: sess.and_then(|x| x.receipt.as_ref()).is_some_and(|r| r.print == PrintState::Printed),
            failed: sess.map_or_else(Vec::new, |x| {
                x.materials.iter().map(|m| matches!(m.state, SlotState::Failed(_))).collect()
            }),
        }
    }
}

/// Decides, from one state to the next, what is said.
#[derive(Debug)]
pub struct Decider {
    mode: VoiceMode,
    last: Option<Facts>,
    /// 长者版 still on from a visit that ended (the journey keeps it after 完成): the
    /// louder voice is not the next citizen's until they choose 长者版 themselves.
    stale_elder: bool,
}

impl Decider {
    pub fn new(mode: VoiceMode) -> Self {
        Decider { mode, last: None, stale_elder: false }
    }

    /// The utterance for this state, if any. The first state is only remembered.
    pub fn next(&mut self, cur: Facts) -> Option<Utterance> {
        let prev = self.last.replace(cur.clone())?;
        if prev == cur {
            return None;
        }
        let was_elder = prev.elder && !self.stale_elder;
        if cur.elder != prev.elder {
            self.stale_elder = false;
        } else if cur.elder && cur.screen == Screen::Attract && prev.screen != Screen::Attract {
            self.stale_elder = true;
        }
        let elder = cur.elder && !self.stale_elder;
        if self.mode == VoiceMode::Off {
            return None;
        }
        // 重听 plays the screen's prompt whatever the mode: the citizen asked for it.
        if cur.replay != prev.replay {
            return Some(Utterance { prompts: vec![Prompt::for_screen(cur.screen)], loud: elder, interrupt: true });
        }
        let on = match self.mode {
            VoiceMode::On => true,
            VoiceMode::Auto => elder,
            VoiceMode::Off => false,
        };
        if !on {
            return None;
        }
        let screen_changed = cur.screen != prev.screen;
        // 长者版 just chosen: the voice starts with where the citizen is.
        let elder_now = elder && !was_elder;
        let mut prompts = Vec::new();
        if cur.card_read && !prev.card_read {
            prompts.push(Prompt::TakeCard);
        }
        if cur.printed && !prev.printed {
            prompts.push(Prompt::TakeReceipt);
        }
        if screen_changed || elder_now {
            prompts.push(Prompt::for_screen(cur.screen));
            // The card has lain on the reader since 身份: said again as the visit ends
            // (the farewell's own prompt names the card and the receipt).
            if cur.screen == Screen::Receipt && cur.card_read {
                prompts.push(Prompt::TakeCard);
            }
        }
        if cur.failed.iter().enumerate().any(|(i, &f)| f && !prev.failed.get(i).copied().unwrap_or(false)) {
            prompts.push(Prompt::Retake);
        }
        prompts.dedup();
        (!prompts.is_empty()).then_some(Utterance { prompts, loud: elder, interrupt: screen_changed || elder_now })
    }
}

/// The runtime's snapshots, spoken. Cheap on the journey loop: a comparison of a few
/// facts, and a message to the player's thread when there is something to say.
pub struct VoiceSink {
    decider: Mutex<Decider>,
    player: Arc<dyn Player>,
}

impl VoiceSink {
    pub fn new(mode: VoiceMode, player: Arc<dyn Player>) -> Self {
        VoiceSink { decider: Mutex::new(Decider::new(mode)), player }
    }
}

impl Snapshots for VoiceSink {
    fn publish(&self, snap: Snapshot) {
        let facts = Facts::of(&snap.state);
        let said = self.decider.lock().unwrap_or_else(|e| e.into_inner()).next(facts);
        if let Some(u) = said {
            self.player.say(u);
        }
    }
}
