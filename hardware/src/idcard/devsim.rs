//! `devsim idcard`: the reader emulator as a process, on a pty with a stable symlink.

use super::emulator::{load_cards, Emulator, EmulatorConfig, Fault};
use super::CardSpec;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "\
usage: devsim idcard --link PATH [--cards FILE.json] [--repeat] [--sticky]
                     [--pace BAUD] [--split BYTES:MS] [--slow-ms MS]

Creates a pty, links PATH to it and answers the SAM serial protocol until killed.
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

fn hex(s: &str) -> Option<u8> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

fn split_arg(s: &str) -> Option<(usize, Duration)> {
    let (a, b) = s.split_once(':')?;
    Some((a.parse().ok()?, Duration::from_millis(b.parse().ok()?)))
}

pub(super) fn main(args: &[String]) -> i32 {
    let mut cfg = EmulatorConfig::default();
    let mut cards: Option<PathBuf> = None;
    let mut split = None;
    let mut slow = Duration::ZERO;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().unwrap_or_default();
        match a.as_str() {
            "--link" => cfg.link = Some(PathBuf::from(val())),
            "--cards" => cards = Some(PathBuf::from(val())),
            "--repeat" => cfg.repeat = true,
            "--sticky" => cfg.sticky = true,
            "--pace" => cfg.pace_baud = val().parse().ok(),
            "--split" => split = split_arg(&val()),
            "--slow-ms" => slow = Duration::from_millis(val().parse().unwrap_or(0)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            other => {
                eprintln!("devsim idcard: unknown argument {other:?}\n{USAGE}");
                return 2;
            }
        }
    }
    let Some(link) = cfg.link.clone() else {
        eprintln!("devsim idcard: --link PATH is required\n{USAGE}");
        return 2;
    };
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
