//! Contract: the simulator is checked against docs/intake-api.yaml by schemathesis
//! (PyPI; `scripts/setup.sh` installs it). The hooks in intake_contract_hooks.py sign
//! each request like a terminal, except cases generated without the signing headers.

mod intake_support;

use intake_support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[test]
fn simulator_conforms_to_the_openapi_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    let h = rt.block_on(start(open_sim(dir.path()), "127.0.0.1:0"));
    let log = dir.path().join("calls.log");
    // `python3 -m schemathesis.cli` works wherever pip put it, even off PATH; setup.sh
    // uses a venv under target/ where the system Python refuses pip installs.
    let venv = root.join("target/contract-venv/bin/python3");
    let python = if venv.exists() { venv.as_path() } else { Path::new("python3") };
    let out = Command::new(python)
        .current_dir(dir.path())
        .env("SCHEMATHESIS_HOOKS", "intake_contract_hooks")
        .env("PYTHONPATH", root.join("tests"))
        .env("INTAKE_SIGNING_KEY_HEX", "2a".repeat(32))
        .env("INTAKE_TERMINAL_ID", TERMINAL)
        .env("INTAKE_CONTRACT_LOG", &log)
        .args(["-m", "schemathesis.cli", "run"])
        .arg(root.join("docs/intake-api.yaml"))
        .args(["--url", &h.base_url()])
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection"])
        .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "30", "--workers", "1"])
        .args(["--seed", "20260301", "--no-color"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run schemathesis ({e}); run scripts/setup.sh to install it"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found contract violations:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Prove the signed calls really got through, not only 401s.
    let calls = std::fs::read_to_string(&log).unwrap();
    let mut ok: BTreeMap<String, u32> = BTreeMap::new();
    for line in calls.lines() {
        let mut f = line.split(' ');
        let (m, p, s) = (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""));
        if s.starts_with('2') {
            *ok.entry(format!("{m} {p}")).or_default() += 1;
        }
    }
    println!("contract test: {} calls; 2xx per operation: {ok:?}", calls.lines().count());
    for op in [
        "POST /api/v1/cases",
        "POST /api/v1/progress-queries",
        "GET /api/v1/cases/{no}",
        "POST /api/v1/ratings",
        "GET /api/v1/catalog",
        "POST /api/v1/heartbeat",
        "POST /api/v1/help-calls",
        "GET /api/v1/time",
    ] {
        assert!(ok.get(op).copied().unwrap_or(0) > 0, "no accepted call for {op}: {ok:?}");
    }
}
