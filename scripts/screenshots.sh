#!/usr/bin/env bash
# Renders every screen headless to docs/screenshots/ (portrait 1080x1920), and again in
# 长者版 (elder mode) to docs/screenshots/elder/. Uses the same renderer as the UI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked -p kiosk
out=docs/screenshots
mkdir -p "$out"
screens="attract home guide identify form materials review submitting receipt rating farewell help fault idle-warning out-of-service"
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
[[ -f target/screenshots/help-call-placed.png ]] && cp target/screenshots/help-call-placed.png "$out/help-call-placed.png"
[[ -f target/screenshots/out-of-service.png ]] && cp target/screenshots/out-of-service.png "$out/out-of-service.png"
echo "screenshots in $out/"
target/debug/kiosk receipts --out docs/receipts >/dev/null
echo "receipts in docs/receipts/"
