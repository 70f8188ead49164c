//! The simulator's HTTP handlers: the API of docs/intake-api.yaml plus `/__sim/*`
//! (simulator control for developers and tests: unsigned, not part of the platform's API).
// Handlers answer with a Response either way; boxing the cold error path buys nothing.
#![allow(clippy::result_large_err)]

use super::faults::{Counters, FaultPlan};
use super::Sim;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kiosk_api::sign::{self, Signature, SigningKey};
use kiosk_api::wire::*;
use rusqlite::{params, OptionalExtension};
use std::sync::Arc;

pub(crate) fn reject(status: StatusCode, code: &str, reason: &str) -> Response {
    (status, Json(Rejection { code: code.to_string(), reason: reason.to_string() })).into_response()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

/// Checks the signature, the clock and the nonce; returns the terminal id. Refusals in
/// this order: missing_signature, unknown_terminal, stale_timestamp (before the
/// signature, so a terminal with a wrong clock learns that first), bad_algorithm,
/// bad_signature, nonce_reused.
fn authenticate(sim: &Sim, method: &Method, uri: &Uri, h: &HeaderMap, body: &[u8]) -> Result<String, Response> {
    let fail = |code: &str, reason: &str| {
        Counters::bump(&sim.counters.auth_rejected);
        tracing::info!(code, %uri, "request refused");
        Err(reject(StatusCode::UNAUTHORIZED, code, reason))
    };
    let (Some(tid), Some(ts), Some(nonce), Some(sig)) = (
        header(h, sign::TERMINAL_HEADER),
        header(h, sign::TIMESTAMP_HEADER),
        header(h, sign::NONCE_HEADER),
        header(h, sign::SIGNATURE_HEADER),
    ) else {
        return fail("missing_signature", "请求未签名 / missing signature headers");
    };
    let Some(key) = sim.key_of(tid) else { return fail("unknown_terminal", "终端未登记 / unknown terminal") };
    let Ok(timestamp) = ts.parse::<i64>() else { return fail("stale_timestamp", "时间戳无效 / bad timestamp") };
    if sim.now_secs().abs_diff(timestamp) > sign::MAX_SKEW_SECS.unsigned_abs() {
        return fail("stale_timestamp", "终端时钟偏差超过5分钟 / timestamp outside ±5 min");
    }
    // The algorithm the terminal names (absent: HMAC-SHA256); one this platform does not
    // know, or one the terminal is not registered for, is refused.
    let Some(alg) = header(h, sign::ALGORITHM_HEADER).map_or(Some(sign::SignAlg::HmacSha256), sign::SignAlg::parse)
    else {
        return fail("bad_algorithm", "签名算法不支持 / unsupported signature algorithm");
    };
    if sim.required_alg(tid).is_some_and(|want| want != alg) {
        return fail("bad_algorithm", "签名算法与登记不符 / algorithm differs from registration");
    }
    let s =
        Signature { terminal_id: tid.into(), timestamp, nonce: nonce.into(), signature: sig.into(), algorithm: alg };
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    if !SigningKey::new(tid, &key).with_alg(alg).verify(method.as_str(), target, body, &s) {
        return fail("bad_signature", "签名不符 / signature mismatch");
    }
    Counters::bump(if alg == sign::SignAlg::HmacSm3 {
        &sim.counters.sm3_verified
    } else {
        &sim.counters.sha256_verified
    });
    let db = sim.db();
    // Nonces older than the clock window can never be replayed: forget them.
    let _ = db.execute("DELETE FROM nonces WHERE ts < ?1", [sim.now_secs() - 2 * sign::MAX_SKEW_SECS]);
    match db.execute("INSERT INTO nonces(terminal, nonce, ts) VALUES(?1, ?2, ?3)", params![tid, nonce, timestamp]) {
        Ok(_) => Ok(tid.to_string()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            drop(db);
            fail("nonce_reused", "重复的请求 / nonce already used")
        }
        Err(e) => Err(reject(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string())),
    }
}

/// Common front of every API call: count, delay, injected 503, signature.
pub(crate) async fn front(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    h: &HeaderMap,
    body: &[u8],
) -> Result<String, Response> {
    Counters::bump(&sim.counters.requests);
    let latency = sim.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if sim.faults.is_down() {
        Counters::bump(&sim.counters.injected);
        return Err(reject(StatusCode::SERVICE_UNAVAILABLE, "injected_fault", "平台维护中 / platform down"));
    }
    if *method == Method::POST && sim.faults.take_proxy_404() {
        Counters::bump(&sim.counters.injected);
        // What a misconfigured reverse proxy answers: HTML, no reason code.
        return Err((
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><h1>404 Not Found</h1></html>",
        )
            .into_response());
    }
    if *method == Method::POST && sim.faults.take_fail() {
        Counters::bump(&sim.counters.injected);
        return Err(reject(StatusCode::SERVICE_UNAVAILABLE, "injected_fault", "平台维护中 / injected fault"));
    }
    authenticate(sim, method, uri, h, body)
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body)
        .map_err(|e| reject(StatusCode::BAD_REQUEST, "invalid_body", &format!("请求格式错误 / invalid body: {e}")))
}

/// After a commit: maybe lose the answer (dropped connection or stall), as faults ask.
async fn answer_after_commit(sim: &Sim, resp: Response) -> Response {
    if let Some(stall) = sim.faults.take_timeout() {
        Counters::bump(&sim.counters.injected);
        tokio::time::sleep(stall).await;
        return resp;
    }
    if sim.faults.take_drop() {
        Counters::bump(&sim.counters.injected);
        // Headers go out, then the body fails: hyper closes the connection mid-answer.
        let cut = futures_util::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("dropped")) });
        return (resp.status(), Body::from_stream(cut)).into_response();
    }
    resp
}

fn validate_case(c: &CaseSubmission) -> Result<(), &'static str> {
    if c.local_no.trim().is_empty() {
        return Err("缺少回执编号 / local_no is empty");
    }
    if c.matter_codes.is_empty() || c.matter_codes.iter().any(|m| m.trim().is_empty()) {
        return Err("未选择办理事项 / no matter chosen");
    }
    if c.applicant.id_type.trim().is_empty() || c.applicant.id_number.trim().is_empty() {
        return Err("缺少申请人证件 / applicant id missing");
    }
    const SOURCES: [&str; 5] = ["card", "typed", "e_cert", "default", "profile"];
    if c.form.iter().any(|f| f.key.trim().is_empty() || !SOURCES.contains(&f.source.as_str())) {
        return Err("表单字段无效 / form field needs a key and a known source");
    }
    match c.delivery.as_str() {
        "window" => Ok(()),
        "post" if c.postal_address.as_deref().is_some_and(|a| !a.trim().is_empty()) => Ok(()),
        "post" => Err("邮寄须填写地址 / postal delivery needs an address"),
        _ => Err("领取方式无效 / delivery must be window or post"),
    }
}

async fn submit_case(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = front(&sim, &method, &uri, &h, &body).await {
        return r;
    }
    let Some(key) = header(&h, IDEMPOTENCY_HEADER).map(String::from) else {
        return reject(StatusCode::BAD_REQUEST, "missing_idempotency_key", "缺少幂等键 / missing Idempotency-Key");
    };
    let case: CaseSubmission = match parse(&body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(reason) = validate_case(&case) {
        return reject(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case", reason);
    }
    let canon = serde_json::to_string(&case).unwrap_or_default();
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(canon.as_bytes()));
    let (status, intake_no) = {
        let db = sim.db();
        let existing: Option<(String, String)> = db
            .query_row("SELECT intake_no, body_digest FROM cases WHERE idem_key = ?1", [&key], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .unwrap_or(None);
        match existing {
            Some((_, d)) if d != digest => {
                return reject(StatusCode::CONFLICT, "idempotency_conflict", "幂等键已用于另一件申请 / key reused");
            }
            Some((no, _)) => {
                Counters::bump(&sim.counters.replays);
                (StatusCode::OK, no)
            }
            None => {
                let n: i64 =
                    db.query_row("SELECT COALESCE(MAX(rowid), 0) + 1 FROM cases", [], |r| r.get(0)).unwrap_or(1);
                let no = format!("XX{}{:08}", case.submitted_at.get(..4).unwrap_or("2026"), n);
                if let Err(e) = db.execute(
                    "INSERT INTO cases(intake_no, idem_key, local_no, body, received_ms, body_digest, id_hash)
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![no, key, case.local_no, canon, crate::now_ms(), digest, id_hash(&case.applicant.id_number)],
                ) {
                    return reject(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string());
                }
                Counters::bump(&sim.counters.created);
                tracing::info!(intake_no = %no, local_no = %case.local_no, "case received");
                (StatusCode::CREATED, no)
            }
        }
    };
    let ack = CaseAck { intake_no, local_no: case.local_no, status: "收件".into(), progress: None };
    answer_after_commit(&sim, (status, Json(ack)).into_response()).await
}

/// One stored case as a progress answer: its status (set by `/__sim/cases/{no}/status`,
/// else by age) and what the citizen may see of it: no personal data.
fn ack_of(sim: &Sim, row: CaseRow) -> CaseAck {
    let CaseRow { intake_no, local_no, received_ms, body, status } = row;
    let status = if status.is_empty() { sim.status_after(crate::now_ms() - received_ms).to_string() } else { status };
    let progress = serde_json::from_str::<CaseSubmission>(&body).ok().map(|c| CaseProgressDto {
        bundle_id: c.bundle_id,
        bundle_name: c.bundle_name,
        matter_codes: c.matter_codes,
        delivery: c.delivery,
        deferred: c
            .commitments
            .into_iter()
            .map(|m| DeferredDto { material_key: m.material_key, due_date: m.due_date })
            .collect(),
    });
    CaseAck { intake_no, local_no, status, progress }
}

/// The columns of a case a progress answer is made from.
struct CaseRow {
    intake_no: String,
    local_no: String,
    received_ms: i64,
    body: String,
    status: String,
}

const CASE_COLS: &str = "intake_no, local_no, received_ms, body, status";

fn case_row(r: &rusqlite::Row) -> rusqlite::Result<CaseRow> {
    Ok(CaseRow {
        intake_no: r.get(0)?,
        local_no: r.get(1)?,
        received_ms: r.get(2)?,
        body: r.get(3)?,
        status: r.get(4)?,
    })
}

async fn case_status(
    State(sim): State<Arc<Sim>>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    Path(no): Path<String>,
) -> Response {
    if let Err(r) = front(&sim, &method, &uri, &h, &[]).await {
        return r;
    }
    let row: Option<CaseRow> = sim
        .db()
        .query_row(&format!("SELECT {CASE_COLS} FROM cases WHERE intake_no = ?1 OR local_no = ?1"), [&no], case_row)
        .optional()
        .unwrap_or(None);
    match row {
        Some(row) => Json(ack_of(&sim, row)).into_response(),
        None => reject(StatusCode::NOT_FOUND, "not_found", "未找到该办件 / no such case"),
    }
}

/// `POST /api/v1/progress-queries`: the applicant's cases, oldest first. The ID number
/// comes in the signed body, never in the URL.
async fn progress_query(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = front(&sim, &method, &uri, &h, &body).await {
        return r;
    }
    let q: ProgressQuery = match parse(&body) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let number = q.id_number.trim();
    if q.id_type.trim().is_empty() || number.is_empty() || number.len() > 64 {
        return reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            "证件类型和号码不能为空 / id_type and id_number are required",
        );
    }
    let rows: Vec<CaseRow> = {
        let db = sim.db();
        let Ok(mut stmt) = db.prepare(&format!("SELECT {CASE_COLS} FROM cases WHERE id_hash = ?1 ORDER BY rowid"))
        else {
            return reject(StatusCode::INTERNAL_SERVER_ERROR, "internal", "query");
        };
        stmt.query_map([id_hash(number)], case_row).map(|it| it.filter_map(Result::ok).collect()).unwrap_or_default()
    };
    let cases = rows.into_iter().map(|r| ack_of(&sim, r)).collect();
    Json(CaseList { cases }).into_response()
}

async fn submit_rating(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = front(&sim, &method, &uri, &h, &body).await {
        return r;
    }
    let Some(key) = header(&h, IDEMPOTENCY_HEADER).map(String::from) else {
        return reject(StatusCode::BAD_REQUEST, "missing_idempotency_key", "缺少幂等键 / missing Idempotency-Key");
    };
    let r: RatingSubmission = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if !(1..=5).contains(&r.level) || r.local_no.trim().is_empty() {
        return reject(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rating", "满意度须为1至5 / level must be 1..5");
    }
    if r.level >= 4 && r.reasons.is_empty() {
        return reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reasons_required",
            "差评须选择原因 / a bad rating needs reasons",
        );
    }
    let body = serde_json::to_string(&r).unwrap_or_default();
    let status = {
        let db = sim.db();
        let existing: Option<(String, String)> = db
            .query_row("SELECT idem_key, body FROM ratings WHERE local_no = ?1", [&r.local_no], |x| {
                Ok((x.get(0)?, x.get(1)?))
            })
            .optional()
            .unwrap_or(None);
        match existing {
            // A retry of the same rating.
            Some((k, b)) if k == key && b == body => {
                Counters::bump(&sim.counters.replays);
                StatusCode::OK
            }
            // 一次一评: a rating is immutable once given.
            Some(_) => return reject(StatusCode::CONFLICT, "already_rated", "该办件已评价 / already rated"),
            None => {
                if let Err(e) = db.execute(
                    "INSERT INTO ratings(local_no, idem_key, body) VALUES(?1, ?2, ?3)",
                    params![r.local_no, key, body],
                ) {
                    return reject(StatusCode::CONFLICT, "already_rated", &e.to_string());
                }
                Counters::bump(&sim.counters.created);
                StatusCode::CREATED
            }
        }
    };
    answer_after_commit(&sim, (status, Json(RatingAck { accepted: true })).into_response()).await
}

async fn catalog(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap) -> Response {
    if let Err(r) = front(&sim, &method, &uri, &h, &[]).await {
        return r;
    }
    let (version, body) = sim.catalog();
    let etag = format!("\"{version}\"");
    if header(&h, "If-None-Match") == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    ([(header::CONTENT_TYPE, "application/json".to_string()), (header::ETAG, etag)], body).into_response()
}

async fn heartbeat(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    let terminal = match front(&sim, &method, &uri, &h, &body).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let hb: Heartbeat = match parse(&body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if hb.terminal_id != terminal {
        return reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "terminal_mismatch",
            "终端编号与签名不符 / terminal id mismatch",
        );
    }
    let at = crate::now_ms();
    let res = sim.db().execute(
        "INSERT INTO heartbeats(terminal, body, at_ms) VALUES(?1, ?2, ?3)
         ON CONFLICT(terminal) DO UPDATE SET body = excluded.body, at_ms = excluded.at_ms",
        params![terminal, serde_json::to_string(&hb).unwrap_or_default(), at],
    );
    if let Err(e) = res {
        return reject(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string());
    }
    // The platform's watch on a blank screen: up, answering, but drawing nothing.
    if let Some(lag) = hb.last_frame_ms.map(|f| at.saturating_sub(f)).filter(|lag| *lag > FRAME_LAG_ALERT_MS) {
        tracing::warn!(alert = "screen_stalled", %terminal, lag_ms = lag, screen = %hb.screen, "no frame drawn lately");
    }
    // Taken only now that the heartbeat is recorded: a refused one leaves it queued.
    let command = sim.take_command(&terminal);
    if let Some(c) = &command {
        tracing::info!(%terminal, command = ?c, "command delivered");
    }
    Json(HeartbeatAck { catalog_version: sim.catalog().0, server_time: sim.now_secs(), command }).into_response()
}

/// A frame older than this at heartbeat time (ms) is a stalled screen for the platform.
pub const FRAME_LAG_ALERT_MS: i64 = 60_000;

async fn help_call(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap, body: Bytes) -> Response {
    let terminal = match front(&sim, &method, &uri, &h, &body).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let call: HelpCallRequest = match parse(&body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if call.terminal_id != terminal {
        return reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "terminal_mismatch",
            "终端编号与签名不符 / terminal id mismatch",
        );
    }
    let res = sim.db().execute(
        "INSERT OR IGNORE INTO help_calls(terminal, call_id, body, received_ms) VALUES(?1, ?2, ?3, ?4)",
        params![terminal, call.call_id, serde_json::to_string(&call).unwrap_or_default(), crate::now_ms()],
    );
    let status = match res {
        Ok(0) => {
            // A retry of a call already relayed: same answer, no second SMS.
            Counters::bump(&sim.counters.replays);
            StatusCode::OK
        }
        Ok(_) => {
            Counters::bump(&sim.counters.created);
            tracing::info!(%terminal, call_id = call.call_id, screen = %call.screen, site = %call.site, "帮办 call relayed by SMS");
            StatusCode::CREATED
        }
        Err(e) => return reject(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string()),
    };
    (status, Json(HelpCallAck { relayed: true, channel: "sms".into() })).into_response()
}

async fn time(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, h: HeaderMap) -> Response {
    if let Err(r) = front(&sim, &method, &uri, &h, &[]).await {
        return r;
    }
    Json(TimeAck { server_time: sim.now_secs() }).into_response()
}

/// `POST /__sim/terminals/{id}/command`: queue a pause or resume for the terminal's
/// next heartbeat answer (simulator control, unsigned).
async fn queue_command(
    State(sim): State<Arc<Sim>>,
    Path(terminal): Path<String>,
    Json(command): Json<TerminalCommand>,
) -> Response {
    if !sim.knows_terminal(&terminal) {
        return reject(StatusCode::NOT_FOUND, "unknown_terminal", "终端未登记 / unknown terminal");
    }
    sim.queue_command(&terminal, command);
    StatusCode::ACCEPTED.into_response()
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Clock {
    offset_secs: i64,
}

/// `POST /__sim/clock` `{"offset_secs": 600}`: run the simulator's clock off.
async fn set_clock(State(sim): State<Arc<Sim>>, Json(c): Json<Clock>) -> Json<Clock> {
    sim.set_clock_offset_secs(c.offset_secs);
    Json(Clock { offset_secs: sim.clock_offset_secs() })
}

/// With the clock offset, every answer's `Date` is the simulator's clock too (hyper
/// writes the system's only when the answer has none).
async fn date_header(State(sim): State<Arc<Sim>>, mut resp: Response) -> Response {
    let offset = sim.clock_offset_secs();
    if offset != 0 {
        let (now, by) = (std::time::SystemTime::now(), std::time::Duration::from_secs(offset.unsigned_abs()));
        let at = if offset > 0 { now.checked_add(by) } else { now.checked_sub(by) };
        if let Some(v) = at.and_then(|t| header::HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok()) {
            resp.headers_mut().insert(header::DATE, v);
        }
    }
    resp
}

async fn set_faults(State(sim): State<Arc<Sim>>, Json(plan): Json<FaultPlan>) -> Json<FaultPlan> {
    sim.faults.set(&plan);
    Json(sim.faults.plan())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Stages {
    accept_after_ms: i64,
    done_after_ms: i64,
}

async fn set_stages(State(sim): State<Arc<Sim>>, Json(s): Json<Stages>) -> StatusCode {
    sim.set_stages(s.accept_after_ms, s.done_after_ms);
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseStatus {
    status: String,
}

/// `POST /__sim/cases/{no}/status` `{"status": "受理"}`: move a case (by 办件编号 or
/// receipt number) to a status, instead of by age; 404 for an unknown case.
async fn set_case_status(State(sim): State<Arc<Sim>>, Path(no): Path<String>, Json(c): Json<CaseStatus>) -> StatusCode {
    if sim.set_case_status(&no, &c.status) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route(CASES, post(submit_case))
        .route(PROGRESS_QUERIES, post(progress_query))
        .route(&format!("{CASES}/{{no}}"), get(case_status))
        .route(RATINGS, post(submit_rating))
        .route(CATALOG, get(catalog))
        .route(HEARTBEAT, post(heartbeat))
        .route(HELP_CALLS, post(help_call))
        .route(TIME, get(time))
        .route(IDENTITY_VERIFY, post(crate::eid::verify))
        .route("/__sim/e-id-codes", post(crate::eid::issue))
        .route("/healthz", get(|| async { "ok" }))
        // Simulator control: loopback tests and demos only.
        .route("/__sim/faults", post(set_faults).get(|State(s): State<Arc<Sim>>| async move { Json(s.faults.plan()) }))
        .route("/__sim/stats", get(|State(s): State<Arc<Sim>>| async move { Json(s.stats()) }))
        .route("/__sim/stages", post(set_stages))
        .route("/__sim/terminals/{id}/command", post(queue_command))
        .route("/__sim/cases/{no}/status", post(set_case_status))
        .route(
            "/__sim/clock",
            post(set_clock)
                .get(|State(s): State<Arc<Sim>>| async move { Json(Clock { offset_secs: s.clock_offset_secs() }) }),
        )
        // Scans travel base64 inside the case: allow large bodies.
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(axum::middleware::map_response_with_state(sim.clone(), date_header))
        .with_state(sim)
}
