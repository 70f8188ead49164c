//! Signatures: a tampered body, an old timestamp, a reused nonce, an unknown terminal
//! and a foreign key are each rejected by the simulator over real loopback HTTP.

mod intake_support;

use intake_support::*;
use kiosk::intake::sign::{now_secs, SigningKey};
use kiosk::intake::{HelpCallRequest, Rejection, CASES, HELP_CALLS, IDEMPOTENCY_HEADER, TIME};

async fn post(base: &str, key: &SigningKey, body: &[u8], ts: i64, nonce: &str, sent: &[u8]) -> (u16, Rejection) {
    let sig = key.sign_at("POST", CASES, body, ts, nonce);
    let mut req = reqwest::Client::new()
        .post(format!("{base}{CASES}"))
        .header(IDEMPOTENCY_HEADER, format!("k-{nonce}"))
        .header("Content-Type", "application/json");
    for (k, v) in sig.headers() {
        req = req.header(k, v);
    }
    let resp = req.body(sent.to_vec()).send().await.unwrap();
    let status = resp.status().as_u16();
    let rej = resp.json::<Rejection>().await.unwrap_or(Rejection { code: "ok".into(), reason: String::new() });
    (status, rej)
}

#[test]
fn tampered_old_and_replayed_requests_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let base = h.base_url();
        let body = serde_json::to_vec(&sample_case("XX-0009-000001")).unwrap();
        let k = key();
        let now = now_secs();

        let (s, r) = post(&base, &k, &body, now, "n-ok", &body).await;
        assert_eq!((s, r.code.as_str()), (201, "ok"), "a well-signed request passes");

        let (s, r) = post(&base, &k, &body, now, "n-ok", &body).await;
        assert_eq!((s, r.code.as_str()), (401, "nonce_reused"), "{}", r.reason);

        let mut tampered = body.clone();
        let at = tampered.iter().position(|b| *b == b'7').unwrap();
        tampered[at] = b'8';
        let (s, r) = post(&base, &k, &body, now, "n-tamper", &tampered).await;
        assert_eq!((s, r.code.as_str()), (401, "bad_signature"));

        let (s, r) = post(&base, &k, &body, now - 320, "n-old", &body).await;
        assert_eq!((s, r.code.as_str()), (401, "stale_timestamp"));
        let (s, r) = post(&base, &k, &body, now + 320, "n-future", &body).await;
        assert_eq!((s, r.code.as_str()), (401, "stale_timestamp"));
        let (s, _) = post(&base, &k, &body, now - 290, "n-skewed", &body).await;
        assert_eq!(s, 201, "inside ±5 min is fine");

        let (s, r) = post(&base, &SigningKey::new("XX-0009", &[1; 32]), &body, now, "n-key", &body).await;
        assert_eq!((s, r.code.as_str()), (401, "bad_signature"), "another terminal's key");
        let (s, r) = post(&base, &SigningKey::new("XX-7777", &[42; 32]), &body, now, "n-who", &body).await;
        assert_eq!((s, r.code.as_str()), (401, "unknown_terminal"));

        let resp = reqwest::Client::new().post(format!("{base}{CASES}")).body(body.clone()).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "unsigned");

        // Only the two well-signed requests (each with its own idempotency key) made cases.
        assert_eq!(h.sim.cases().len(), 2);
        assert_eq!(h.sim.stats().auth_rejected, 7);
    });
}

#[test]
fn client_signs_every_call_and_auth_errors_stay_retryable() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let c = client(&h.base_url(), std::time::Duration::from_secs(5));
        let ack = c.submit_case("idem-1", &sample_case("XX-0009-000001")).await.unwrap();
        assert_eq!(c.case_status(&ack.intake_no).await.unwrap().local_no, "XX-0009-000001");
        assert!(!c.fetch_catalog().await.unwrap().is_empty());

        let stranger = kiosk::intake::IntakeClient::new(
            &h.base_url(),
            std::time::Duration::from_secs(5),
            SigningKey::new(TERMINAL, &[0; 32]),
        )
        .unwrap();
        let e = stranger.submit_case("idem-2", &sample_case("XX-0009-000002")).await.unwrap_err();
        assert!(matches!(e, kiosk::intake::IntakeError::Auth { status: 401, .. }), "{e:?}");
        assert!(e.is_retryable(), "a key problem must not drop the citizen's case");
        assert_eq!(h.sim.cases().len(), 1);
    });
}

/// One signed request to `path` at `ts` with `nonce`; returns (status, reason code).
async fn signed(
    base: &str,
    key: &SigningKey,
    method: &str,
    path: &str,
    body: &[u8],
    ts: i64,
    nonce: &str,
) -> (u16, String) {
    let sig = key.sign_at(method, path, body, ts, nonce);
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("Content-Type", "application/json");
    for (k, v) in sig.headers() {
        req = req.header(k, v);
    }
    let resp = req.body(body.to_vec()).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json::<Rejection>().await.map(|r| r.code).unwrap_or_default())
}

/// 帮办 calls and the ping are signed like everything else: the same refusals, and a
/// refused call is never relayed.
#[test]
fn help_calls_and_the_ping_follow_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let h = start(open_sim(dir.path()), "127.0.0.1:0").await;
        let base = h.base_url();
        let k = key();
        let now = now_secs();
        let call = HelpCallRequest {
            terminal_id: TERMINAL.into(),
            call_id: 3,
            at_ms: now * 1000,
            screen: "identify".into(),
            site: "大厅".into(),
        };
        let body = serde_json::to_vec(&call).unwrap();

        for (ts, nonce, want) in [(now - 320, "h-old", "stale_timestamp"), (now + 320, "h-future", "stale_timestamp")] {
            assert_eq!(signed(&base, &k, "POST", HELP_CALLS, &body, ts, nonce).await, (401, want.into()));
            assert_eq!(signed(&base, &k, "GET", TIME, b"", ts, nonce).await, (401, want.into()));
        }
        let other = SigningKey::new(TERMINAL, &[1; 32]);
        assert_eq!(signed(&base, &other, "POST", HELP_CALLS, &body, now, "h-key").await, (401, "bad_signature".into()));
        assert_eq!(signed(&base, &other, "GET", TIME, b"", now, "t-key").await, (401, "bad_signature".into()));
        assert!(h.sim.help_calls().is_empty());

        assert_eq!(signed(&base, &k, "POST", HELP_CALLS, &body, now, "h-ok").await.0, 201);
        assert_eq!(signed(&base, &k, "POST", HELP_CALLS, &body, now, "h-ok").await, (401, "nonce_reused".into()));
        assert_eq!(signed(&base, &k, "GET", TIME, b"", now, "t-ok").await.0, 200);
        assert_eq!(signed(&base, &k, "GET", TIME, b"", now, "t-ok").await, (401, "nonce_reused".into()));
        assert_eq!(h.sim.help_calls(), vec![call]);
    });
}
