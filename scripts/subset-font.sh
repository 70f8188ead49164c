#!/usr/bin/env bash
# Rebuilds ui/fonts/ from Debian's fonts-noto-cjk (OFL). Regular covers GBK, CJK Ext-A
# and the Ext-B characters the font has (生僻字 in names); Bold covers GB 2312 and
# the middle dot (· in bold titles). tests/glyphs.rs checks both against the UI's text.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pyftsubset >/dev/null || pip install fonttools
[[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]] || apt-get install -y fonts-noto-cjk
python3 - <<'PY'
def gb(enc, lo=0x80, hi=0x10000):
    out = []
    for cp in range(lo, hi):
        try:
            chr(cp).encode(enc); out.append(cp)
        except UnicodeEncodeError:
            pass
    return out
base = set(range(0x20, 0x7f)) | set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xff00, 0xff60))
reg = base | set(range(0xa0, 0x250)) | set(range(0x2100, 0x2700)) | set(range(0x3040, 0x3100)) | set(gb('gbk')) \
    | set(range(0x3400, 0x4dc0)) | set(range(0x20000, 0x2a6e0))
bold = base | {0xb7} | set(range(0x2460, 0x2474)) | set(range(0x2190, 0x2194)) | set(gb('gb2312'))
for name, cps in (('regular', reg), ('bold', bold)):
    open(f'/tmp/kiosk-{name}.txt', 'w').write(','.join('U+%04X' % c for c in sorted(cps)))
PY
for w in Regular Bold; do
  pyftsubset /usr/share/fonts/opentype/noto/NotoSansCJK-$w.ttc --font-number=2 \
    --unicodes-file=/tmp/kiosk-${w,,}.txt --output-file=ui/fonts/NotoSansSC-$w.otf \
    --layout-features='*' --desubroutinize --no-hinting
done
