//! `devsim idcard`: the reader emulator as a process, on a pty with a stable symlink.

use super::emulator::{load_cards, Emulator, EmulatorConfig, Fault};
use super::CardSpec;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

const COMMANDS: &str = "\
Cards come from FILE.json (an array of cards, or {\"cards\": [...], \"repeat\": true});
without --cards the demo card is served again and again.

Commands on stdin, one per line:
  remove                 take the card out of the field
  nocard                 next find answers 80
  checksum               next answer has a bad checksum
  garbage [N]            N junk bytes before the next answer (default 16)
  slow MS                next answer is MS late
  split BYTES MS         next answer in pieces
  silent                 next command is not answered
  sam CMD PARA SW3       next CMD PARA answers SW3 (hex bytes, e.g. sam 30 01 41)
  unplug | replug        USB unplug / replug (the link moves to a new pty)
  quit";

/// Creates a pty, links PATH to it and answers the SAM serial protocol until killed.
#[derive(Debug, clap::Parser)]
#[command(name = "devsim idcard", after_help = COMMANDS)]
struct Args {
    /// The stable symlink to the pty (an existing non-symlink is never replaced).
    #[arg(long, value_name = "PATH")]
    link: PathBuf,
    /// The cards to serve (JSON).
    #[arg(long, value_name = "FILE.json")]
    cards: Option<PathBuf>,
    /// Serve the cards again from the first when all were read.
    #[arg(long)]
    repeat: bool,
    /// A read card stays in the field until `remove`.
    #[arg(long)]
    sticky: bool,
    /// Answer at the pace of a real serial line at BAUD.
    #[arg(long, value_name = "BAUD")]
    pace: Option<u32>,
    /// Answers in pieces of BYTES, MS apart.
    #[arg(long, value_name = "BYTES:MS", value_parser = split_arg)]
    split: Option<(usize, Duration)>,
    /// Every answer MS late.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    slow_ms: u64,
}

fn hex(s: &str) -> Option<u8> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

fn split_arg(s: &str) -> Result<(usize, Duration), String> {
    let parsed = s.split_once(':').and_then(|(a, b)| Some((a.parse().ok()?, Duration::from_millis(b.parse().ok()?))));
    parsed.ok_or_else(|| format!("{s:?} is not BYTES:MS"))
}

pub(super) fn main(args: &[String]) -> i32 {
    let args = match <Args as clap::Parser>::try_parse_from(
        std::iter::once("devsim idcard").chain(args.iter().map(String::as_str)),
    ) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let mut cfg = EmulatorConfig {
        link: Some(args.link),
        repeat: args.repeat,
        sticky: args.sticky,
        pace_baud: args.pace,
        ..EmulatorConfig::default()
    };
    let (cards, split, slow) = (args.cards, args.split, Duration::from_millis(args.slow_ms));
    let link = cfg.link.clone().unwrap_or_default();
    if let Ok(meta) = std::fs::symlink_metadata(&link) {
        if !meta.file_type().is_symlink() {
            eprintln!("devsim idcard: {} exists and is not a symlink; not replacing it", link.display());
            return 2;
        }
    }
    match &cards {
        Some(path) => match load_cards(path) {
            Ok((c, repeat)) => {
                cfg.cards = c;
                cfg.repeat |= repeat;
            }
            Err(e) => {
                eprintln!("devsim idcard: {e}");
                return 2;
            }
        },
        None => {
            cfg.cards = vec![CardSpec::from_card(&super::demo_card())];
            cfg.repeat = true;
        }
    }
    let n = cfg.cards.len();
    let emu = match Emulator::start(cfg) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("devsim idcard: cannot start: {e}");
            return 1;
        }
    };
    emu.set_split(split);
    emu.set_delay(slow);
    eprintln!("devsim idcard: serving {n} card(s) on {} (type commands; `quit` to stop)", emu.port_path());
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let w: Vec<&str> = line.split_whitespace().collect();
        let ok = match w.as_slice() {
            [] => continue,
            ["quit"] | ["exit"] => return 0,
            ["remove"] => {
                emu.remove_card();
                true
            }
            ["nocard"] => inject(&emu, Fault::NoCard),
            ["checksum"] => inject(&emu, Fault::BadChecksum),
            ["silent"] => inject(&emu, Fault::Silent),
            ["garbage", rest @ ..] => {
                let n = rest.first().and_then(|s| s.parse().ok()).unwrap_or(16usize);
                inject(&emu, Fault::Garbage((0..n).map(|i| (i * 37 + 11) as u8 & 0x7F).collect()))
            }
            ["slow", ms] => ms.parse().is_ok_and(|ms| inject(&emu, Fault::Slow(Duration::from_millis(ms)))),
            ["split", b, ms] => match (b.parse(), ms.parse()) {
                (Ok(chunk), Ok(ms)) => inject(&emu, Fault::Split { chunk, gap: Duration::from_millis(ms) }),
                _ => false,
            },
            ["sam", c, p, s] => match (hex(c), hex(p), hex(s)) {
                (Some(cmd), Some(para), Some(sw3)) => inject(&emu, Fault::Sam { cmd, para, sw3 }),
                _ => false,
            },
            ["unplug"] => {
                emu.unplug();
                true
            }
            ["replug"] => match emu.replug() {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("replug failed: {e}");
                    false
                }
            },
            _ => false,
        };
        eprintln!("{}", if ok { "ok" } else { "? (see devsim idcard --help)" });
    }
    // stdin closed (e.g. started from a script): serve until killed.
    loop {
        std::thread::park();
    }
}

fn inject(emu: &Emulator, f: Fault) -> bool {
    emu.inject(f);
    true
}
