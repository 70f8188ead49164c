#!/usr/bin/env bash
# Builds the kiosk .deb (Debian 12) from the production build.
#   scripts/package.sh                         cargo build --release --no-default-features, then package
#   scripts/package.sh --bin PATH [--out DIR]  package the given kiosk binary, no build
#   --compress xz|gzip|zstd|none               the .deb's compression (default xz)
# Writes DIR/kiosk_<version>_<arch>.deb (DIR: --out, default target/) and prints its
# path and the binary's size. The installed files are listed in packaging/manifest.txt;
# the install and setup steps are in docs/deploy.md.
set -euo pipefail
umask 022

root="$(cd "$(dirname "$0")/.." && pwd)"

die() {
  echo "package: $*" >&2
  exit 1
}

bin=""
out=""
compress="xz"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin)
      [[ $# -ge 2 ]] || die "--bin needs a path"
      bin="$2"
      shift 2
      ;;
    --out)
      [[ $# -ge 2 ]] || die "--out needs a directory"
      out="$2"
      shift 2
      ;;
    --compress)
      [[ $# -ge 2 ]] || die "--compress needs xz, gzip, zstd or none"
      compress="$2"
      shift 2
      ;;
    -h | --help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found: run scripts/setup.sh"

# --bin and --out are relative to where the script was called from.
[[ -z "$bin" || "$bin" == /* ]] || bin="$PWD/$bin"
[[ -z "$out" || "$out" == /* ]] || out="$PWD/$out"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" == /* ]] || target_dir="$root/$target_dir"

if [[ -z "$bin" ]]; then
  # `kiosk --version` prints this commit.
  KIOSK_GIT_COMMIT="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  export KIOSK_GIT_COMMIT
  cargo build --release --locked --no-default-features -p kiosk
  bin="$target_dir/release/kiosk"
fi
[[ -f "$bin" && -x "$bin" ]] || die "not an executable file: $bin"
out="${out:-$target_dir}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# The version of the kiosk package: `version` in Cargo.toml's [package] table.
version="$(awk '
  /^\[/ { in_pkg = ($0 == "[package]") }
  in_pkg && /^version[[:space:]]*=/ { gsub(/.*=[[:space:]]*"|".*/, ""); print; exit }
' Cargo.toml)"
[[ -n "$version" ]] || die "no version in Cargo.toml [package]"
arch="$(dpkg --print-architecture)"

stage="$(mktemp -d)"
work="$(mktemp -d)"
trap 'rm -rf "$stage" "$work"' EXIT
chmod 0755 "$stage"
mkdir -p "$stage/DEBIAN"
: >"$work/conffiles"

# Stage every manifest entry.
while read -r src dst mode extra; do
  [[ -z "$src" || "$src" == \#* ]] && continue
  [[ -n "$dst" && -n "$mode" && -z "${extra:-}" ]] || die "manifest.txt: bad line: $src $dst $mode ${extra:-}"
  [[ "$dst" == /* ]] || die "manifest.txt: destination must be absolute: $dst"
  if [[ "$src" == link:* ]]; then
    mkdir -p "$stage$(dirname "$dst")"
    ln -s "${src#link:}" "$stage$dst"
    continue
  fi
  [[ "$src" == "\$BIN" ]] && src="$bin"
  [[ -f "$src" ]] || die "manifest.txt: missing source file: $src"
  install -D -m "$mode" "$src" "$stage$dst"
  if [[ "$dst" == /etc/* ]]; then
    echo "$dst" >>"$work/conffiles"
  fi
done <packaging/manifest.txt

installed_kib="$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)"

# Shared libraries the binary links, as Debian package dependencies.
shlibs=""
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
  mkdir -p "$work/debian"
  printf 'Source: kiosk\n\nPackage: kiosk\nArchitecture: any\n' >"$work/debian/control"
  if deps="$(cd "$work" && dpkg-shlibdeps -O -e"$stage/usr/bin/kiosk" 2>"$work/shlibdeps.err")"; then
    shlibs="$(sed -n 's/^shlibs:Depends=//p' <<<"$deps")"
  else
    echo "package: dpkg-shlibdeps failed, using the fixed list:" >&2
    cat "$work/shlibdeps.err" >&2
  fi
fi
# What the LinuxKMS + software-renderer build links (and Zinnia for 手写), when
# dpkg-shlibdeps cannot tell.
[[ -n "$shlibs" ]] || shlibs="libc6, libgcc-s1, libinput10, libudev1, libxkbcommon0, libfontconfig1, libfreetype6, libzinnia0"

sed_escape() { sed -e 's/[\/&|]/\\&/g' <<<"$1"; }
sed -e "s|@VERSION@|$(sed_escape "$version")|" -e "s|@ARCH@|$(sed_escape "$arch")|" \
  -e "s|@INSTALLED_SIZE@|$installed_kib|" -e "s|@SHLIBS@|$(sed_escape "$shlibs")|" \
  packaging/debian/control.in >"$stage/DEBIAN/control"
install -m 0644 "$work/conffiles" "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"
done

# Reproducible timestamps: the commit's time.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
find "$stage" -exec touch -h -d "@$epoch" {} +

deb="$out/kiosk_${version}_${arch}.deb"
SOURCE_DATE_EPOCH="$epoch" dpkg-deb --root-owner-group -Z"$compress" --build "$stage" "$deb" >/dev/null

bin_bytes="$(stat -c %s "$bin")"
deb_bytes="$(stat -c %s "$deb")"
echo "$deb"
awk -v b="$bin_bytes" -v d="$deb_bytes" \
  'BEGIN { printf "kiosk binary: %d bytes (%.1f MiB); package: %d bytes (%.1f MiB)\n", b, b / 1048576, d, d / 1048576 }'
