//! Intake platform simulator: the API on loopback with its own SQLite file. Runs
//! in-process in demo mode and tests, and as the `intake-sim` binary.

use super::api::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Simulator state shared by the handlers and the test/demo handle.
pub struct Sim {
    db: Mutex<Connection>,
    /// Answer the next N mutating requests with 503 (fault injection).
    pub fail_next: AtomicU32,
    catalog: Mutex<String>,
}

pub struct SimHandle {
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl SimHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn reject(status: StatusCode, reason: &str) -> Response {
    (status, Json(Rejection { reason: reason.to_string() })).into_response()
}

impl Sim {
    pub fn open(db_path: &std::path::Path, catalog_json: String) -> rusqlite::Result<Arc<Sim>> {
        let conn = Connection::open(db_path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS cases (
                intake_no TEXT PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, local_no TEXT NOT NULL,
                body TEXT NOT NULL, received_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS ratings (
                local_no TEXT PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL);",
        )?;
        Ok(Arc::new(Sim { db: Mutex::new(conn), fail_next: AtomicU32::new(0), catalog: Mutex::new(catalog_json) }))
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn injected_failure(&self) -> bool {
        self.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }

    /// All cases received, in order (for tests and the demo's log).
    pub fn cases(&self) -> Vec<CaseSubmission> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT body FROM cases ORDER BY rowid").expect("static SQL");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("static SQL")
            .filter_map(|b| b.ok().and_then(|b| serde_json::from_str(&b).ok()))
            .collect()
    }

    pub fn ratings(&self) -> Vec<RatingSubmission> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT body FROM ratings ORDER BY rowid").expect("static SQL");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("static SQL")
            .filter_map(|b| b.ok().and_then(|b| serde_json::from_str(&b).ok()))
            .collect()
    }

    pub fn set_catalog(&self, json: String) {
        *self.catalog.lock().unwrap_or_else(|e| e.into_inner()) = json;
    }

    /// 收件 → 受理 → 办结 as time passes since receipt.
    fn status_after(ms: i64) -> &'static str {
        match ms {
            ..=30_000 => "收件",
            30_001..=120_000 => "受理",
            _ => "办结",
        }
    }
}

fn idem_key(headers: &HeaderMap) -> Option<String> {
    headers.get(IDEMPOTENCY_HEADER).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()).map(String::from)
}

async fn submit_case(State(sim): State<Arc<Sim>>, headers: HeaderMap, Json(case): Json<CaseSubmission>) -> Response {
    if sim.injected_failure() {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "injected fault");
    }
    let Some(key) = idem_key(&headers) else {
        return reject(StatusCode::BAD_REQUEST, "缺少幂等键 / missing Idempotency-Key");
    };
    if case.matter_codes.is_empty() {
        return reject(StatusCode::UNPROCESSABLE_ENTITY, "未选择办理事项 / no matter chosen");
    }
    let db = sim.db();
    let existing: Option<String> = db
        .query_row("SELECT intake_no FROM cases WHERE idem_key = ?1", [&key], |r| r.get(0))
        .optional()
        .unwrap_or(None);
    let intake_no = match existing {
        Some(no) => no,
        None => {
            let n: i64 = db.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0)).unwrap_or(0) + 1;
            let no = format!("XX{}{:08}", &case.submitted_at.get(..4).unwrap_or("2026"), n);
            let body = serde_json::to_string(&case).unwrap_or_default();
            if let Err(e) = db.execute(
                "INSERT INTO cases(intake_no, idem_key, local_no, body, received_ms) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![no, key, case.local_no, body, crate::store::now_ms()],
            ) {
                return reject(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
            }
            no
        }
    };
    (StatusCode::CREATED, Json(CaseAck { intake_no, local_no: case.local_no, status: "收件".into() })).into_response()
}

async fn case_status(State(sim): State<Arc<Sim>>, Path(no): Path<String>) -> Response {
    let row: Option<(String, i64)> = sim
        .db()
        .query_row("SELECT local_no, received_ms FROM cases WHERE intake_no = ?1 OR local_no = ?1", [&no], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .unwrap_or(None);
    match row {
        Some((local_no, at)) => {
            Json(CaseAck { intake_no: no, local_no, status: Sim::status_after(crate::store::now_ms() - at).into() })
                .into_response()
        }
        None => reject(StatusCode::NOT_FOUND, "未找到该办件 / no such case"),
    }
}

async fn submit_rating(State(sim): State<Arc<Sim>>, headers: HeaderMap, Json(r): Json<RatingSubmission>) -> Response {
    if sim.injected_failure() {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "injected fault");
    }
    let Some(key) = idem_key(&headers) else {
        return reject(StatusCode::BAD_REQUEST, "缺少幂等键 / missing Idempotency-Key");
    };
    if !(1..=5).contains(&r.level) || (r.level >= 4 && r.reasons.is_empty()) {
        return reject(StatusCode::UNPROCESSABLE_ENTITY, "差评须选择原因 / a bad rating needs reasons");
    }
    let body = serde_json::to_string(&r).unwrap_or_default();
    let res = sim.db().execute(
        "INSERT INTO ratings(local_no, idem_key, body) VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![r.local_no, key, body],
    );
    match res {
        Ok(_) => (StatusCode::CREATED, Json(RatingAck { accepted: true })).into_response(),
        Err(e) => reject(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn catalog(State(sim): State<Arc<Sim>>) -> Response {
    let body = sim.catalog.lock().unwrap_or_else(|e| e.into_inner()).clone();
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route(CASES, post(submit_case))
        .route(&format!("{CASES}/{{no}}"), get(case_status))
        .route(RATINGS, post(submit_rating))
        .route(CATALOG, get(catalog))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(sim)
}

/// Starts the simulator on `addr` (port 0 picks a free one) on the current tokio runtime.
pub async fn start(addr: SocketAddr, sim: Arc<Sim>) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(sim.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(SimHandle { addr, sim, shutdown: Some(tx) })
}
