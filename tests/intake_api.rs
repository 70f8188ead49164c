//! The client against the simulator over loopback: idempotency, typed errors, each
//! injected fault, 收件 → 受理 → 办结, query by hashed ID, catalog versions, heartbeat.

mod intake_support;

use intake_sim::FaultPlan;
use intake_support::*;
use kiosk::intake::{DeviceHealth, DeviceState, Heartbeat, IntakeError, Outcome, PaperState, RatingSubmission};
use std::time::Duration;

fn rating(local_no: &str, level: u8, reasons: &[&str]) -> RatingSubmission {
    RatingSubmission {
        local_no: local_no.into(),
        terminal_id: TERMINAL.into(),
        level,
        level_code: level.to_string(),
        level_name: kiosk::rating::LEVELS[(level - 1) as usize].into(),
        channel: "4".into(),
        reasons: reasons.iter().map(|s| s.to_string()).collect(),
        rated_at: "20260301T101500".into(),
    }
}

#[test]
fn idempotency_and_rejections() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_secs(5));
        let case = sample_case("XX-0009-000001");
        let a = c.submit_case("XX-0009:case:1", &case).await.unwrap();
        let b = c.submit_case("XX-0009:case:1", &case).await.unwrap();
        assert_eq!(a, b, "a retry returns the same 办件编号");
        assert_eq!(h.sim.cases().len(), 1);
        assert_eq!(h.sim.stats().replays, 1);

        let mut other = case.clone();
        other.delivery = "post".into();
        other.postal_address = Some("河南省新乡市".into());
        let e = c.submit_case("XX-0009:case:1", &other).await.unwrap_err();
        assert!(matches!(&e, IntakeError::Rejected { status: 409, code, .. } if code == "idempotency_conflict"));

        let mut bad = sample_case("XX-0009-000002");
        bad.matter_codes.clear();
        let e = c.submit_case("XX-0009:case:2", &bad).await.unwrap_err();
        assert!(!e.is_retryable());
        let Outcome::Refused { reason } = e.outcome() else { panic!("{e:?}") };
        assert!(reason.contains("未选择办理事项"), "the platform's own reason reaches the citizen: {reason}");
        bad = sample_case("XX-0009-000002");
        bad.delivery = "post".into();
        assert!(c.submit_case("XX-0009:case:2", &bad).await.unwrap_err().citizen_message().contains("地址"));

        // 好差评: one per case, immutable; a 差评 needs a reason.
        let e = c.submit_rating("rating:XX-0009-000001", &rating("XX-0009-000001", 5, &[])).await.unwrap_err();
        assert!(matches!(&e, IntakeError::Rejected { code, .. } if code == "reasons_required"));
        let r = rating("XX-0009-000001", 4, &["R03"]);
        assert!(c.submit_rating("rating:XX-0009-000001", &r).await.unwrap().accepted);
        assert!(c.submit_rating("rating:XX-0009-000001", &r).await.unwrap().accepted, "retry");
        let e = c.submit_rating("rating:XX-0009-000001", &rating("XX-0009-000001", 1, &[])).await.unwrap_err();
        assert!(matches!(&e, IntakeError::Rejected { code, .. } if code == "already_rated"));
        assert_eq!(h.sim.ratings(), vec![r]);
    });
}

#[test]
fn injected_faults_are_typed_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_millis(800));
        let control = reqwest::Client::new();
        let set = |plan: FaultPlan| {
            let control = control.clone();
            let url = format!("{}/__sim/faults", h.base_url());
            async move { control.post(url).json(&plan).send().await.unwrap().json::<FaultPlan>().await.unwrap() }
        };
        let case = sample_case("XX-0009-000001");

        set(FaultPlan { fail_next: 1, ..FaultPlan::default() }).await;
        assert_eq!(c.submit_case("k1", &case).await.unwrap_err(), IntakeError::Server(503));
        assert!(h.sim.cases().is_empty(), "a 503 commits nothing");

        set(FaultPlan { drop_next: 1, ..FaultPlan::default() }).await;
        let e = c.submit_case("k1", &case).await.unwrap_err();
        assert!(matches!(e, IntakeError::Network(_)), "dropped mid-answer: {e:?}");
        assert_eq!(h.sim.cases().len(), 1, "committed although the ack was lost");

        set(FaultPlan { timeout_next: 1, hang_ms: 3_000, ..FaultPlan::default() }).await;
        let e = c.submit_case("k1", &case).await.unwrap_err();
        assert!(matches!(e, IntakeError::Network(_)), "timeout: {e:?}");

        set(FaultPlan { refuse_next: 1, ..FaultPlan::default() }).await;
        // A fresh client has no pooled connection, so the refusal hits it.
        let fresh = client(&h.base_url(), Duration::from_millis(800));
        assert!(matches!(fresh.submit_case("k1", &case).await.unwrap_err(), IntakeError::Network(_)));

        let plan = set(FaultPlan { latency_ms: 50, ..FaultPlan::default() }).await;
        assert_eq!(plan.latency_ms, 50);
        let t = std::time::Instant::now();
        let ack = c.submit_case("k1", &case).await.unwrap();
        assert!(t.elapsed() >= Duration::from_millis(50));
        assert_eq!(h.sim.cases().len(), 1, "four failed tries and one success make one case");
        assert_eq!(ack.local_no, "XX-0009-000001");
        let st = h.sim.stats();
        assert_eq!((st.created, st.injected), (1, 4), "{st:?}");
        assert!(st.replays >= 1);
    });
}

#[test]
fn progress_catalog_and_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let sim = open_sim(dir.path());
        sim.set_stages(300, 600);
        let h = start(sim, "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_secs(5));
        let case = sample_case("XX-0009-000001");
        let ack = c.submit_case("k1", &case).await.unwrap();
        assert_eq!(ack.status, "收件");
        let mut seen = vec![c.case_status(&ack.intake_no).await.unwrap().status];
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let s = c.case_status(&case.local_no).await.unwrap().status;
            if seen.last() != Some(&s) {
                seen.push(s);
            }
        }
        assert_eq!(seen, ["收件", "受理", "办结"]);
        let e = c.case_status("XX2026-none").await.unwrap_err();
        assert!(matches!(e, IntakeError::Unexpected { status: 404, .. }), "{e:?}");

        let mine = c.cases_by_id("410702199003070046").await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].intake_no, ack.intake_no);
        assert!(c.cases_by_id("41070219900307004X").await.unwrap().is_empty());

        let (version, body) = c.fetch_catalog_since(None).await.unwrap().unwrap();
        assert_eq!(version, kiosk::catalog::Catalog::seed().version);
        assert!(body.contains(&version));
        assert_eq!(c.fetch_catalog_since(Some(&version)).await.unwrap(), None, "unchanged: 304");
        h.sim.set_catalog(body.replace(&version, "2026.12.0"));
        let (v2, _) = c.fetch_catalog_since(Some(&version)).await.unwrap().unwrap();
        assert_eq!(v2, "2026.12.0");

        let hb = Heartbeat {
            terminal_id: TERMINAL.into(),
            software_version: env!("CARGO_PKG_VERSION").into(),
            devices: DeviceHealth {
                idcard: DeviceState::Fault { reason: "SAM 自检失败".into() },
                printer: DeviceState::Degraded { reason: "纸将用完".into() },
                scanner: DeviceState::Ok,
                paper: PaperState::NearEnd,
            },
            queue_depth: 3,
            oldest_queued_secs: 40,
            needs_attention: 1,
        };
        let hb_ack = c.heartbeat(&hb).await.unwrap();
        assert_eq!(hb_ack.catalog_version, "2026.12.0");
        assert_eq!(h.sim.last_heartbeat(TERMINAL), Some(hb.clone()));
        let e = c.heartbeat(&Heartbeat { terminal_id: "XX-0001".into(), ..hb }).await.unwrap_err();
        assert!(matches!(e, IntakeError::Rejected { status: 422, .. }), "heartbeat for another terminal");
    });
}

/// `intake-sim` without `--catalog` serves an empty catalog: valid for the kiosk, and
/// older than any real one, so a kiosk keeps the catalog it has.
#[test]
fn standalone_sims_empty_catalog_is_valid_and_oldest() {
    let empty = kiosk::catalog::Catalog::parse(intake_sim::EMPTY_CATALOG, "intake-sim").unwrap();
    assert!(empty.bundles.is_empty() && empty.matters.is_empty());
    let seed = kiosk::catalog::Catalog::seed().version;
    assert_eq!(kiosk::catalog::compare_versions(&empty.version, &seed), std::cmp::Ordering::Less);
}
