//! The camera's QR reader (`Effect::ReadQr`) and 进度查询 (`ProgressLookup`,
//! `PrintProgress`).
//!
//! The reader takes preview frames from the document camera on the blocking pool (never
//! the UI thread), decodes them with `qrscan`, and reports codes as they come into view
//! (`QrRead`) and a stretch without one (`QrNotSeen`). A camera that is gone ends it
//! with `DeviceFailed`.

use super::Shared;
use crate::catalog::Catalog;
use crate::intake::{CaseAck, IntakeError};
use crate::journey::{CaseProgress, Delivery, Device, Event, ProgressError, ProgressQuery};
use crate::qrscan::{Report, Watch};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How long a progress query may take before the screen says the platform is unreachable.
const ANSWER_WITHIN: Duration = Duration::from_secs(8);

/// Pause between preview frames while reading (about 5 a second).
const FRAME_GAP: Duration = Duration::from_millis(200);

fn send(sh: &Shared, ev: Event) {
    // The journey loop only ends with the process.
    let _ = sh.tx.send(ev);
}

/// Starts (a new reader replaces a running one) or stops reading QR codes.
pub(crate) fn read_qr(sh: &Arc<Shared>, on: bool) {
    let token = on.then(CancellationToken::new);
    if let Some(old) = std::mem::replace(&mut *sh.qr.lock().unwrap_or_else(|e| e.into_inner()), token.clone()) {
        old.cancel();
    }
    let Some(token) = token else { return };
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        let mut watch = Watch::new(Instant::now());
        let mut failures = 0;
        // Also stop when the journey loop is gone (shutdown).
        while !token.is_cancelled() && !sh.tx.is_closed() {
            // try_lock: a capture in progress owns the camera; skip a frame rather than wait.
            let frame = match sh.devices.scanner.try_lock() {
                Ok(mut s) => Some(s.preview()),
                Err(_) => None,
            };
            let codes = match frame {
                Some(Ok(f)) => {
                    failures = 0;
                    crate::qrscan::decode_rgb(f.width, f.height, &f.rgb)
                }
                Some(Err(e)) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "QR reader: no frame");
                    if e.is_device_fault() || failures >= 5 {
                        send(&sh, Event::DeviceFailed { device: Device::Scanner, message: e.to_string() });
                        return;
                    }
                    Vec::new()
                }
                None => Vec::new(),
            };
            if token.is_cancelled() {
                break;
            }
            for r in watch.frame(codes, Instant::now()) {
                send(
                    &sh,
                    match r {
                        // The text may be personal (an e-ID code): never logged.
                        Report::Read(text) => Event::QrRead(text),
                        Report::NotSeen => Event::QrNotSeen,
                    },
                );
            }
            std::thread::sleep(FRAME_GAP);
        }
    });
}

/// The receipt number in a QR code the terminal printed (`receipt::progress_url`), or
/// None for any other code.
pub fn receipt_number(progress_url: &str, text: &str) -> Option<String> {
    let prefix = crate::receipt::progress_url(progress_url, "");
    let no = text.trim().strip_prefix(&prefix)?;
    let ok = (6..=crate::journey::RECEIPT_NO_MAX).contains(&no.len())
        && no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| no.to_string())
}

/// Asks the platform and answers the journey with `ProgressAnswer`.
pub(crate) fn lookup(sh: &Arc<Shared>, q: ProgressQuery) {
    let sh = sh.clone();
    tokio::spawn(async move {
        // The citizen is told within seconds, whatever the client's own timeout.
        let answer = tokio::time::timeout(ANSWER_WITHIN, ask(&sh, q)).await.unwrap_or_else(|_| {
            tracing::warn!("progress query: no answer within {ANSWER_WITHIN:?}");
            Err(ProgressError::Unreachable)
        });
        send(&sh, Event::ProgressAnswer(answer));
    });
}

async fn ask(sh: &Shared, q: ProgressQuery) -> Result<Vec<CaseProgress>, ProgressError> {
    let Some(client) = sh.services.client.as_ref() else { return Err(ProgressError::Unreachable) };
    let unreachable = |e: IntakeError| {
        // Whatever went wrong with the platform, the citizen can only try later.
        tracing::warn!(error = %e, "progress query failed");
        ProgressError::Unreachable
    };
    let catalog = sh.services.catalog.current();
    let no = match q {
        ProgressQuery::Card(card) => {
            let id_type = sh.services.terminal.id_types.code(card.kind).to_string();
            tracing::info!(id = %kiosk_hardware::pii::Masked(&card.id_number), "progress query by card");
            let cases = client.cases_by_id(&id_type, &card.id_number).await.map_err(unreachable)?;
            return Ok(cases.iter().map(|a| case_progress(a, &catalog)).collect());
        }
        ProgressQuery::Qr(text) => {
            receipt_number(&sh.services.terminal.progress_url, &text).ok_or(ProgressError::NotOurQr)?
        }
        ProgressQuery::Number(no) => no,
    };
    tracing::info!(no = %no, "progress query by receipt number");
    match client.case_progress(&no).await.map_err(unreachable)? {
        Some(a) => Ok(vec![case_progress(&a, &catalog)]),
        None => Err(ProgressError::NoSuchNumber),
    }
}

/// The platform's answer with the catalog's names for the sub-items and materials.
pub fn case_progress(a: &CaseAck, cat: &Catalog) -> CaseProgress {
    let p = a.progress.clone().unwrap_or_default();
    let bundle = cat.bundle(&p.bundle_id);
    CaseProgress {
        local_no: a.local_no.clone(),
        intake_no: a.intake_no.clone(),
        status: a.status.clone(),
        bundle_name: if p.bundle_name.is_empty() {
            bundle.map(|b| b.name.clone()).unwrap_or_default()
        } else {
            p.bundle_name.clone()
        },
        matters: p.matter_codes.iter().map(|c| cat.matter(c).map_or_else(|| c.clone(), |m| m.name.clone())).collect(),
        delivery: match p.delivery.as_str() {
            "post" => Some(Delivery::Post),
            "window" => Some(Delivery::Window),
            _ => None,
        },
        deferred: p
            .deferred
            .iter()
            .map(|d| {
                let name = cat.material(&d.material_key).map_or_else(|| d.material_key.clone(), |m| m.name.clone());
                (name, d.due_date.clone())
            })
            .collect(),
        window: bundle.map(|b| b.window.clone()).unwrap_or_default(),
    }
}

/// The 进度查询单 on the receipt printer (its outcome is not a receipt's: not shown).
pub(crate) fn print_slip(sh: &Arc<Shared>, c: &CaseProgress) {
    let t = &sh.services.terminal;
    let site = crate::receipt::Site {
        terminal_id: &t.id,
        site: &t.site,
        help_phone: &t.help_phone,
        progress_url: &t.progress_url,
        online_app: &t.online_app,
        deferral_days: t.deferral_days,
    };
    let now = crate::clock::now(t.tz).format("%Y-%m-%d %H:%M").to_string();
    let status = match c.stage() {
        Some(3) => c.last_stage().to_string(),
        _ => c.status.clone(),
    };
    let mut lines = c.matters.clone();
    for (name, due) in &c.deferred {
        lines.push(format!("待补交：{name}（{} 前）", crate::receipt::date_zh(due)));
    }
    let intake_no = (!c.intake_no.is_empty()).then_some(c.intake_no.as_str());
    let doc = crate::receipt::progress_slip(&c.local_no, intake_no, &status, &lines, &site, &now);
    super::effects::print(sh, vec![(doc, false)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_receipt_codes_carry_a_number() {
        let base = "https://zwfw.example.gov.cn/progress";
        let ours = crate::receipt::progress_url(base, "XX-0001-1-000042");
        assert_eq!(receipt_number(base, &ours).as_deref(), Some("XX-0001-1-000042"));
        assert_eq!(receipt_number(base, &format!(" {ours}\n")).as_deref(), Some("XX-0001-1-000042"));
        for other in [
            "https://example.com/pay?no=XX-0001-1-000042",
            "https://zwfw.example.gov.cn/progress?no=",
            "https://zwfw.example.gov.cn/progress?no=XX-0001-1-000042&x=1",
            "https://zwfw.example.gov.cn/progress?no=<script>",
            "EID1.0123456789abcdef",
            "",
        ] {
            assert_eq!(receipt_number(base, other), None, "{other}");
        }
    }

    #[test]
    fn answers_get_the_catalog_names() {
        let cat = Catalog::seed();
        let b = cat.bundle("newborn").unwrap();
        let key = cat.merged_materials(&b.default_selected).iter().find(|m| m.deferrable).map(|m| m.key.clone());
        let ack = CaseAck {
            intake_no: "XX202600000001".into(),
            local_no: "XX-0001-1-000001".into(),
            status: "受理".into(),
            progress: Some(kiosk_api::wire::CaseProgressDto {
                bundle_id: "newborn".into(),
                bundle_name: b.name.clone(),
                matter_codes: b.default_selected.clone(),
                delivery: "post".into(),
                deferred: key
                    .iter()
                    .map(|k| kiosk_api::wire::DeferredDto { material_key: k.clone(), due_date: "2026-12-11".into() })
                    .collect(),
            }),
        };
        let c = case_progress(&ack, &cat);
        assert_eq!(c.delivery, Some(Delivery::Post));
        assert_eq!(c.matters.len(), b.default_selected.len());
        assert!(c.matters.iter().all(|m| !m.is_empty()));
        assert_eq!(c.window, b.window);
        if let Some(k) = key {
            assert_eq!(c.deferred[0].0, cat.material(&k).unwrap().name);
        }
        assert_eq!(c.stage(), Some(1));
    }
}
