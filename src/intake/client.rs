//! HTTP client of the intake platform (reqwest + rustls). Every request is signed
//! with the terminal's key (see `sign`); every case carries an idempotency key.
//!
//! Hygiene: answers are read up to a cap, redirects are never followed, plain HTTP only
//! reaches loopback (the simulator), a private CA bundle and a proxy come from config,
//! and the platform's `Date` header tells the terminal how far its clock is off.
//!
//! Refusal policy (docs/intake-api.yaml): only the platform's explicit refusals are
//! final: 422 with a reason code, and 409 (a different body for the same idempotency
//! key, or a rating already given). Every other 4xx (404, 405, 413, 415 from a proxy or a
//! wrong URL, 400) is retried with backoff and alerts the host after a few attempts.

use super::api::*;
use super::sign::SigningKey;
use reqwest::Method;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// Connection refused, reset or timed out: worth retrying.
    #[error("网络不可用 / network: {0}")]
    Network(String),
    /// The platform had a problem (5xx, 408, 429): worth retrying.
    #[error("平台暂时不可用 / platform error {0}")]
    Server(u16),
    /// The platform did not accept our signature (clock, key): the terminal's fault,
    /// so the case stays queued and a technician is needed. `code` is the platform's
    /// reason code (empty if it gave none): `stale_timestamp` is the terminal's clock
    /// ([`IntakeError::is_clock_refusal`]); `bad_signature`, `unknown_terminal`,
    /// `bad_algorithm` are its key or registration; `nonce_reused` a replay.
    #[error("终端认证失败 / authentication ({status} {code}): {reason}")]
    Auth { status: u16, code: String, reason: String },
    /// The platform refused the case itself (422 with a code, 409): retrying will not help.
    #[error("平台未受理 / rejected ({status}): {reason}")]
    Rejected { status: u16, code: String, reason: String },
    /// Any other 4xx or 3xx (a proxy's 404 or 413, a wrong URL): retried with backoff,
    /// the host is alerted after a few attempts.
    #[error("平台地址或代理异常 / unexpected HTTP {status}: {reason}")]
    Unexpected { status: u16, reason: String },
    #[error("平台应答无法解析 / bad response: {0}")]
    BadResponse(String),
}

/// What the citizen (or the journey) should make of a failed submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Kept in the queue and sent automatically later: the receipt stays valid.
    WillRetry,
    /// The platform said no; show its reason as is.
    Refused { reason: String },
}

impl IntakeError {
    pub fn is_retryable(&self) -> bool {
        !matches!(self, IntakeError::Rejected { .. })
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            IntakeError::Rejected { reason, .. } => Outcome::Refused { reason: reason.clone() },
            _ => Outcome::WillRetry,
        }
    }

    /// The platform refused the request because the terminal's clock is off (401
    /// `stale_timestamp`), not because of its key. The amount is in
    /// [`IntakeClient::skew`]: every answer's `Date` is recorded, refusals too.
    pub fn is_clock_refusal(&self) -> bool {
        matches!(self, IntakeError::Auth { code, .. } if code == "stale_timestamp")
    }

    /// The platform's reason code of a refusal (Auth or Rejected), if it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            IntakeError::Auth { code, .. } | IntakeError::Rejected { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }

    /// Plain words for the citizen: never a stack of error codes.
    pub fn citizen_message(&self) -> String {
        match self.outcome() {
            Outcome::Refused { reason } => {
                format!("平台未受理您的申请：{reason}。请按提示处理，或点“帮助”找工作人员。")
            }
            Outcome::WillRetry => "网络暂时不通。您的申请已保存在本机，接通后会自动提交，回执有效。".into(),
        }
    }
}

fn network(e: reqwest::Error) -> IntakeError {
    IntakeError::Network(e.to_string())
}

/// Largest answer the terminal reads (the catalog is the biggest).
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// Transport options from config.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// PEM bundle of the platform's private CA, trusted besides the system roots.
    pub ca_bundle: Option<PathBuf>,
    /// HTTP(S) proxy URL for every request.
    pub proxy: Option<String>,
    /// Cap on an answer's body, bytes (0: the default).
    pub max_body: usize,
}

/// A signed round trip to the platform (`GET /api/v1/time`): the technician's network
/// self-test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingResult {
    /// The platform's clock, Unix seconds.
    pub server_time: i64,
    /// Our clock half-way through the round trip, Unix seconds.
    pub local_time: i64,
    /// Request sent to answer read.
    pub round_trip_ms: u64,
}

impl PingResult {
    /// The platform's clock minus ours, seconds (positive: ours is behind). Beyond
    /// ±[`kiosk_api::sign::MAX_SKEW_SECS`] every signed request is refused.
    pub fn skew_secs(&self) -> i64 {
        self.server_time - self.local_time
    }
}

/// The platform's clock minus ours, seconds, from the last answer's `Date` header.
#[derive(Debug, Default)]
pub struct ClockSkew {
    secs: AtomicI64,
    seen: AtomicBool,
}

impl ClockSkew {
    pub fn get(&self) -> Option<i64> {
        self.seen.load(Ordering::Relaxed).then(|| self.secs.load(Ordering::Relaxed))
    }

    pub fn record(&self, secs: i64) {
        self.secs.store(secs, Ordering::Relaxed);
        self.seen.store(true, Ordering::Relaxed);
    }
}

/// Whether `base` may be used: https anywhere, plain http only to loopback.
pub fn check_base(base: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(base).map_err(|e| format!("{base}: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if loopback {
                Ok(url)
            } else {
                Err(format!("{base}: plain http is allowed only to loopback; use https"))
            }
        }
        other => Err(format!("{base}: scheme {other} not supported")),
    }
}

#[derive(Clone)]
pub struct IntakeClient {
    base: String,
    http: reqwest::Client,
    key: SigningKey,
    max_body: usize,
    skew: Arc<ClockSkew>,
}

impl IntakeClient {
    pub fn new(base: &str, timeout: Duration, key: SigningKey) -> Result<Self, IntakeError> {
        Self::with_options(base, timeout, key, &HttpOptions::default())
    }

    pub fn with_options(base: &str, timeout: Duration, key: SigningKey, o: &HttpOptions) -> Result<Self, IntakeError> {
        check_base(base).map_err(IntakeError::BadResponse)?;
        let mut b = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect is an answer like any other: never followed (it would carry a
            // signed request somewhere else).
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &o.ca_bundle {
            let pem = std::fs::read(path).map_err(|e| IntakeError::BadResponse(format!("{}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| IntakeError::BadResponse(format!("{}: {e}", path.display())))?;
            b = b.tls_certs_merge(certs);
        }
        b = match &o.proxy {
            Some(p) => {
                b.proxy(reqwest::Proxy::all(p).map_err(|e| IntakeError::BadResponse(format!("proxy {p}: {e}")))?)
            }
            // No proxy from the environment either: a terminal's route is its config.
            None => b.no_proxy(),
        };
        let http = b.build().map_err(network)?;
        let max_body = if o.max_body == 0 { DEFAULT_MAX_BODY } else { o.max_body };
        Ok(Self { base: base.trim_end_matches('/').to_string(), http, key, max_body, skew: Arc::default() })
    }

    /// The clock difference seen in the platform's answers (shared by clones).
    pub fn skew(&self) -> Arc<ClockSkew> {
        self.skew.clone()
    }

    fn note_date(&self, resp: &reqwest::Response) {
        let date = resp.headers().get(reqwest::header::DATE).and_then(|v| v.to_str().ok());
        if let Some(at) = date.and_then(|d| httpdate::parse_http_date(d).ok()) {
            let server = at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
            self.skew.record(server - kiosk_api::sign::now_secs());
        }
    }

    /// Reads a body up to the cap: a longer one is an error, not a memory spike.
    async fn read_capped(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, IntakeError> {
        if resp.content_length().is_some_and(|n| n as usize > self.max_body) {
            return Err(IntakeError::BadResponse(format!("answer larger than {} bytes", self.max_body)));
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network)? {
            if out.len() + chunk.len() > self.max_body {
                return Err(IntakeError::BadResponse(format!("answer larger than {} bytes", self.max_body)));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one signed request. `target` is the path with its query, as signed.
    async fn send(
        &self,
        method: Method,
        target: &str,
        idem_key: Option<&str>,
        body: Option<Vec<u8>>,
        extra: &[(&str, &str)],
    ) -> Result<reqwest::Response, IntakeError> {
        let bytes = body.unwrap_or_default();
        let sig = self.key.sign(method.as_str(), target, &bytes);
        let mut req = self.http.request(method, format!("{}{target}", self.base));
        for (k, v) in sig.headers() {
            req = req.header(k, v);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        if let Some(k) = idem_key {
            req = req.header(IDEMPOTENCY_HEADER, k);
        }
        if !bytes.is_empty() {
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes);
        }
        let resp = req.send().await.map_err(network)?;
        self.note_date(&resp);
        let status = resp.status().as_u16();
        if resp.status().is_success() || status == 304 {
            return Ok(resp);
        }
        // An error body is small; a proxy's HTML page is cut at the cap like any other.
        let body = self.read_capped(resp).await.unwrap_or_default();
        let parsed: Option<Rejection> = serde_json::from_slice(&body).ok();
        Err(classify(status, parsed))
    }

    async fn json<R: serde::de::DeserializeOwned>(&self, resp: reqwest::Response) -> Result<R, IntakeError> {
        // A body cut off mid-way is a dropped connection, not a bad answer.
        let bytes = self.read_capped(resp).await?;
        serde_json::from_slice(&bytes).map_err(|e| IntakeError::BadResponse(e.to_string()))
    }

    fn encode<B: serde::Serialize>(body: &B) -> Result<Vec<u8>, IntakeError> {
        serde_json::to_vec(body).map_err(|e| IntakeError::BadResponse(e.to_string()))
    }

    pub async fn submit_case(&self, idem_key: &str, case: &CaseSubmission) -> Result<CaseAck, IntakeError> {
        self.json(self.send(Method::POST, CASES, Some(idem_key), Some(Self::encode(case)?), &[]).await?).await
    }

    pub async fn submit_rating(&self, idem_key: &str, rating: &RatingSubmission) -> Result<RatingAck, IntakeError> {
        self.json(self.send(Method::POST, RATINGS, Some(idem_key), Some(Self::encode(rating)?), &[]).await?).await
    }

    /// Progress by intake number (or the provisional number on the receipt).
    pub async fn case_status(&self, no: &str) -> Result<CaseAck, IntakeError> {
        let no: String = no.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        self.json(self.send(Method::GET, &format!("{CASES}/{no}"), None, None, &[]).await?).await
    }

    /// Progress by a receipt's number for the 进度查询 screen: `Ok(None)` when the
    /// platform says it has no such case (404 with its `Rejection` body; a proxy's bare
    /// 404 stays an error).
    pub async fn case_progress(&self, no: &str) -> Result<Option<CaseAck>, IntakeError> {
        match self.case_status(no).await {
            Ok(a) => Ok(Some(a)),
            Err(IntakeError::Unexpected { status: 404, reason }) if reason != "HTTP 404" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Progress by ID card: a signed POST with the number in the body, so it is in no
    /// URL a proxy logs (an unsalted hash in the query, as before, is reversible).
    pub async fn cases_by_id(&self, id_type: &str, id_number: &str) -> Result<Vec<CaseAck>, IntakeError> {
        let q = ProgressQuery { id_type: id_type.into(), id_number: id_number.trim().to_ascii_uppercase() };
        let resp = self.send(Method::POST, PROGRESS_QUERIES, None, Some(Self::encode(&q)?), &[]).await?;
        Ok(self.json::<CaseList>(resp).await?.cases)
    }

    /// Identity by a 电子身份证 / 电子社保卡 QR code (provisional endpoint): the person, or
    /// `Rejected` with code `code_expired` / `code_unknown`.
    pub async fn verify_identity(&self, terminal_id: &str, code: &str) -> Result<VerifiedIdentity, IntakeError> {
        let req = IdentityVerifyRequest { terminal_id: terminal_id.into(), code: code.trim().into() };
        self.json(self.send(Method::POST, IDENTITY_VERIFY, None, Some(Self::encode(&req)?), &[]).await?).await
    }

    /// The catalog as the platform publishes it (JSON text, validated by the caller).
    pub async fn fetch_catalog(&self) -> Result<String, IntakeError> {
        Ok(self.fetch_catalog_since(None).await?.map(|(_, body)| body).unwrap_or_default())
    }

    /// The catalog if its version differs from `have`: Some((version, body)), None if unchanged.
    pub async fn fetch_catalog_since(&self, have: Option<&str>) -> Result<Option<(String, String)>, IntakeError> {
        let tag = have.map(|v| format!("\"{v}\""));
        let extra: Vec<(&str, &str)> = tag.as_deref().map(|t| ("If-None-Match", t)).into_iter().collect();
        let resp = self.send(Method::GET, CATALOG, None, None, &extra).await?;
        if resp.status().as_u16() == 304 {
            return Ok(None);
        }
        let version = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_default();
        let body = self.read_capped(resp).await?;
        Ok(Some((version, String::from_utf8(body).map_err(|e| IntakeError::BadResponse(e.to_string()))?)))
    }

    /// Sends the heartbeat; the answer may carry a command (pause, resume) from the
    /// operations desk, given once.
    pub async fn heartbeat(&self, hb: &Heartbeat) -> Result<HeartbeatAck, IntakeError> {
        self.json(self.send(Method::POST, HEARTBEAT, None, Some(Self::encode(hb)?), &[]).await?).await
    }

    /// A citizen asked for 帮办: the platform relays it to the branch (SMS, work app).
    /// A retry with the same `call_id` is not relayed twice.
    pub async fn help_call(&self, req: &HelpCallRequest) -> Result<HelpCallAck, IntakeError> {
        self.json(self.send(Method::POST, HELP_CALLS, None, Some(Self::encode(req)?), &[]).await?).await
    }

    /// The signed ping of the network self-test: `GET /api/v1/time` (no side effect on
    /// the platform, unlike a heartbeat, which would replace the terminal's last state
    /// and take its queued command). Clock skew = `server_time − local_time`.
    ///
    /// A clock more than 5 minutes off is refused before the signature is looked at:
    /// `Err(e)` with `e.is_clock_refusal()`, and [`IntakeClient::skew`] holds the
    /// difference read from the refusal's `Date` header. Any other `Auth` error is the
    /// key or the registration.
    pub async fn ping(&self) -> Result<PingResult, IntakeError> {
        let started = std::time::Instant::now();
        let sent_ms = now_unix_ms();
        let resp = self.send(Method::GET, TIME, None, None, &[]).await?;
        let ack: TimeAck = self.json(resp).await?;
        let round_trip_ms = started.elapsed().as_millis() as u64;
        let local_time = (sent_ms + round_trip_ms as i64 / 2).div_euclid(1000);
        Ok(PingResult { server_time: ack.server_time, local_time, round_trip_ms })
    }
}

fn now_unix_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The refusal policy: which answers are final.
pub fn classify(status: u16, body: Option<Rejection>) -> IntakeError {
    let reason = body.as_ref().map_or_else(|| format!("HTTP {status}"), |r| r.reason.clone());
    let code = body.as_ref().map(|r| r.code.clone()).unwrap_or_default();
    match status {
        408 | 429 | 500..=599 => IntakeError::Server(status),
        401 | 403 => IntakeError::Auth { status, code, reason },
        // The platform's own refusals, recognisable by their reason code.
        422 | 409 if !code.is_empty() => IntakeError::Rejected { status, code, reason },
        _ => IntakeError::Unexpected { status, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_explicit_refusals_are_final() {
        let rej = |code: &str| Some(Rejection { code: code.into(), reason: "材料不全".into() });
        assert!(matches!(classify(422, rej("invalid_case")), IntakeError::Rejected { status: 422, .. }));
        assert!(matches!(classify(409, rej("idempotency_conflict")), IntakeError::Rejected { status: 409, .. }));
        for (status, body) in
            [(422, None), (409, None), (404, None), (413, None), (405, rej("x")), (415, None), (400, rej("bad"))]
        {
            let e = classify(status, body);
            assert!(matches!(e, IntakeError::Unexpected { .. }), "{status}: {e:?}");
            assert!(e.is_retryable());
        }
        assert!(matches!(classify(503, None), IntakeError::Server(503)));
        let e = classify(401, rej("bad_signature"));
        assert!(matches!(&e, IntakeError::Auth { code, .. } if code == "bad_signature"));
        assert!(!e.is_clock_refusal() && e.is_retryable());
        assert_eq!(e.code(), Some("bad_signature"));
        let e = classify(401, rej("stale_timestamp"));
        assert!(e.is_clock_refusal() && e.is_retryable(), "{e}");
        assert!(!classify(401, None).is_clock_refusal());
        assert_eq!(classify(401, None).code(), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in ["https://intake.example.gov.cn/api", "http://127.0.0.1:8700", "http://[::1]:1", "http://localhost:9"]
        {
            assert!(check_base(ok).is_ok(), "{ok}");
        }
        for bad in ["http://10.0.0.1/api", "http://intake.example.gov.cn", "ftp://x", "nonsense"] {
            assert!(check_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_are_typed_for_the_journey() {
        let r = IntakeError::Rejected { status: 422, code: "no_matter".into(), reason: "未选择办理事项".into() };
        assert!(!r.is_retryable());
        assert_eq!(r.outcome(), Outcome::Refused { reason: "未选择办理事项".into() });
        assert!(r.citizen_message().contains("未选择办理事项"));
        for e in [
            IntakeError::Network("reset".into()),
            IntakeError::Server(503),
            IntakeError::Auth { status: 401, code: "stale_timestamp".into(), reason: "stale".into() },
        ] {
            assert!(e.is_retryable(), "{e}");
            assert_eq!(e.outcome(), Outcome::WillRetry);
        }
    }
}
