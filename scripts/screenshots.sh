#!/usr/bin/env bash
# Renders every screen headless to docs/screenshots/ (portrait 1080x1920), plus the
# elder-mode form. Uses the same renderer as the UI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked -p kiosk
out=docs/screenshots
mkdir -p "$out"
for s in attract home guide identify form materials review submitting receipt rating farewell help fault idle-warning; do
  target/debug/kiosk --screenshot "$out/$s.png" --screen "$s" >/dev/null
done
target/debug/kiosk --screenshot "$out/form-elder.png" --screen form --elder >/dev/null
# The live scanner preview only exists in a running kiosk: take that screen from the
# end-to-end test's run when there is one.
[[ -f target/screenshots/06-materials.png ]] && cp target/screenshots/06-materials.png "$out/materials.png"
# The form's field editors and the signed 容缺 commitment come from tests/form_entry.rs.
for s in form-typed-fields form-editor-number form-editor-choice form-editor-pinyin materials-commitment; do
  [[ -f target/screenshots/$s.png ]] && cp "target/screenshots/$s.png" "$out/$s.png"
done
echo "screenshots in $out/"
target/debug/kiosk receipts --out docs/receipts >/dev/null
echo "receipts in docs/receipts/"
