//! The simulator on its own, without the kiosk: plain HTTP/1.1 over loopback, requests
//! signed with `kiosk-api` only.

use intake_sim::{Sim, EMPTY_CATALOG};
use kiosk_api::wire::{Heartbeat, HeartbeatAck, HelpCallAck, HelpCallRequest, TerminalCommand, TimeAck};
use kiosk_api::{SigningKey, CATALOG, HEARTBEAT, HELP_CALLS, TIME};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request on a fresh connection; returns (status, head as sent, body).
async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

fn signed(key: &SigningKey, method: &str, path: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    key.sign(method, path, body).headers().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_given_catalog_and_checks_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::open(&dir.path().join("sim.db"), EMPTY_CATALOG.to_string()).unwrap();
    let key = SigningKey::new("XX-0001", &[5; 32]);
    sim.register_terminal(key.terminal_id(), key.secret());
    let h = intake_sim::start("127.0.0.1:0".parse().unwrap(), sim).await.unwrap();

    assert_eq!(request(h.addr, "GET", "/healthz", &[], b"").await.0, 200);
    let (status, _, body) = request(h.addr, "GET", CATALOG, &[], b"").await;
    assert_eq!(status, 401, "unsigned: {body}");
    let stranger = SigningKey::new("XX-0002", &[5; 32]);
    assert_eq!(request(h.addr, "GET", CATALOG, &signed(&stranger, "GET", CATALOG, b""), b"").await.0, 401);

    let (status, head, body) = request(h.addr, "GET", CATALOG, &signed(&key, "GET", CATALOG, b""), b"").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("etag: \"0\""), "{head}");
    assert_eq!(body, EMPTY_CATALOG);

    let hb = serde_json::to_vec(&Heartbeat {
        terminal_id: "XX-0001".into(),
        software_version: "t".into(),
        devices: Default::default(),
        ..Default::default()
    })
    .unwrap();
    let hb = hb.as_slice();
    let (status, _, body) = request(h.addr, "POST", HEARTBEAT, &signed(&key, "POST", HEARTBEAT, hb), hb).await;
    assert_eq!(status, 200, "{body}");
    let ack: HeartbeatAck = serde_json::from_str(&body).unwrap();
    assert_eq!(ack.catalog_version, "0");
    assert_eq!(h.sim.last_heartbeat("XX-0001").unwrap().software_version, "t");

    h.sim.set_catalog(r#"{"version":"2030.1.0"}"#.into());
    let (_, head, _) = request(h.addr, "GET", CATALOG, &signed(&key, "GET", CATALOG, b""), b"").await;
    assert!(head.to_ascii_lowercase().contains("etag: \"2030.1.0\""), "{head}");
    let st = h.sim.stats();
    assert_eq!((st.requests, st.auth_rejected), (5, 2));
    h.stop().await;
}

async fn started() -> (tempfile::TempDir, SigningKey, intake_sim::SimHandle) {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::open(&dir.path().join("sim.db"), EMPTY_CATALOG.to_string()).unwrap();
    let key = SigningKey::new("XX-0001", &[5; 32]);
    sim.register_terminal(key.terminal_id(), key.secret());
    let h = intake_sim::start("127.0.0.1:0".parse().unwrap(), sim).await.unwrap();
    (dir, key, h)
}

async fn beat(h: &intake_sim::SimHandle, key: &SigningKey) -> HeartbeatAck {
    let hb = serde_json::to_vec(&Heartbeat { terminal_id: key.terminal_id().into(), ..Default::default() }).unwrap();
    let (status, _, body) = request(h.addr, "POST", HEARTBEAT, &signed(key, "POST", HEARTBEAT, &hb), &hb).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A command queued for a terminal rides on the answer to its next heartbeat, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_command_is_delivered_once_in_the_next_heartbeat_answer() {
    let (_dir, key, h) = started().await;
    assert_eq!(beat(&h, &key).await.command, None);

    let pause = TerminalCommand::Pause { reason: "设备维护，请到窗口办理".into() };
    h.sim.queue_command("XX-0001", pause.clone());
    assert_eq!(h.sim.pending_command("XX-0001"), Some(pause.clone()));
    // A refused heartbeat (unsigned) does not consume it.
    let (status, _, _) = request(h.addr, "POST", HEARTBEAT, &[], b"{}").await;
    assert_eq!(status, 401);
    assert_eq!(beat(&h, &key).await.command, Some(pause));
    assert_eq!(beat(&h, &key).await.command, None, "delivered once, then forgotten");
    assert_eq!(h.sim.pending_command("XX-0001"), None);

    // The developer's route: unsigned, simulator only; the latest command wins.
    let url = "/__sim/terminals/XX-0001/command";
    let json = |c: &TerminalCommand| serde_json::to_vec(c).unwrap();
    let ct = [("Content-Type", "application/json".to_string())];
    let p = TerminalCommand::Pause { reason: "x".into() };
    assert_eq!(request(h.addr, "POST", url, &ct, &json(&p)).await.0, 202);
    assert_eq!(request(h.addr, "POST", url, &ct, &json(&TerminalCommand::Resume)).await.0, 202);
    assert_eq!(beat(&h, &key).await.command, Some(TerminalCommand::Resume));
    assert_eq!(beat(&h, &key).await.command, None);
    let (status, _, _) = request(h.addr, "POST", "/__sim/terminals/XX-7777/command", &ct, &json(&p)).await;
    assert_eq!(status, 404, "unknown terminal");
    let (status, _, _) = request(h.addr, "POST", url, &ct, br#"{"type":"reboot"}"#).await;
    assert_eq!(status, 422, "unknown command");
    h.stop().await;
}

/// 帮办 calls: signed ones are recorded once (a retry is not relayed again); unsigned,
/// badly signed or foreign ones are refused and leave no trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_calls_are_signed_recorded_once_and_relayed() {
    let (_dir, key, h) = started().await;
    let call = HelpCallRequest {
        terminal_id: "XX-0001".into(),
        call_id: 7,
        at_ms: 1_767_225_600_000,
        screen: "materials".into(),
        site: "红旗区便民服务中心 1号机".into(),
    };
    let body = serde_json::to_vec(&call).unwrap();
    let ct = [("Content-Type", "application/json".to_string())];

    let (status, _, rej) = request(h.addr, "POST", HELP_CALLS, &ct, &body).await;
    assert_eq!(status, 401, "unsigned: {rej}");
    let mut bad = signed(&key, "POST", HELP_CALLS, &body);
    bad[3].1 = "00".repeat(32);
    let (status, _, rej) = request(h.addr, "POST", HELP_CALLS, &bad, &body).await;
    assert_eq!(status, 401);
    assert!(rej.contains("bad_signature"), "{rej}");
    let other = SigningKey::new("XX-0001", &[6; 32]);
    assert_eq!(request(h.addr, "POST", HELP_CALLS, &signed(&other, "POST", HELP_CALLS, &body), &body).await.0, 401);
    assert!(h.sim.help_calls().is_empty(), "refused calls are not recorded");

    let (status, _, ack) = request(h.addr, "POST", HELP_CALLS, &signed(&key, "POST", HELP_CALLS, &body), &body).await;
    assert_eq!(status, 201, "{ack}");
    let ack: HelpCallAck = serde_json::from_str(&ack).unwrap();
    assert_eq!(ack, HelpCallAck { relayed: true, channel: "sms".into() });
    let (status, _, _) = request(h.addr, "POST", HELP_CALLS, &signed(&key, "POST", HELP_CALLS, &body), &body).await;
    assert_eq!(status, 200, "a retry of the same call");
    assert_eq!(h.sim.help_calls(), vec![call.clone()]);

    let foreign = serde_json::to_vec(&HelpCallRequest { terminal_id: "XX-0002".into(), call_id: 8, ..call }).unwrap();
    let (status, _, rej) =
        request(h.addr, "POST", HELP_CALLS, &signed(&key, "POST", HELP_CALLS, &foreign), &foreign).await;
    assert_eq!(status, 422, "{rej}");
    assert_eq!(h.sim.help_calls().len(), 1);
    h.stop().await;
}

/// The signed clock, and a simulator whose clock is off: its `Date` and `server_time`
/// move with it and a terminal on the true time is refused with `stale_timestamp`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_time_and_an_offset_clock() {
    let (_dir, key, h) = started().await;
    assert_eq!(request(h.addr, "GET", TIME, &[], b"").await.0, 401, "unsigned");
    let (status, _, body) = request(h.addr, "GET", TIME, &signed(&key, "GET", TIME, b""), b"").await;
    assert_eq!(status, 200, "{body}");
    let t: TimeAck = serde_json::from_str(&body).unwrap();
    assert!((t.server_time - kiosk_api::sign::now_secs()).abs() <= 2);

    h.sim.set_clock_offset_secs(3600);
    let (status, head, body) = request(h.addr, "GET", TIME, &signed(&key, "GET", TIME, b""), b"").await;
    assert_eq!(status, 401);
    assert!(body.contains("stale_timestamp"), "{body}");
    // The refusal's Date is the simulator's clock: the terminal can tell how far off it is.
    let date = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("date")).map(|(_, v)| v.trim()))
        .expect("a Date header on the refusal");
    let date = httpdate::parse_http_date(date).unwrap().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((date - kiosk_api::sign::now_secs() - 3600).abs() <= 2, "{date}");
    let shifted = key.sign_at("GET", TIME, b"", kiosk_api::sign::now_secs() + 3600, "n-1").headers().to_vec();
    let (status, _, body) = request(h.addr, "GET", TIME, &shifted, b"").await;
    assert_eq!(status, 200, "{body}");
    let t: TimeAck = serde_json::from_str(&body).unwrap();
    assert!((t.server_time - kiosk_api::sign::now_secs() - 3600).abs() <= 2);
    h.stop().await;
}

/// A frame time from the far past (or a garbled one) must not upset the stalled-screen
/// arithmetic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_frame_times_are_recorded_not_fatal() {
    let (_dir, key, h) = started().await;
    for f in [i64::MIN + 1, i64::MIN, i64::MAX, 0] {
        let hb = Heartbeat { terminal_id: key.terminal_id().into(), last_frame_ms: Some(f), ..Default::default() };
        let body = serde_json::to_vec(&hb).unwrap();
        let (status, _, ans) = request(h.addr, "POST", HEARTBEAT, &signed(&key, "POST", HEARTBEAT, &body), &body).await;
        assert_eq!(status, 200, "{f}: {ans}");
        assert_eq!(h.sim.last_heartbeat("XX-0001").unwrap().last_frame_ms, Some(f));
        assert!(h.sim.frame_lag_ms("XX-0001").is_some());
    }
    h.stop().await;
}

/// Garbage in the signing headers or an absurd clock offset is refused, never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_timestamps_and_offsets_are_refused_not_fatal() {
    let (_dir, key, h) = started().await;
    for ts in [i64::MIN, i64::MAX, 0] {
        let sig = key.sign_at("GET", TIME, b"", ts, &format!("n{ts}")).headers().to_vec();
        let (status, _, body) = request(h.addr, "GET", TIME, &sig, b"").await;
        assert_eq!(status, 401, "{ts}: {body}");
        assert!(body.contains("stale_timestamp"), "{body}");
    }
    h.sim.set_clock_offset_secs(i64::MAX);
    let (status, head, _) = request(h.addr, "GET", TIME, &signed(&key, "GET", TIME, b""), b"").await;
    assert_eq!(status, 401);
    assert!(head.to_ascii_lowercase().contains("date: "), "{head}");
    h.stop().await;
}
