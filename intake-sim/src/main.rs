//! `intake-sim`: the intake platform simulator as its own process (see `--help`).

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Simulator of the city's unified intake platform (统一受理系统), for demos and tests.
///
/// Faults are set at run time: `POST /__sim/faults` with a JSON FaultPlan, e.g.
/// `{"latency_ms":200,"fail_next":3,"drop_next":1,"refuse_next":1,"timeout_next":1,"hang_ms":20000}`;
/// `GET /__sim/stats` shows what the simulator saw; `POST /__sim/stages`
/// `{"accept_after_ms":…,"done_after_ms":…}` changes how fast cases move on;
/// `POST /__sim/terminals/ID/command` `{"type":"pause","reason":"…"}` or `{"type":"resume"}`
/// hands the terminal that command in its next heartbeat answer; `POST /__sim/clock`
/// `{"offset_secs":600}` runs the simulator's clock off (a terminal then sees 401
/// stale_timestamp); `POST /__sim/e-id-codes` `{"expired":false}` issues a 电子身份证 test
/// code (`{"code":"EID1.…"}`) for a fictitious person, to show as a QR at the identify
/// screen (it verifies for 3 minutes). These control routes are unsigned and not part of the platform's API.
#[derive(Debug, Parser)]
#[command(name = "intake-sim", version, after_help = "Logs go to stderr, filtered by INTAKE_SIM_LOG (default info).")]
struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8700")]
    listen: SocketAddr,
    /// The simulator's SQLite file (cases, ratings, nonces, heartbeats); kept across runs.
    #[arg(long, value_name = "FILE", default_value = "intake-sim.db")]
    db: PathBuf,
    /// Catalog served at GET /api/v1/catalog: one JSON document in the kiosk's catalog
    /// format (what `Catalog::to_json` writes: version, note, fields, materials, matters,
    /// bundles). Without it an empty catalog of version "0" is served, which a kiosk
    /// accepts and ignores (it keeps the catalog it has).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// A terminal allowed in, with the file holding its signing key (at least 32 bytes,
    /// the kiosk's `signing_key_file`). Repeat for more terminals.
    #[arg(long = "terminal", value_name = "ID=KEYFILE", value_parser = parse_terminal)]
    terminals: Vec<(String, Vec<u8>)>,
    /// Case ages (ms) at which a case becomes 受理 and 办结 [default: 30000,120000].
    #[arg(long, value_name = "ACCEPT_MS,DONE_MS", value_parser = parse_stages)]
    stages: Option<(i64, i64)>,
}

fn parse_terminal(v: &str) -> Result<(String, Vec<u8>), String> {
    let (id, file) = v.split_once('=').filter(|(id, f)| !id.is_empty() && !f.is_empty()).ok_or("want ID=KEYFILE")?;
    match std::fs::read(file) {
        Ok(key) if key.len() >= 32 => Ok((id.to_string(), key)),
        Ok(_) => Err(format!("{file}: key must hold at least 32 bytes")),
        Err(e) => Err(format!("{file}: {e}")),
    }
}

fn parse_stages(v: &str) -> Result<(i64, i64), String> {
    v.split_once(',')
        .and_then(|(a, d)| Some((a.trim().parse().ok()?, d.trim().parse().ok()?)))
        .ok_or_else(|| "want ACCEPT_MS,DONE_MS".to_string())
}

/// Reads the catalog file and checks it is a JSON object with a version.
fn read_catalog(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if !v.get("version").is_some_and(|v| v.is_string()) {
        return Err(format!("{}: not a catalog (no \"version\" string)", path.display()));
    }
    Ok(text)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INTAKE_SIM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    let catalog = match &args.catalog {
        Some(path) => match read_catalog(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("intake-sim: --catalog {e}");
                return ExitCode::from(2);
            }
        },
        None => intake_sim::EMPTY_CATALOG.to_string(),
    };
    let sim = match intake_sim::Sim::open(&args.db, catalog) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("intake-sim: {}: {e}", args.db.display());
            return ExitCode::FAILURE;
        }
    };
    for (id, key) in &args.terminals {
        sim.register_terminal(id, key);
    }
    if let Some((a, d)) = args.stages {
        sim.set_stages(a, d);
    }
    match intake_sim::start(args.listen, sim).await {
        Ok(h) => {
            println!("intake-sim listening on {} ({} terminals)", h.base_url(), args.terminals.len());
            let _ = tokio::signal::ctrl_c().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("intake-sim: {}: {e}", args.listen);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent_and_parses() {
        use clap::CommandFactory;
        Args::command().debug_assert();
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        std::fs::write(&key, [1u8; 32]).unwrap();
        let t = format!("XX-0001={}", key.display());
        let a = Args::try_parse_from(["intake-sim", "--listen", "127.0.0.1:0", "--terminal", &t, "--stages", "10,20"])
            .unwrap();
        assert_eq!(a.terminals, vec![("XX-0001".to_string(), vec![1u8; 32])]);
        assert_eq!(a.stages, Some((10, 20)));
        assert!(a.catalog.is_none());
        std::fs::write(&key, [1u8; 8]).unwrap();
        assert!(Args::try_parse_from(["intake-sim", "--terminal", &t]).is_err(), "short key");
        assert!(Args::try_parse_from(["intake-sim", "--terminal", "XX-0001"]).is_err());
        assert!(Args::try_parse_from(["intake-sim", "--stages", "10"]).is_err());
        let cat = dir.path().join("c.json");
        std::fs::write(&cat, "[]").unwrap();
        assert!(read_catalog(&cat).is_err());
        std::fs::write(&cat, intake_sim::EMPTY_CATALOG).unwrap();
        assert_eq!(read_catalog(&cat).unwrap(), intake_sim::EMPTY_CATALOG);
    }
}
