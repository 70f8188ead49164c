//! `kiosk diag idcard`: read one card and describe it as JSON for a technician.

use super::driver::{SamConfig, SamReader};
use super::tables::today_cn;
use super::{CardKind, IdCardError, IdCardReader, Validity};
use crate::pii::{mask_id, mask_name};
use serde_json::json;
use std::time::{Duration, Instant};

fn mask_text(s: &str) -> String {
    // Keep the first 3 characters (province/city) of an address.
    let n = s.chars().count();
    let keep: String = s.chars().take(3.min(n)).collect();
    format!("{keep}{}", "*".repeat(n.saturating_sub(3)))
}

/// A 通行证 number (9 characters, e.g. H60123456): the letter and the last 2 kept.
fn mask_pass(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() < 5 {
        return "*".repeat(c.len());
    }
    format!("{}{}{}", c[0], "*".repeat(c.len() - 3), c[c.len() - 2..].iter().collect::<String>())
}

/// Opens `port` at `baud`, waits up to `timeout` for a card and returns it as JSON.
/// Unless `reveal`, the number is masked with `pii::mask_id` (and name and address are
/// masked too, and a 'J' card's pass number). Errors carry the SW3 meaning (e.g. "SW3 41 读证/卡操作失败 / card read failed").
pub fn diag_read_one(port: &str, baud: u32, reveal: bool, timeout: Duration) -> Result<serde_json::Value, IdCardError> {
    let cfg = SamConfig { exclusive: true, ..SamConfig::new(port, baud) };
    let mut reader = SamReader::connect(cfg)?;
    let start = Instant::now();
    let mut last_err: Option<IdCardError> = None;
    let card = loop {
        match reader.poll() {
            Ok(Some(card)) => break card,
            Ok(None) => {}
            Err(e @ IdCardError::Disconnected(_)) => return Err(e),
            Err(e) => last_err = Some(e),
        }
        if start.elapsed() >= timeout {
            return Err(last_err.unwrap_or_else(|| {
                IdCardError::ReadFailed(format!(
                    "{} 秒内未放卡 / no card within {} s (SW3 80 寻找证/卡不成功 / no card found)",
                    timeout.as_secs(),
                    timeout.as_secs()
                ))
            }));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let m = |s: &str, f: fn(&str) -> String| if reveal { s.to_string() } else { f(s) };
    let problems: Vec<serde_json::Value> = card
        .problems(&today_cn())
        .iter()
        .map(|p| json!({ "problem": format!("{p:?}"), "message_zh": p.citizen_message_zh(), "message_en": p.citizen_message_en() }))
        .collect();
    let foreign = matches!(card.kind, CardKind::ForeignPermanentOld | CardKind::ForeignPermanent2023);
    Ok(json!({
        "port": port,
        "baud": baud,
        "sam_id": reader.sam_id(),
        "kind": format!("{:?}", card.kind),
        "name": m(&card.name, mask_name),
        "name_en": card.name_en.as_deref().map(|n| m(n, mask_name)),
        "sex": card.sex.label_zh(),
        "nation": card.nation,
        "birth_date": if reveal { card.birth_date.clone() } else { format!("{}****", card.birth_date.get(..4).unwrap_or("")) },
        "address": m(&card.address, mask_text),
        "extra_address": card.extra_address.as_deref().map(|a| m(a, mask_text)),
        "id_number": m(&card.id_number, mask_id),
        "authority": card.authority,
        "valid_from": card.valid_from,
        "valid_to": match &card.valid_to { Validity::LongTerm => "长期".to_string(), Validity::Until(d) => d.clone() },
        // Only the layouts that carry them have these ('J': pass, issue count; 'I'/'Y':
        // nationality; 'Y': renewal count; 'I': card version); null otherwise.
        "pass_number": card.supplement.pass_number.as_deref().map(|p| m(p, mask_pass)),
        "issue_count": card.supplement.issue_count,
        "nationality": foreign.then(|| card.nation.clone()),
        "renewal_count": card.supplement.renewal_count,
        "card_version": card.supplement.card_version,
        "photo_wlt_bytes": card.photo_wlt.len(),
        "problems": problems,
        "masked": !reveal,
        "elapsed_ms": start.elapsed().as_millis() as u64,
    }))
}
