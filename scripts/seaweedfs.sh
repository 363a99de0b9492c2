#!/usr/bin/env bash
# Builds SeaweedFS's `weed` (a real S3-compatible server) from the Go module proxy into
# .cache/seaweedfs-<version>/weed, once: the feed tests start it on loopback
# (test/support/s3server.ts) to publish to S3 through the AWS SDK. Prints the binary's path.
# `go install …/weed@version` refuses the module (its go.mod has a replace directive), so the
# module is downloaded and built in its own folder, where the replace applies.
# Measured on 2 shared cores: 4 min 14 s with the module downloads (about 540 MB), 2.2 GB peak
# memory, a 164 MB binary (-s -w).
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.0.0-20261109003541-7506e5f91cd6
out="$PWD/.cache/seaweedfs-$version/weed"
if [ -x "$out" ]; then echo "$out"; exit 0; fi
# From an empty folder (no go.mod around) and without the caller's GOFLAGS (-mod=vendor would refuse).
scratch=$(mktemp -d)
dir=$(cd "$scratch" && env -u GOFLAGS go mod download -json "github.com/seaweedfs/seaweedfs@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
rmdir "$scratch"
[ -d "$dir" ] || { echo "seaweedfs: go mod download gave no module folder" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
(cd "$dir" && env -u GOFLAGS go build -trimpath -ldflags='-s -w' -o "$out.tmp" ./weed)
mv "$out.tmp" "$out"
echo "$out"
