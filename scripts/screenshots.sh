#!/usr/bin/env bash
# Renders every screen headless to docs/screenshots/ (portrait 1080x1920), and again in
# 长者版 (elder mode) to docs/screenshots/elder/. Uses the same renderer as the UI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked -p kiosk
out=docs/screenshots
mkdir -p "$out"
screens="attract home guide identify form materials review submitting receipt rating farewell help fault idle-warning out-of-service progress"
# Variants (issue 16): the home's 单项事项 tab, the 差评 reason step.
screens="$screens home-single rating-bad"
mkdir -p "$out/elder"
for s in $screens; do
  target/debug/kiosk --screenshot "$out/$s.png" --screen "$s" >/dev/null
  target/debug/kiosk --screenshot "$out/elder/$s.png" --screen "$s" --elder >/dev/null
done
# The live scanner preview only exists in a running kiosk: take that screen from the
# end-to-end test's run when there is one.
[[ -f target/screenshots/06-materials.png ]] && cp target/screenshots/06-materials.png "$out/materials.png"
# The form's field editors and the signed 容缺 commitment come from tests/form_entry.rs.
for s in form-typed-fields form-editor-number form-editor-choice form-editor-pinyin materials-commitment; do
  [[ -f target/screenshots/$s.png ]] && cp "target/screenshots/$s.png" "$out/$s.png"
done
# Maintenance: every host and technician page as tests/maintenance.rs drove it (real
# devices' emulators, real data); headless demo states where that run is missing.
mkdir -p "$out/maintenance"
if [[ -d target/screenshots/maintenance ]]; then
  cp target/screenshots/maintenance/{pin,pin-locked,host-*,tech-*}.png "$out/maintenance/" 2>/dev/null || true
  [[ -f target/screenshots/maintenance/testpage.png ]] && cp target/screenshots/maintenance/testpage.png docs/receipts/testpage-80mm.png
fi
for p in devices counts alerts calls service reader printer camera network versions queue logs config; do
  [[ -f "$out/maintenance/host-$p.png" || -f "$out/maintenance/tech-$p.png" ]] ||
    target/debug/kiosk --screenshot "$out/maintenance/demo-$p.png" --screen "maintenance-$p" >/dev/null
done
# 进度随时查 as tests/progress.rs drove it: by card, receipt QR and number, and the plain
# answers (no QR in view, not our QR, unknown number, platform down).
mkdir -p "$out/progress"
for s in progress-choose progress-card progress-qr-none progress-qr-foreign progress-qr progress-number-typed progress-number progress-unknown progress-offline; do
  [[ -f target/screenshots/$s.png ]] && cp "target/screenshots/$s.png" "$out/progress/${s#progress-}.png"
done
# Identity by a 电子身份证 QR code as tests/identity_qr.rs drove it (the e-ID form, and
# not our QR, expired code, platform down, no QR in view), and a J card's form
# (tests/card_kinds.rs).
mkdir -p "$out/identify-qr"
for s in identify-qr identify-qr-reading identify-qr-not-ours identify-qr-expired identify-qr-platform-down identify-qr-none identify-qr-form; do
  [[ -f target/screenshots/$s.png ]] && cp "target/screenshots/$s.png" "$out/identify-qr/$s.png"
done
[[ -f target/screenshots/card-kind-j-form.png ]] && cp target/screenshots/card-kind-j-form.png "$out/identify-qr/card-kind-j-form.png"
[[ -f target/screenshots/help-call-placed.png ]] && cp target/screenshots/help-call-placed.png "$out/help-call-placed.png"
[[ -f target/screenshots/out-of-service.png ]] && cp target/screenshots/out-of-service.png "$out/out-of-service.png"
echo "screenshots in $out/"
target/debug/kiosk receipts --out docs/receipts >/dev/null
echo "receipts in docs/receipts/"
