//! The simulator on its own, without the kiosk: plain HTTP/1.1 over loopback, requests
//! signed with `kiosk-api` only.

use intake_sim::{Sim, EMPTY_CATALOG};
use kiosk_api::{SigningKey, CATALOG, HEARTBEAT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request on a fresh connection; returns (status, headers, body).
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
    (status, head.to_ascii_lowercase(), body.to_string())
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
    assert!(head.contains("etag: \"0\""), "{head}");
    assert_eq!(body, EMPTY_CATALOG);

    let hb = serde_json::to_vec(&kiosk_api::wire::Heartbeat {
        terminal_id: "XX-0001".into(),
        software_version: "t".into(),
        devices: Default::default(),
        queue_depth: 0,
        oldest_queued_secs: 0,
        needs_attention: 0,
    })
    .unwrap();
    let hb = hb.as_slice();
    let (status, _, body) = request(h.addr, "POST", HEARTBEAT, &signed(&key, "POST", HEARTBEAT, hb), hb).await;
    assert_eq!(status, 200, "{body}");
    let ack: kiosk_api::HeartbeatAck = serde_json::from_str(&body).unwrap();
    assert_eq!(ack.catalog_version, "0");
    assert_eq!(h.sim.last_heartbeat("XX-0001").unwrap().software_version, "t");

    h.sim.set_catalog(r#"{"version":"2030.1.0"}"#.into());
    let (_, head, _) = request(h.addr, "GET", CATALOG, &signed(&key, "GET", CATALOG, b""), b"").await;
    assert!(head.contains("etag: \"2030.1.0\""), "{head}");
    let st = h.sim.stats();
    assert_eq!((st.requests, st.auth_rejected), (5, 2));
    h.stop().await;
}
