//! Identity by 电子身份证 / 电子社保卡 QR code (provisional in docs/intake-api.yaml): the
//! simulator issues test codes for a fictitious person and verifies them. Codes live in
//! memory for `E_ID_CODE_TTL_MS`, like the short-lived codes of the real services.

use super::handlers::{front, reject};
use super::{now_ms, Sim};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_api::wire::{e_id_code_kind, IdentityVerifyRequest, VerifiedIdentity};
use std::sync::Arc;

/// How long an issued code verifies (the real services refresh theirs every minute or so).
pub const E_ID_CODE_TTL_MS: i64 = 3 * 60_000;

/// The fictitious person behind the simulator's codes (valid GB 11643 number; sample data).
pub fn demo_person() -> VerifiedIdentity {
    VerifiedIdentity {
        name: "李文华".into(),
        id_number: "410703198805120027".into(),
        card_kind: "resident".into(),
        sex: "2".into(),
        birth_date: "19880512".into(),
        address: "河南省新乡市卫滨区胜利路8号".into(),
        valid_to: Some("20380512".into()),
    }
}

/// Codes issued: code → (person, expiry Unix ms).
pub type Codes = std::sync::Mutex<std::collections::HashMap<String, (VerifiedIdentity, i64)>>;

impl Sim {
    /// Issues a 电子身份证 code for `person`, valid for `ttl_ms` (≤ 0: already expired).
    pub fn issue_e_id_code_for(&self, person: VerifiedIdentity, ttl_ms: i64) -> String {
        let token: String = {
            use rand::Rng;
            const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut r = rand::rng();
            (0..32).map(|_| ALPHABET[r.random_range(0..ALPHABET.len())] as char).collect()
        };
        let code = format!("EID1.{token}");
        self.e_id_codes.lock().unwrap_or_else(|e| e.into_inner()).insert(code.clone(), (person, now_ms() + ttl_ms));
        code
    }

    /// A fresh code for the demo person.
    pub fn issue_e_id_code(&self) -> String {
        self.issue_e_id_code_for(demo_person(), E_ID_CODE_TTL_MS)
    }

    /// A code for the demo person that has already expired.
    pub fn issue_expired_e_id_code(&self) -> String {
        self.issue_e_id_code_for(demo_person(), -1)
    }

    /// The person behind `code`, or the refusal (code, reason for the citizen).
    fn verify_e_id(&self, code: &str) -> Result<VerifiedIdentity, (&'static str, &'static str)> {
        const UNKNOWN: (&str, &str) = ("code_unknown", "二维码无法核验，请在手机上重新打开电子证件二维码");
        if e_id_code_kind(code).is_none() {
            return Err(UNKNOWN);
        }
        let codes = self.e_id_codes.lock().unwrap_or_else(|e| e.into_inner());
        match codes.get(code.trim()) {
            None => Err(UNKNOWN),
            Some((_, expires)) if *expires <= now_ms() => {
                Err(("code_expired", "二维码已过期，请在手机上刷新二维码后重新出示"))
            }
            Some((person, _)) => Ok(person.clone()),
        }
    }
}

/// `POST /api/v1/identity/verify`, signed like every call.
pub async fn verify(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    let terminal = match front(&sim, &method, &uri, &h, &body).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let req: IdentityVerifyRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return reject(StatusCode::BAD_REQUEST, "invalid_body", &format!("请求格式错误 / invalid body: {e}")),
    };
    if req.terminal_id != terminal {
        return reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "terminal_mismatch",
            "终端编号与签名不符 / terminal id mismatch",
        );
    }
    match sim.verify_e_id(&req.code) {
        Ok(person) => {
            tracing::info!(terminal, "e-ID code verified");
            Json(person).into_response()
        }
        Err((code, reason)) => {
            tracing::info!(terminal, code, "e-ID code refused");
            reject(StatusCode::UNPROCESSABLE_ENTITY, code, reason)
        }
    }
}

/// `POST /__sim/e-id-codes` `{"expired": false}` → `{"code": "EID1.…"}`: a test code for
/// the demo person (unsigned; simulator control, not the platform's API).
pub async fn issue(State(sim): State<Arc<Sim>>, Json(req): Json<IssueRequest>) -> Json<Issued> {
    let code = if req.expired { sim.issue_expired_e_id_code() } else { sim.issue_e_id_code() };
    Json(Issued { code })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IssueRequest {
    pub expired: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct Issued {
    pub code: String,
}
