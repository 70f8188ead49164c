//! The client against the simulator over loopback: idempotency, typed errors, each
//! injected fault, 收件 → 受理 → 办结, query by hashed ID, catalog versions, heartbeat
//! (with the operations fields and the pause/resume command in its answer), 帮办 calls
//! and the signed ping of the network self-test.

mod intake_support;

use intake_sim::FaultPlan;
use intake_support::*;
use kiosk::intake::{
    DeviceHealth, DeviceState, Heartbeat, HelpCallAck, HelpCallRequest, IntakeClient, IntakeError, OutOfServiceDto,
    Outcome, PaperState, RatingSubmission, SigningKey, TerminalCommand, Versions, COUNT_KEYS, HEARTBEAT,
};
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

        let mine = c.cases_by_id("111", "410702199003070046").await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].intake_no, ack.intake_no);
        let p = mine[0].progress.as_ref().expect("a progress answer says what the case is");
        assert_eq!((p.bundle_id.as_str(), p.delivery.as_str()), (case.bundle_id.as_str(), case.delivery.as_str()));
        assert!(c.cases_by_id("111", "41070219900307004X").await.unwrap().is_empty());
        // Moved by the simulator's control, whatever its age.
        assert!(h.sim.set_case_status(&case.local_no, "寄出"));
        assert_eq!(c.case_status(&ack.intake_no).await.unwrap().status, "寄出");
        assert!(!h.sim.set_case_status("XX2026-none", "受理"));
        // The same over the simulator's control route, as a developer would.
        let http = reqwest::Client::new();
        let set = |no: &str| {
            http.post(format!("{}/__sim/cases/{no}/status", h.base_url()))
                .json(&serde_json::json!({"status": "受理"}))
                .send()
        };
        assert_eq!(set(&case.local_no).await.unwrap().status().as_u16(), 204);
        assert_eq!(c.case_status(&ack.intake_no).await.unwrap().status, "受理");
        assert_eq!(set("XX2026-none").await.unwrap().status().as_u16(), 404);
        assert_eq!(c.case_progress("XX2026-none").await.unwrap(), None, "no such case: not an error");

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
            ..Default::default()
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

/// A heartbeat with every operations field set, as the monitor sends it.
fn full_heartbeat() -> Heartbeat {
    Heartbeat {
        terminal_id: TERMINAL.into(),
        software_version: "0.1.0".into(),
        devices: DeviceHealth { scanner: DeviceState::Absent, paper: PaperState::Ok, ..Default::default() },
        queue_depth: 1,
        oldest_queued_secs: 12,
        needs_attention: 0,
        versions: Versions {
            software: "0.1.0".into(),
            commit: "be81822".into(),
            catalog_version: "2026.3.0".into(),
            config_sha256: "ab".repeat(32),
            schema_version: 7,
        },
        counts_today: COUNT_KEYS.iter().enumerate().map(|(i, k)| (k.to_string(), i as i64 + 1)).collect(),
        out_of_service: Some(OutOfServiceDto {
            reason: "打印机维护".into(),
            by: "technician".into(),
            since_ms: 1_767_225_600_000,
        }),
        open_alerts: 2,
        pending_help_calls: 1,
        uptime_secs: 86_400,
        screen: "out_of_service".into(),
        last_frame_ms: Some(kiosk::store::now_ms() - 500),
    }
}

#[test]
fn heartbeat_with_every_new_field_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_secs(5));
        let hb = full_heartbeat();
        assert_eq!(hb.counts_today.len(), 10);
        let ack = c.heartbeat(&hb).await.unwrap();
        assert_eq!(ack.command, None);
        assert_eq!(h.sim.last_heartbeat(TERMINAL), Some(hb.clone()));
        let lag = h.sim.frame_lag_ms(TERMINAL).unwrap();
        assert!((0..60_000).contains(&lag), "a screen drawing frames: {lag}");

        // Up, but drawing nothing for ten minutes: the platform sees the lag.
        let stalled = Heartbeat { last_frame_ms: Some(kiosk::store::now_ms() - 600_000), ..hb.clone() };
        c.heartbeat(&stalled).await.unwrap();
        assert!(h.sim.frame_lag_ms(TERMINAL).unwrap() >= 600_000);
        c.heartbeat(&Heartbeat { last_frame_ms: None, out_of_service: None, ..hb }).await.unwrap();
        assert_eq!(h.sim.frame_lag_ms(TERMINAL), None, "no frame yet");
        assert_eq!(h.sim.last_heartbeat(TERMINAL).unwrap().out_of_service, None);
    });
}

/// The heartbeat of a terminal that predates the operations fields is still accepted.
#[test]
fn old_shape_heartbeat_still_parses() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let body = format!(
            r#"{{"terminal_id":"{TERMINAL}","software_version":"0.0.9","queue_depth":4,"oldest_queued_secs":9,
            "needs_attention":0,"devices":{{"idcard":{{"state":"ok"}},"printer":{{"state":"fault","reason":"缺纸"}},
            "scanner":{{"state":"ok"}},"paper":"out"}}}}"#
        );
        let sig = key().sign("POST", HEARTBEAT, body.as_bytes());
        let mut req = reqwest::Client::new()
            .post(format!("{}{HEARTBEAT}", h.base_url()))
            .header("Content-Type", "application/json");
        for (k, v) in sig.headers() {
            req = req.header(k, v);
        }
        let resp = req.body(body).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let hb = h.sim.last_heartbeat(TERMINAL).unwrap();
        assert_eq!((hb.software_version.as_str(), hb.queue_depth), ("0.0.9", 4));
        assert_eq!(hb.versions, Versions::default());
        assert!(hb.counts_today.is_empty() && hb.out_of_service.is_none() && hb.last_frame_ms.is_none());
        assert_eq!((hb.open_alerts, hb.pending_help_calls, hb.uptime_secs, hb.screen.as_str()), (0, 0, 0, ""));
    });
}

#[test]
fn queued_pause_is_delivered_exactly_once_in_the_next_ack() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_secs(5));
        let hb = full_heartbeat();
        assert_eq!(c.heartbeat(&hb).await.unwrap().command, None);

        let pause = TerminalCommand::Pause { reason: "系统升级，请到窗口办理".into() };
        h.sim.queue_command(TERMINAL, pause.clone());
        // A heartbeat the platform refuses (another terminal's id) does not take it.
        let e = c.heartbeat(&Heartbeat { terminal_id: "XX-0001".into(), ..hb.clone() }).await.unwrap_err();
        assert!(matches!(e, IntakeError::Rejected { status: 422, .. }), "{e:?}");
        assert_eq!(c.heartbeat(&hb).await.unwrap().command, Some(pause));
        assert_eq!(c.heartbeat(&hb).await.unwrap().command, None, "once");

        // Through the simulator's developer route, as `curl` would.
        let url = format!("{}/__sim/terminals/{TERMINAL}/command", h.base_url());
        let resp = reqwest::Client::new().post(&url).json(&TerminalCommand::Resume).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 202);
        assert_eq!(c.heartbeat(&hb).await.unwrap().command, Some(TerminalCommand::Resume));
        assert_eq!(c.heartbeat(&hb).await.unwrap().command, None);
    });
}

#[test]
fn help_calls_are_relayed_once_and_only_when_signed() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_secs(5));
        let call = HelpCallRequest {
            terminal_id: TERMINAL.into(),
            call_id: 1,
            at_ms: kiosk::store::now_ms(),
            screen: "form".into(),
            site: "红旗区便民服务中心 大厅东侧".into(),
        };
        let ack = c.help_call(&call).await.unwrap();
        assert_eq!(ack, HelpCallAck { relayed: true, channel: "sms".into() });
        assert_eq!(c.help_call(&call).await.unwrap(), ack, "a retry gets the same answer");
        assert_eq!(h.sim.help_calls(), vec![call.clone()], "recorded once");

        let wrong_key =
            IntakeClient::new(&h.base_url(), Duration::from_secs(5), SigningKey::new(TERMINAL, &[1; 32])).unwrap();
        let second = HelpCallRequest { call_id: 2, ..call.clone() };
        let e = wrong_key.help_call(&second).await.unwrap_err();
        assert!(matches!(&e, IntakeError::Auth { status: 401, code, .. } if code == "bad_signature"), "{e:?}");
        let unsigned = reqwest::Client::new()
            .post(format!("{}{}", h.base_url(), kiosk::intake::HELP_CALLS))
            .json(&second)
            .send()
            .await
            .unwrap();
        assert_eq!(unsigned.status().as_u16(), 401);
        assert_eq!(h.sim.help_calls(), vec![call], "refused calls are not recorded");
    });
}

/// The technician's network self-test: a signed ping gives the platform's time; a
/// wrong clock and a wrong key are told apart.
#[test]
fn ping_gives_server_time_and_tells_a_wrong_clock_from_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), Duration::from_secs(5));
        let p = c.ping().await.unwrap();
        assert!(p.skew_secs().abs() <= 2, "{p:?}");
        assert!((p.server_time - kiosk::intake::sign::now_secs()).abs() <= 2);
        assert!(p.round_trip_ms < 5_000);

        // The platform's clock 10 minutes ahead of ours: refused for the clock, and the
        // refusal's Date tells by how much.
        h.sim.set_clock_offset_secs(600);
        let e = c.ping().await.unwrap_err();
        assert!(e.is_clock_refusal(), "{e:?}");
        assert!(matches!(&e, IntakeError::Auth { status: 401, .. }));
        let skew = c.skew().get().unwrap();
        assert!((skew - 600).abs() <= 2, "{skew}");

        // Inside the window the ping passes and shows the skew itself.
        h.sim.set_clock_offset_secs(-120);
        let p = c.ping().await.unwrap();
        assert!((p.skew_secs() + 120).abs() <= 2, "{p:?}");

        // A wrong key is not a clock problem.
        h.sim.set_clock_offset_secs(0);
        let wrong_key =
            IntakeClient::new(&h.base_url(), Duration::from_secs(5), SigningKey::new(TERMINAL, &[1; 32])).unwrap();
        let e = wrong_key.ping().await.unwrap_err();
        assert!(!e.is_clock_refusal() && e.code() == Some("bad_signature"), "{e:?}");
        let stranger =
            IntakeClient::new(&h.base_url(), Duration::from_secs(5), SigningKey::new("XX-7777", &[1; 32])).unwrap();
        assert_eq!(stranger.ping().await.unwrap_err().code(), Some("unknown_terminal"));
    });
}
