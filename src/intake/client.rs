//! HTTP client of the intake platform (reqwest + rustls). Every request is signed
//! with the terminal's key (see `sign`); every case carries an idempotency key.

use super::api::*;
use super::sign::SigningKey;
use reqwest::Method;
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
    /// so the case stays queued and a technician is needed.
    #[error("终端认证失败 / authentication ({status}): {reason}")]
    Auth { status: u16, reason: String },
    /// The platform refused the case itself (4xx): retrying will not help.
    #[error("平台未受理 / rejected ({status}): {reason}")]
    Rejected { status: u16, code: String, reason: String },
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

#[derive(Clone)]
pub struct IntakeClient {
    base: String,
    http: reqwest::Client,
    key: SigningKey,
}

impl IntakeClient {
    pub fn new(base: &str, timeout: Duration, key: SigningKey) -> Result<Self, IntakeError> {
        let http = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build().map_err(network)?;
        Ok(Self { base: base.trim_end_matches('/').to_string(), http, key })
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
        let status = resp.status().as_u16();
        if resp.status().is_success() || status == 304 {
            return Ok(resp);
        }
        let body = resp.bytes().await.map_err(network)?;
        let rej: Rejection = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Rejection { code: String::new(), reason: format!("HTTP {status}") });
        Err(match status {
            408 | 429 | 500..=599 => IntakeError::Server(status),
            401 | 403 => IntakeError::Auth { status, reason: rej.reason },
            _ => IntakeError::Rejected { status, code: rej.code, reason: rej.reason },
        })
    }

    async fn json<R: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<R, IntakeError> {
        // A body cut off mid-way is a dropped connection, not a bad answer.
        let bytes = resp.bytes().await.map_err(network)?;
        serde_json::from_slice(&bytes).map_err(|e| IntakeError::BadResponse(e.to_string()))
    }

    fn encode<B: serde::Serialize>(body: &B) -> Result<Vec<u8>, IntakeError> {
        serde_json::to_vec(body).map_err(|e| IntakeError::BadResponse(e.to_string()))
    }

    pub async fn submit_case(&self, idem_key: &str, case: &CaseSubmission) -> Result<CaseAck, IntakeError> {
        Self::json(self.send(Method::POST, CASES, Some(idem_key), Some(Self::encode(case)?), &[]).await?).await
    }

    pub async fn submit_rating(&self, idem_key: &str, rating: &RatingSubmission) -> Result<RatingAck, IntakeError> {
        Self::json(self.send(Method::POST, RATINGS, Some(idem_key), Some(Self::encode(rating)?), &[]).await?).await
    }

    /// Progress by intake number (or the provisional number on the receipt).
    pub async fn case_status(&self, no: &str) -> Result<CaseAck, IntakeError> {
        let no: String = no.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        Self::json(self.send(Method::GET, &format!("{CASES}/{no}"), None, None, &[]).await?).await
    }

    /// Progress by ID card: only the hash of the number leaves the terminal.
    pub async fn cases_by_id(&self, id_number: &str) -> Result<Vec<CaseAck>, IntakeError> {
        let target = format!("{CASES}?id_hash={}", id_hash(id_number));
        Ok(Self::json::<CaseList>(self.send(Method::GET, &target, None, None, &[]).await?).await?.cases)
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
        Ok(Some((version, resp.text().await.map_err(network)?)))
    }

    pub async fn heartbeat(&self, hb: &Heartbeat) -> Result<HeartbeatAck, IntakeError> {
        Self::json(self.send(Method::POST, HEARTBEAT, None, Some(Self::encode(hb)?), &[]).await?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_typed_for_the_journey() {
        let r = IntakeError::Rejected { status: 422, code: "no_matter".into(), reason: "未选择办理事项".into() };
        assert!(!r.is_retryable());
        assert_eq!(r.outcome(), Outcome::Refused { reason: "未选择办理事项".into() });
        assert!(r.citizen_message().contains("未选择办理事项"));
        for e in [
            IntakeError::Network("reset".into()),
            IntakeError::Server(503),
            IntakeError::Auth { status: 401, reason: "stale".into() },
        ] {
            assert!(e.is_retryable(), "{e}");
            assert_eq!(e.outcome(), Outcome::WillRetry);
        }
    }
}
