//! Executes journey effects. Each result comes back to the journey as an event.

use super::Shared;
use crate::catalog::FieldSource;
use crate::intake::{
    ApplicantDto, CaseSubmission, CommitmentDto, FormFieldDto, FormSource, MaterialDto, RatingSubmission,
};
use crate::journey::{CaseDraft, Delivery, Device, Effect, Event, SlotState};
use crate::receipt::{self, Site};
use base64::Engine;
use kiosk_hardware::printer::Document;
use kiosk_hardware::IdCardError;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub(crate) fn execute(sh: &Arc<Shared>, effect: Effect) {
    match effect {
        Effect::StartCardReading => start_reading(sh),
        Effect::StopCardReading => {
            if let Some(t) = sh.reading.lock().unwrap_or_else(|e| e.into_inner()).take() {
                t.cancel();
            }
        }
        Effect::VerifyEId(code) => super::eid::verify(sh, code),
        Effect::ReadQr(on) => super::progress::read_qr(sh, on),
        Effect::ProgressLookup(q) => super::progress::lookup(sh, q),
        Effect::PrintProgress(c) => super::progress::print_slip(sh, &c),
        Effect::Capture { slot, material_key } => capture(sh, slot, material_key),
        Effect::EnqueueCase(draft) => enqueue(sh, *draft),
        Effect::PrintReceipt(data) => {
            let site = site(sh);
            let clock = crate::clock::now(sh.services.terminal.tz);
            let now = clock.format("%Y-%m-%d %H:%M").to_string();
            // The same date the case's commitment carries to the platform.
            let due = due_date(sh, clock.date_naive());
            let due = receipt::date_zh(&due);
            let mut jobs = vec![(receipt::intake_receipt(&data, &site, &now, &due), true)];
            if !data.deferred.is_empty() {
                jobs.push((receipt::deferral_notice(&data, &site, &now, &due), false));
            }
            print(sh, jobs);
        }
        Effect::PrintNotice { bundle_id, selected } => {
            // The paper decides the version (short on 58 mm); asked off the async threads,
            // as a running job holds the printer.
            let sh = sh.clone();
            tokio::task::spawn_blocking(move || {
                let paper = sh.devices.printer.lock().unwrap_or_else(|e| e.into_inner()).printer_profile();
                let paper_mm = paper.map_or(80, |p| p.paper_mm);
                let cat = sh.services.catalog.current();
                let doc = receipt::notice_for_paper(&cat, &bundle_id, &selected, &site(&sh), paper_mm);
                print(&sh, vec![(doc, false)]);
            });
        }
        Effect::StoreRating(r) => store_rating(sh, r),
        Effect::Audit { kind, detail } => {
            // Off the journey loop: a slow disk must not hold the next event.
            let sh = sh.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = sh.services.store.audit(kind, &detail) {
                    tracing::error!(error = %e, "audit write failed");
                }
            });
        }
        Effect::ProfileLookup(_) | Effect::ProfileLoad(_) | Effect::ProfileSave(..) | Effect::ProfileDelete(_) => {
            profile(sh, effect)
        }
        e @ (Effect::Count(_)
        | Effect::CallStaff { .. }
        | Effect::ClearHelpCalls
        | Effect::VerifyPin { .. }
        | Effect::LoadMaint
        | Effect::ProbeDevices
        | Effect::MaintAction { .. }
        | Effect::SetService { .. }
        | Effect::RunSelfTest { .. }
        | Effect::AuditBy { .. }) => super::ops::execute(sh, e),
        Effect::Recognize { strokes } => {
            let sh = sh.clone();
            tokio::task::spawn_blocking(move || {
                send(&sh, crate::handwriting::answer(&sh.services.handwriting, &strokes));
            });
        }
        Effect::WipeSession => {
            // ScannedPage zeroizes its bytes on drop.
            sh.scans.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

/// 一人一档 on the blocking pool. Failures are logged without personal data and
/// answered as "nothing saved", so the citizen simply types as usual.
fn profile(sh: &Arc<Shared>, effect: Effect) {
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        let Some(p) = sh.services.profiles.clone() else {
            if matches!(effect, Effect::ProfileLookup(_)) {
                send(&sh, Event::ProfileFound(false));
            }
            return;
        };
        match effect {
            Effect::ProfileLookup(id) => {
                let found = p.exists(&id).unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "profile lookup failed");
                    false
                });
                send(&sh, Event::ProfileFound(found));
            }
            Effect::ProfileLoad(id) => match p.load(&id) {
                Ok(Some(c)) => send(&sh, Event::ProfileLoaded(c)),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "profile load failed"),
            },
            Effect::ProfileSave(id, c) => {
                if let Err(e) = p.save(&id, &c) {
                    tracing::warn!(error = %e, "profile save failed");
                }
            }
            Effect::ProfileDelete(id) => match p.delete(&id) {
                Ok(existed) => send(&sh, Event::ProfileDeleted(existed)),
                Err(e) => tracing::warn!(error = %e, "profile delete failed"),
            },
            _ => {}
        }
    });
}

fn site(sh: &Shared) -> Site<'_> {
    let t = &sh.services.terminal;
    Site {
        terminal_id: &t.id,
        site: &t.site,
        help_phone: &t.help_phone,
        progress_url: &t.progress_url,
        online_app: &t.online_app,
        deferral_days: t.deferral_days,
    }
}

fn send(sh: &Shared, ev: Event) {
    // The journey loop only ends with the process.
    let _ = sh.tx.send(ev);
}

fn start_reading(sh: &Arc<Shared>) {
    let token = CancellationToken::new();
    if let Some(old) = sh.reading.lock().unwrap_or_else(|e| e.into_inner()).replace(token.clone()) {
        old.cancel();
    }
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        let mut failures = 0;
        while !token.is_cancelled() && !sh.tx.is_closed() {
            let res = sh.devices.idcard.lock().unwrap_or_else(|e| e.into_inner()).poll();
            match res {
                Ok(Some(card)) => {
                    tracing::info!(id = %kiosk_hardware::pii::Masked(&card.id_number), "card read");
                    let _ = sh.services.store.bump_counter("idcard", "reads", 1);
                    send(&sh, Event::CardRead((&card).into()));
                    failures = 0;
                }
                Ok(None) => failures = 0,
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "card reader error");
                    // A transient timeout is retried; a fault or lost port is the citizen's problem now.
                    if failures >= 3 || !matches!(e, IdCardError::Timeout) {
                        let _ = sh.services.store.bump_counter("idcard", "faults", 1);
                        send(&sh, Event::DeviceFailed { device: Device::IdCard, message: e.to_string() });
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
}

/// Runs the scanner's live preview (about 4 frames a second) while `on`.
pub(crate) fn sync_preview(sh: &Arc<Shared>, on: bool) {
    let mut running = sh.preview.lock().unwrap_or_else(|e| e.into_inner());
    if on == running.is_some() {
        return;
    }
    if !on {
        if let Some(t) = running.take() {
            t.cancel();
        }
        drop(running);
        super::clear_preview(sh);
        return;
    }
    let token = CancellationToken::new();
    *running = Some(token.clone());
    drop(running);
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        // Also stop when the journey loop is gone (shutdown), or the runtime would wait for us.
        while !token.is_cancelled() && !sh.tx.is_closed() {
            // try_lock: a capture in progress owns the camera; skip a frame rather than wait.
            let frame = match sh.devices.scanner.try_lock() {
                Ok(mut s) => s.preview().ok(),
                Err(_) => None,
            };
            if let Some(f) = frame {
                if token.is_cancelled() {
                    break;
                }
                let rgb = Arc::new(f.rgb.clone());
                super::push_preview(&sh, super::PreviewFrame { width: f.width, height: f.height, rgb });
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    });
}

fn capture(sh: &Arc<Shared>, slot: usize, key: String) {
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        let res = sh.devices.scanner.lock().unwrap_or_else(|e| e.into_inner()).capture();
        match res {
            Ok(page) => {
                let _ = sh.services.store.bump_counter("scanner", "pages", 1);
                // A retake replaces the earlier page.
                sh.scans.lock().unwrap_or_else(|e| e.into_inner()).insert(key, vec![page]);
                send(&sh, Event::Captured { slot, pages: 1 });
            }
            // Absent or not a camera: the fault screen, never a device path for the citizen.
            Err(e) if e.is_device_fault() => {
                tracing::warn!(error = %e, "scanner unavailable");
                send(&sh, Event::DeviceFailed { device: Device::Scanner, message: "disconnected".into() })
            }
            Err(kiosk_hardware::ScannerError::Rejected(issue)) => {
                let _ = sh.services.store.bump_counter("scanner", &format!("rejected_{}", issue.code()), 1);
                send(&sh, Event::CaptureFailed { slot, message: issue.message_zh().to_string() })
            }
            Err(e) => send(&sh, Event::CaptureFailed { slot, message: e.to_string() }),
        }
    });
}

fn case_submission(sh: &Shared, d: &CaseDraft, local_no: &str) -> CaseSubmission {
    let scans = sh.scans.lock().unwrap_or_else(|e| e.into_inner());
    let b64 = base64::engine::general_purpose::STANDARD;
    CaseSubmission {
        local_no: local_no.to_string(),
        terminal_id: sh.services.terminal.id.clone(),
        bundle_id: d.bundle_id.clone(),
        bundle_name: d.bundle_name.clone(),
        matter_codes: d.matter_codes.clone(),
        applicant: ApplicantDto {
            name: d.applicant.name.clone(),
            // The code comes from the terminal's table, never from here.
            id_type: sh.services.terminal.id_types.code(d.applicant.doc.kind).to_string(),
            id_number: d.applicant.id_number.clone(),
            sex: d.applicant.sex.clone(),
            birth_date: d.applicant.birth_date.clone(),
            address: d.applicant.address.clone(),
            phone: d.phone.clone(),
            identity_source: d.applicant.doc.source,
            pass_number: d.applicant.doc.pass_number.clone(),
            issue_count: d.applicant.doc.issue_count.clone(),
            name_en: d.applicant.doc.name_en.clone(),
            nationality: d.applicant.doc.nationality.clone(),
            renewal_count: d.applicant.doc.renewal_count.clone(),
        },
        delivery: match d.delivery {
            Delivery::Window => "window".into(),
            Delivery::Post => "post".into(),
        },
        form: d
            .form
            .iter()
            .map(|(key, value, source)| FormFieldDto {
                key: key.clone(),
                value: value.clone(),
                source: match source {
                    FieldSource::Card => FormSource::Card,
                    FieldSource::Typed => FormSource::Typed,
                    FieldSource::ECert => FormSource::ECert,
                    FieldSource::Default => FormSource::Default,
                    FieldSource::Profile => FormSource::Profile,
                },
            })
            .collect(),
        // 结果免费寄 goes to the contact address on the form (the card's unless changed).
        postal_address: matches!(d.delivery, Delivery::Post).then(|| {
            d.form
                .iter()
                .find(|(k, v, _)| k == "applicant.contact_address" && !v.is_empty())
                .map_or_else(|| d.applicant.address.clone(), |(_, v, _)| v.clone())
        }),
        // Signed on screen; a signature that cannot be drawn is not sent as a commitment.
        commitments: d
            .commitments
            .iter()
            .filter_map(|(key, strokes)| {
                let png = crate::signature::to_png(strokes).ok()?;
                Some(CommitmentDto {
                    material_key: key.clone(),
                    due_date: due_date(sh, crate::clock::now(sh.services.terminal.tz).date_naive()),
                    signature_png: b64.encode(png),
                })
            })
            .collect(),
        materials: d
            .materials
            .iter()
            .map(|(key, st)| MaterialDto {
                key: key.clone(),
                state: match st {
                    SlotState::Captured { .. } => "scanned",
                    SlotState::ECert => "e_cert",
                    SlotState::Deferred => "deferred",
                    _ => "not_provided",
                }
                .into(),
                pages: scans.get(key).map(|p| p.iter().map(|pg| b64.encode(&pg.jpeg)).collect()).unwrap_or_default(),
                e_cert_ref: None,
            })
            .collect(),
        source: "self_service_terminal".into(),
        submitted_at: crate::clock::now(sh.services.terminal.tz).format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// The 容缺 deadline, YYYY-MM-DD: `terminal.deferral_days` working days after `today`
/// by the catalog's holiday calendar (the receipt and the commitment use this one).
fn due_date(sh: &Shared, today: chrono::NaiveDate) -> String {
    let days = sh.services.terminal.deferral_days;
    sh.services.catalog.current().calendar().due_date(today, days).format("%Y-%m-%d").to_string()
}

/// Queues the case under a deadline: committed in time, the citizen gets the receipt;
/// not, the write is rolled back and the fault screen says nothing was submitted.
fn enqueue(sh: &Arc<Shared>, draft: CaseDraft) {
    let gate = Arc::new(crate::store::CommitGate::default());
    {
        let (sh, gate) = (sh.clone(), gate.clone());
        tokio::spawn(async move {
            tokio::time::sleep(sh.services.terminal.submit_deadline).await;
            if gate.try_abandon() {
                tracing::error!("case write passed its deadline; rolled back");
                // The citizen first: the alert is a write to the same stalled disk.
                send(&sh, Event::QueueFailed(NOT_SUBMITTED.into()));
                tokio::task::spawn_blocking(move || {
                    let _ = sh
                        .services
                        .store
                        .raise_alert("storage", "存储写入超时：一件申请未能保存（未提交） / case write timed out");
                });
            }
        });
    }
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        let terminal = sh.services.terminal.id.clone();
        let res = sh.services.store.enqueue_case_gated(
            &terminal,
            |local_no| {
                let case = case_submission(&sh, &draft, local_no);
                // The plaintext is wiped as soon as it is sealed.
                let plain = zeroize::Zeroizing::new(serde_json::to_vec(&case).unwrap_or_default());
                sh.services.sealer.seal(&plain)
            },
            &gate,
        );
        match res {
            Ok(local_no) => {
                tracing::info!(local_no = %local_no, "case queued");
                sh.services.outbox_wake.notify_one();
                send(&sh, Event::CaseQueued { local_no });
            }
            // The deadline has told the citizen already.
            Err(crate::store::StoreError::Abandoned) => {}
            Err(e) => {
                tracing::error!(error = %e, "case could not be queued");
                // The transaction was not committed; tell the citizen unless the deadline did.
                if gate.fail() {
                    // The citizen gets plain words; the error is in the log and the alert.
                    send(&sh, Event::QueueFailed(NOT_SUBMITTED.into()));
                }
            }
        }
    });
}

/// What the fault screen says when the case could not be stored.
const NOT_SUBMITTED: &str = "申请未能保存，未提交任何材料，请稍后重试或到窗口办理";

/// Prints documents in order on one blocking task; the flag marks the receipt, whose
/// outcome the journey shows.
pub(super) fn print(sh: &Arc<Shared>, jobs: Vec<(Document, bool)>) {
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        for (doc, is_receipt) in jobs {
            let (res, after) = {
                let mut p = sh.devices.printer.lock().unwrap_or_else(|e| e.into_inner());
                let res = p.print(&doc);
                (res, p.status().ok())
            };
            if after == Some(kiosk_hardware::PrinterStatus::PaperNearEnd) {
                // The host branch refills paper: tell them before it runs out.
                tracing::warn!(alert = "printer_paper_near_end", "printer paper near end");
                let _ = sh.services.store.raise_alert(super::ops::PAPER_ALERT, "打印纸将用完，请尽快换纸");
                let _ = sh.services.store.bump_counter("printer", "paper_near_end_alerts", 1);
            }
            match res {
                Ok(()) => {
                    let _ =
                        sh.services.store.bump_counter("printer", if is_receipt { "receipts" } else { "notices" }, 1);
                    if is_receipt {
                        send(&sh, Event::ReceiptPrinted);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "print failed");
                    let _ = sh.services.store.bump_counter("printer", "failures", 1);
                    if is_receipt {
                        send(&sh, Event::PrintFailed(e.to_string()));
                    }
                }
            }
        }
    });
}

fn store_rating(sh: &Arc<Shared>, r: crate::journey::RatingRecord) {
    let sh = sh.clone();
    tokio::task::spawn_blocking(move || {
        let map = &sh.services.terminal.rating;
        let sub = RatingSubmission {
            local_no: r.local_no.clone(),
            terminal_id: sh.services.terminal.id.clone(),
            level: r.level,
            level_code: map.code(r.level).to_string(),
            level_name: crate::rating::LEVELS[(r.level.clamp(1, 5) - 1) as usize].to_string(),
            channel: map.channel.clone(),
            reasons: r.reasons.clone(),
            rated_at: crate::clock::now(sh.services.terminal.tz).format("%Y%m%dT%H%M%S").to_string(),
        };
        let sealed = sh.services.sealer.seal(&serde_json::to_vec(&sub).unwrap_or_default());
        match sh.services.store.enqueue_rating(&r.local_no, r.level, &r.reasons, sealed) {
            Ok(()) => sh.services.outbox_wake.notify_one(),
            Err(e) => tracing::error!(error = %e, "rating not stored"),
        }
    });
}
