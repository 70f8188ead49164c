//! Shared by the intake/outbox/crash tests: a simulator on loopback, keys and sample cases.
#![allow(dead_code)]

use intake_sim::{Sim, SimHandle};
use kiosk::intake::{ApplicantDto, CaseSubmission, IntakeClient, MaterialDto, SigningKey};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const TERMINAL: &str = "XX-0009";

pub fn key() -> SigningKey {
    SigningKey::new(TERMINAL, &[42; 32])
}

pub fn open_sim(dir: &Path) -> Arc<Sim> {
    let sim = Sim::open(&dir.join("intake-sim.db"), kiosk::catalog::Catalog::seed().to_json()).unwrap();
    sim.register_terminal(TERMINAL, key().secret());
    sim
}

/// Starts the simulator on `addr` (port 0: any free port) on the current runtime.
pub async fn start(sim: Arc<Sim>, addr: &str) -> SimHandle {
    intake_sim::start(addr.parse().unwrap(), sim).await.unwrap()
}

pub fn client(base: &str, timeout: Duration) -> IntakeClient {
    IntakeClient::new(base, timeout, key()).unwrap()
}

/// A synthetic case; the ID number is a made-up test number, never a real person's.
pub fn sample_case(local_no: &str) -> CaseSubmission {
    CaseSubmission {
        local_no: local_no.into(),
        terminal_id: TERMINAL.into(),
        bundle_id: "newborn".into(),
        bundle_name: "新生儿出生“一件事”".into(),
        matter_codes: vec!["11410700MB1234567X4000117008000".into()],
        applicant: ApplicantDto {
            name: "测试人".into(),
            id_type: "111".into(),
            id_number: "410702199003070046".into(),
            sex: "2".into(),
            birth_date: "19900307".into(),
            address: "河南省新乡市红旗区平原路1号".into(),
            phone: "13800000000".into(),
            ..Default::default()
        },
        form: Vec::new(),
        delivery: "window".into(),
        postal_address: None,
        materials: vec![MaterialDto {
            key: "birth_cert".into(),
            state: "scanned".into(),
            pages: vec!["/9j/4AAQ".into()],
            e_cert_ref: None,
        }],
        commitments: vec![],
        source: "self_service_terminal".into(),
        submitted_at: "2026-03-01T10:00:00".into(),
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Commits one sample case to the outbox the way the kiosk does; returns its local number.
pub fn enqueue(store: &kiosk::store::Store, sealer: &kiosk::outbox::Sealer) -> String {
    store.enqueue_case(TERMINAL, |local_no| sealer.seal(&serde_json::to_vec(&sample_case(local_no)).unwrap())).unwrap()
}

/// Rows still holding a payload (personal data) in the outbox.
pub fn payloads_left(db: &Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT COUNT(*) FROM outbox WHERE payload IS NOT NULL", [], |r| r.get(0)).unwrap()
}
