#!/usr/bin/env bash
# Installs what winship and its tests need on Debian/Ubuntu. Idempotent: only what is missing
# is installed. Run as root (CI runs as root) or with sudo. Go must already be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not installed (or not on PATH). winship drives the Go toolchain you already use:" >&2
  echo "       install Go 1.18 or newer from https://go.dev/dl/ (or: apt-get install golang-go) and run this again." >&2
  exit 1
fi
say "using $(go version)"

# 20.19: crypto.hash and Dirent.parentPath (20.12+), require(esm) (20.19) are used.
node_ok=$(node -p 'const [a, b] = process.versions.node.split(".").map(Number); a > 20 || (a === 20 && b >= 19) ? 1 : 0' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "setup: Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Debian packages: what each is for.
#   wixl msitools        build MSIs on Linux; msiinfo/msiextract/msibuild inspect them
#   gcab                 lists the cabinet inside an MSI (file dates; a test oracle)
#   wine wine64          a second, independent Windows: runs our exes, installs our MSIs
#   gcc-mingw-w64-...    builds the test-only ProcessPrng shim Go needs on Wine 8
#   osslsigncode openssl Authenticode signing and the test PKI / timestamp authorities
#   libxml2-utils        xmllint: validates generated WiX XML against the XSDs
#   exiftool, icoutils   read VERSIONINFO and resources back from built exes (test oracles)
#   zip unzip file       inspect archives and file types in tests
packages=(wixl msitools gcab wine wine64 gcc-mingw-w64-x86-64-win32 osslsigncode openssl libxml2-utils
  libimage-exiftool-perl icoutils zip unzip file git)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "system packages present"
fi

# osslsigncode 2.5, Debian bookworm's main version, unpacked into .cache/ beside the installed one
# (never installed over it): the tests also sign with it (test/sign/passwordFifo.test.ts; before 2.9
# the password goes through a FIFO). Where apt has no 2.5-4 (not bookworm), those tests are skipped.
old_osslsigncode=.cache/osslsigncode-2.5
if [ ! -x "$old_osslsigncode/usr/bin/osslsigncode" ]; then
  deb_dir=$(mktemp -d)
  if (cd "$deb_dir" && apt-get download -qq osslsigncode=2.5-4 >/dev/null 2>&1) ||
     { ${SUDO:-} apt-get update -qq >/dev/null 2>&1 && (cd "$deb_dir" && apt-get download -qq osslsigncode=2.5-4 >/dev/null 2>&1); }; then
    mkdir -p "$old_osslsigncode"
    dpkg -x "$deb_dir"/osslsigncode_2.5-4_*.deb "$old_osslsigncode"
    say "unpacked osslsigncode 2.5 into $old_osslsigncode (tests only)"
  else
    say "osslsigncode 2.5-4 is not in apt here: the tests that use it are skipped"
  fi
  rm -rf "$deb_dir"
fi

# SeaweedFS, a real S3-compatible server the feed tests publish to (test/support/s3server.ts):
# built from the Go module proxy once into .cache/ (about 4 minutes on 2 cores).
say "SeaweedFS for the feed tests: $(scripts/seaweedfs.sh)"

# Node dependencies exactly as package-lock.json records them (npm ci refuses a lock that does not
# match package.json, and never rewrites it). npm ci empties node_modules first, so it runs only
# when the lock changed since the last install; the copy of the lock left in node_modules below is
# how the next run knows. npm ci runs the `prepare` script, which compiles src/ to lib/.
if ! cmp -s package-lock.json node_modules/.package-lock.json.winship 2>/dev/null; then
  say "installing Node dependencies from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.package-lock.json.winship
else
  say "Node dependencies match package-lock.json; compiling"
  npm run --silent build
fi
say "ready: try  npm run example  or  npm test"
