#!/bin/sh
# Rebuilds ../program.old and ../program.new, the real program pair of the test vectors: the
# same small C program for windows/amd64, twice, with its greeting (one line) changed. The
# committed exes are the vectors' inputs (generate.ts reads them); another mingw-w64 may make
# other bytes, which is fine as long as generate.ts is run again after this.
set -eu
cd "$(dirname "$0")"
cc="x86_64-w64-mingw32-gcc -O2 -s -Wl,--no-insert-timestamp"
$cc -o ../program.old hello.c
$cc -o ../program.new -DGREETING='"hello from version 2, a little longer"' hello.c
