//! `intake-sim`: the intake platform simulator as its own process.
//!
//!   intake-sim [--listen 127.0.0.1:8700] [--db intake-sim.db]

use std::net::SocketAddr;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    kiosk::logging::init();
    let mut listen: SocketAddr = "127.0.0.1:8700".parse().expect("literal address");
    let mut db = std::path::PathBuf::from("intake-sim.db");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--listen", Some(v)) => match v.parse() {
                Ok(addr) => listen = addr,
                Err(e) => {
                    eprintln!("intake-sim: --listen {v}: {e}");
                    return std::process::ExitCode::from(2);
                }
            },
            ("--db", Some(v)) => db = v.into(),
            _ => {
                eprintln!("usage: intake-sim [--listen ADDR] [--db FILE]");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let sim = match kiosk::intake::sim::Sim::open(&db, kiosk::catalog::Catalog::seed().to_json()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("intake-sim: {}: {e}", db.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    match kiosk::intake::sim::start(listen, sim).await {
        Ok(h) => {
            println!("intake-sim listening on {}", h.base_url());
            let _ = tokio::signal::ctrl_c().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("intake-sim: {listen}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
