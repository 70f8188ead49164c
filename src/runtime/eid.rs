//! Identity by QR: asks the platform who an e-ID code stands for. The code and the answer
//! are personal data: neither is logged.

use super::Shared;
use crate::identity::{applicant_from, eid_error_from_intake, EIdCode, EIdError};
use crate::journey::Event;
use std::sync::Arc;
use std::time::Duration;

/// The citizen waits on the screen: past this, the platform counts as unavailable.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(8);

pub(crate) fn verify(sh: &Arc<Shared>, code: EIdCode) {
    let sh = sh.clone();
    tokio::spawn(async move {
        let answer = match &sh.services.client {
            None => Err(EIdError::Unavailable("no platform configured".into())),
            Some(client) => {
                match tokio::time::timeout(VERIFY_TIMEOUT, client.verify_identity(&sh.services.terminal.id, &code.0))
                    .await
                {
                    Err(_) => Err(EIdError::Unavailable("timed out".into())),
                    Ok(Err(e)) => Err(eid_error_from_intake(&e)),
                    Ok(Ok(person)) => applicant_from(&person),
                }
            }
        };
        match &answer {
            Ok(a) => tracing::info!(id = %kiosk_hardware::pii::Masked(&a.id_number), "e-ID code verified"),
            Err(e) => tracing::info!(error = %e, "e-ID code not verified"),
        }
        super::send(&sh, Event::EIdVerified(answer));
    });
}
