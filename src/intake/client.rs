//! HTTP client of the intake platform (reqwest + rustls).

use super::api::*;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Connection refused, reset, timed out: worth retrying.
    #[error("网络不可用 / network: {0}")]
    Network(String),
    /// The platform had a problem (5xx): worth retrying.
    #[error("平台暂时不可用 / platform error {0}")]
    Server(u16),
    /// The platform refused the request (4xx): retrying will not help.
    #[error("平台未受理 / rejected ({status}): {reason}")]
    Rejected { status: u16, reason: String },
    #[error("平台应答无法解析 / bad response: {0}")]
    BadResponse(String),
}

impl IntakeError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, IntakeError::Network(_) | IntakeError::Server(_) | IntakeError::BadResponse(_))
    }
}

#[derive(Clone)]
pub struct IntakeClient {
    base: String,
    http: reqwest::Client,
}

impl IntakeClient {
    pub fn new(base: &str, timeout: Duration) -> Result<Self, IntakeError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| IntakeError::Network(e.to_string()))?;
        Ok(Self { base: base.trim_end_matches('/').to_string(), http })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn post<B: serde::Serialize, R: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        idem_key: &str,
        body: &B,
    ) -> Result<R, IntakeError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(IDEMPOTENCY_HEADER, idem_key)
            .json(body)
            .send()
            .await
            .map_err(|e| IntakeError::Network(e.to_string()))?;
        Self::decode(resp).await
    }

    async fn decode<R: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<R, IntakeError> {
        let status = resp.status();
        if status.is_server_error() {
            return Err(IntakeError::Server(status.as_u16()));
        }
        if status.is_client_error() {
            let reason = resp.json::<Rejection>().await.map(|r| r.reason).unwrap_or_else(|_| status.to_string());
            return Err(IntakeError::Rejected { status: status.as_u16(), reason });
        }
        resp.json::<R>().await.map_err(|e| IntakeError::BadResponse(e.to_string()))
    }

    pub async fn submit_case(&self, idem_key: &str, case: &CaseSubmission) -> Result<CaseAck, IntakeError> {
        self.post(CASES, idem_key, case).await
    }

    pub async fn submit_rating(&self, idem_key: &str, rating: &RatingSubmission) -> Result<RatingAck, IntakeError> {
        self.post(RATINGS, idem_key, rating).await
    }

    pub async fn case_status(&self, intake_no: &str) -> Result<CaseAck, IntakeError> {
        let resp = self
            .http
            .get(format!("{}{CASES}/{intake_no}", self.base))
            .send()
            .await
            .map_err(|e| IntakeError::Network(e.to_string()))?;
        Self::decode(resp).await
    }

    /// The catalog as the platform publishes it (JSON text, validated by the caller).
    pub async fn fetch_catalog(&self) -> Result<String, IntakeError> {
        let resp = self
            .http
            .get(format!("{}{CATALOG}", self.base))
            .send()
            .await
            .map_err(|e| IntakeError::Network(e.to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(IntakeError::Server(status.as_u16()));
        }
        resp.text().await.map_err(|e| IntakeError::Network(e.to_string()))
    }
}
