//! `intake-sim`: the intake platform simulator as its own process.
//!
//!   intake-sim [--listen 127.0.0.1:8700] [--db intake-sim.db]
//!              [--terminal XX-0001=/path/signing.key]... [--stages ACCEPT_MS,DONE_MS]
//!
//! Faults are set at run time: `POST /__sim/faults` with a JSON FaultPlan, e.g.
//! `{"latency_ms":200,"fail_next":3,"drop_next":1,"refuse_next":1,"timeout_next":1,"hang_ms":20000}`;
//! `GET /__sim/stats` shows what the simulator saw.

use std::net::SocketAddr;
use std::process::ExitCode;

fn usage(msg: &str) -> ExitCode {
    eprintln!("intake-sim: {msg}");
    eprintln!("usage: intake-sim [--listen ADDR] [--db FILE] [--terminal ID=KEYFILE]... [--stages ACCEPT_MS,DONE_MS]");
    ExitCode::from(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    kiosk::logging::init();
    let mut listen: SocketAddr = "127.0.0.1:8700".parse().expect("literal address");
    let mut db = std::path::PathBuf::from("intake-sim.db");
    let mut terminals: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stages: Option<(i64, i64)> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--listen", Some(v)) => match v.parse() {
                Ok(addr) => listen = addr,
                Err(e) => return usage(&format!("--listen {v}: {e}")),
            },
            ("--db", Some(v)) => db = v.into(),
            ("--terminal", Some(v)) => {
                let Some((id, file)) = v.split_once('=') else { return usage("--terminal wants ID=KEYFILE") };
                match std::fs::read(file) {
                    Ok(key) if key.len() >= 32 => terminals.push((id.to_string(), key)),
                    Ok(_) => return usage(&format!("{file}: key must hold at least 32 bytes")),
                    Err(e) => return usage(&format!("{file}: {e}")),
                }
            }
            ("--stages", Some(v)) => {
                let parsed = v.split_once(',').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                let Some(s) = parsed else { return usage("--stages wants ACCEPT_MS,DONE_MS") };
                stages = Some(s);
            }
            _ => return usage(&format!("unexpected argument `{a}`")),
        }
    }
    let sim = match kiosk::intake::sim::Sim::open(&db, kiosk::catalog::Catalog::seed().to_json()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("intake-sim: {}: {e}", db.display());
            return ExitCode::FAILURE;
        }
    };
    for (id, key) in &terminals {
        sim.register_terminal(id, key);
    }
    if let Some((a, d)) = stages {
        sim.set_stages(a, d);
    }
    match kiosk::intake::sim::start(listen, sim).await {
        Ok(h) => {
            println!("intake-sim listening on {} ({} terminals)", h.base_url(), terminals.len());
            let _ = tokio::signal::ctrl_c().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("intake-sim: {listen}: {e}");
            ExitCode::FAILURE
        }
    }
}
