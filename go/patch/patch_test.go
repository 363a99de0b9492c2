package patch

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The test vectors in testdata/ are made by the TypeScript encoder (testdata/generate.ts):
// NAME.old, NAME.new and NAME.wsp, the patch from one to the other.

type vector struct {
	name          string
	old, neu, wsp []byte
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	patches, err := filepath.Glob(filepath.Join("testdata", "*.wsp"))
	if err != nil || len(patches) == 0 {
		t.Fatalf("no test vectors in testdata (%v): run npx tsx go/patch/testdata/generate.ts", err)
	}
	var vs []vector
	for _, p := range patches {
		name := strings.TrimSuffix(filepath.Base(p), ".wsp")
		if name == "large" {
			continue // TestLargeVector
		}
		read := func(ext string) []byte {
			b, err := os.ReadFile(filepath.Join("testdata", name+ext))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		vs = append(vs, vector{name: name, old: read(".old"), neu: read(".new"), wsp: read(".wsp")})
	}
	return vs
}

// reseal makes p's CRC-32 trailer match its contents again, so that a change to the header or
// the body reaches the checks after the CRC.
func reseal(p []byte) []byte {
	q := append([]byte(nil), p...)
	if len(q) >= HeaderSize+TrailerSize {
		end := len(q) - TrailerSize
		binary.LittleEndian.PutUint32(q[end:], crc32.ChecksumIEEE(q[:end]))
	}
	return q
}

// refused asserts Apply's answer is a refusal of one of the two kinds, or else exactly the new
// file: never other bytes.
func refused(t *testing.T, what string, out []byte, err error, neu []byte) {
	t.Helper()
	if err == nil {
		if !bytes.Equal(out, neu) {
			t.Fatalf("%s: Apply returned %d bytes that are not the new file", what, len(out))
		}
		return
	}
	if out != nil {
		t.Fatalf("%s: Apply returned bytes with an error", what)
	}
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongInput) {
		t.Fatalf("%s: error %q wraps neither ErrCorrupt nor ErrWrongInput", what, err)
	}
}

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		out, err := Apply(v.old, v.wsp)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if !bytes.Equal(out, v.neu) {
			t.Fatalf("%s: the result is not the new file", v.name)
		}
		h, err := Info(v.wsp)
		if err != nil {
			t.Fatal(err)
		}
		want := Header{
			FormatVersion: 1, Algorithm: 1, AlgorithmName: "match-mix",
			OldSize: int64(len(v.old)), NewSize: int64(len(v.neu)),
			OldSHA256: sha256.Sum256(v.old), NewSHA256: sha256.Sum256(v.neu),
			BodySize: int64(len(v.wsp) - HeaderSize - TrailerSize),
		}
		if h != want {
			t.Fatalf("%s: Info = %+v, want %+v", v.name, h, want)
		}
		if h.OldSHA256Hex() != hexOf(v.old) || h.NewSHA256Hex() != hexOf(v.neu) {
			t.Fatalf("%s: the hex hashes are wrong", v.name)
		}
	}
}

func hexOf(b []byte) string {
	s := sha256.Sum256(b)
	const digits = "0123456789abcdef"
	var out []byte
	for _, c := range s {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// The fast decoder (decodeBody) and the straight port (referenceDecodeBody) give the same
// bytes, or the same error, for every vector and for bodies with bytes changed.
func TestFastDecoderMatchesReference(t *testing.T) {
	for _, v := range loadVectors(t) {
		body := v.wsp[HeaderSize : len(v.wsp)-TrailerSize]
		same := func(what string, body []byte) {
			t.Helper()
			a, errA := decodeBody(v.old, body, len(v.neu))
			b, errB := referenceDecodeBody(v.old, body, len(v.neu))
			if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) || !bytes.Equal(a, b) {
				t.Fatalf("%s %s: fast %v (%d bytes), reference %v (%d bytes)", v.name, what, errA, len(a), errB, len(b))
			}
		}
		same("as made", body)
		for _, i := range samplePositions(len(body), 16) {
			for _, x := range []byte{0x01, 0x80} {
				b := append([]byte(nil), body...)
				b[i] ^= x
				same("flipped", b)
			}
		}
	}
}

// samplePositions is up to n positions spread over [0, size), the first and last among them.
func samplePositions(size, n int) []int {
	if size <= n {
		all := make([]int, size)
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i * (size - 1) / (n - 1)
	}
	return out
}

func TestWrongInput(t *testing.T) {
	for _, v := range loadVectors(t) {
		h, _ := Info(v.wsp)
		// Another size.
		_, err := Apply(append(append([]byte(nil), v.old...), 0), v.wsp)
		var wrong *WrongInputError
		if !errors.Is(err, ErrWrongInput) || errors.Is(err, ErrCorrupt) || !errors.As(err, &wrong) || wrong.SameSize {
			t.Fatalf("%s, a byte longer: %v", v.name, err)
		}
		if wrong.WantSize != h.OldSize || wrong.GotSize != h.OldSize+1 || wrong.WantSHA256 != h.OldSHA256 {
			t.Fatalf("%s: %+v", v.name, wrong)
		}
		if !strings.Contains(err.Error(), h.OldSHA256Hex()) || !strings.Contains(err.Error(), "a file of") {
			t.Fatalf("%s: the error does not say which file the patch is for: %v", v.name, err)
		}
		if len(v.old) == 0 {
			continue
		}
		// The same size, other bytes.
		other := append([]byte(nil), v.old...)
		other[len(other)/2] ^= 0x20
		_, err = Apply(other, v.wsp)
		if !errors.Is(err, ErrWrongInput) || !errors.As(err, &wrong) || !wrong.SameSize || wrong.GotSHA256 != sha256.Sum256(other) {
			t.Fatalf("%s, a byte changed: %v", v.name, err)
		}
		if want := "this patch applies to the file with SHA-256 " + h.OldSHA256Hex() + "; the file given has " + hexOf(other) + " (same size, other bytes)"; err.Error() != want {
			t.Fatalf("%s: %q, want %q", v.name, err, want)
		}
		// A shorter one.
		if _, err = Apply(v.old[:len(v.old)-1], v.wsp); !errors.Is(err, ErrWrongInput) {
			t.Fatalf("%s, a byte shorter: %v", v.name, err)
		}
	}
}

func TestTruncatedAndExtended(t *testing.T) {
	for _, v := range loadVectors(t) {
		lengths := samplePositions(len(v.wsp), 400)
		for _, n := range lengths {
			out, err := Apply(v.old, v.wsp[:n])
			if !errors.Is(err, ErrCorrupt) || out != nil {
				t.Fatalf("%s truncated to %d bytes: %v", v.name, n, err)
			}
		}
		_, err := Apply(v.old, append(append([]byte(nil), v.wsp...), 0))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "1 bytes after its end") {
			t.Fatalf("%s with a byte more: %v", v.name, err)
		}
		// Cut short inside the body but resealed with a matching body size: the body itself
		// ends early.
		if n := len(v.wsp) - TrailerSize - 1; n > HeaderSize {
			p := append(append([]byte(nil), v.wsp[:n]...), 0, 0, 0, 0)
			binary.LittleEndian.PutUint64(p[96:], uint64(n-HeaderSize))
			out, err := Apply(v.old, reseal(p))
			refused(t, v.name+" body cut", out, err, v.neu)
			if err == nil {
				t.Fatalf("%s: a body cut short applied", v.name)
			}
		}
	}
}

func TestFlips(t *testing.T) {
	for _, v := range loadVectors(t) {
		// Every byte of the header and trailer, a sample of the body.
		positions := []int{}
		for i := 0; i < HeaderSize; i++ {
			positions = append(positions, i)
		}
		for _, i := range samplePositions(len(v.wsp)-HeaderSize-TrailerSize, 24) {
			positions = append(positions, HeaderSize+i)
		}
		for i := len(v.wsp) - TrailerSize; i < len(v.wsp); i++ {
			positions = append(positions, i)
		}
		for _, i := range positions {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				p := append([]byte(nil), v.wsp...)
				p[i] ^= x
				out, err := Apply(v.old, p)
				if !errors.Is(err, ErrCorrupt) || out != nil {
					t.Fatalf("%s, byte %d ^ %#x: %v (the CRC should catch it)", v.name, i, x, err)
				}
				if i >= len(v.wsp)-TrailerSize || (x == 0xff && i >= 64) {
					continue // (each of these decodes the whole body: two kinds of change are enough)
				}
				// Past the CRC: each field's own check, or decoding, or the result's hash.
				out, err = Apply(v.old, reseal(p))
				refused(t, v.name+" resealed flip", out, err, v.neu)
				if i < HeaderSize && err == nil {
					t.Fatalf("%s, header byte %d ^ %#x resealed: applied", v.name, i, x)
				}
				if i >= 32 && i < 64 && !errors.Is(err, ErrWrongInput) {
					t.Fatalf("%s, old SHA-256 byte %d changed: %v", v.name, i, err)
				}
			}
		}
	}
}

// The header's refusals, each with the message the Node applier gives.
func TestHeaderRefusals(t *testing.T) {
	v := loadVectors(t)[0]
	edit := func(f func(p []byte)) []byte {
		p := append([]byte(nil), v.wsp...)
		f(p)
		return reseal(p)
	}
	cases := []struct {
		name  string
		patch []byte
		want  string
	}{
		{"empty", nil, `not a winship patch (its first bytes are not the patch magic "\x89WSP\r\n\x1a\n")`},
		{"short magic", v.wsp[:5], `not a winship patch`},
		{"magic", edit(func(p []byte) { p[1] = 'X' }), `not a winship patch`},
		{"header cut", v.wsp[:50], "the patch is truncated: 50 bytes, less than a header and trailer"},
		{"version", edit(func(p []byte) { p[8] = 2 }), "patch format version 2; this winship reads version 1"},
		{"algorithm", edit(func(p []byte) { p[10] = 7 }), "patch algorithm 7 is unknown to this winship (known: 1)"},
		{"flags", edit(func(p []byte) { p[13] = 1 }), "patch flags 0x100: none are defined in format version 1"},
		{"old size", edit(func(p []byte) { binary.LittleEndian.PutUint64(p[16:], 1<<31) }), "the patch names a file of 2147483648 bytes; the limit is 2147483647"},
		{"new size", edit(func(p []byte) { binary.LittleEndian.PutUint64(p[24:], 1<<63) }), "the patch names a file of 9223372036854775808 bytes; the limit is 2147483647"},
		{"body size", edit(func(p []byte) { binary.LittleEndian.PutUint64(p[96:], uint64(len(p))) }), "the patch is truncated: "},
		{"body size huge", edit(func(p []byte) { binary.LittleEndian.PutUint64(p[96:], 1<<64-1) }), "the patch is truncated: "},
		{"crc", func() []byte { p := append([]byte(nil), v.wsp...); p[len(p)-1] ^= 1; return p }(), "the patch is damaged: its CRC-32 trailer does not match its contents"},
		{"new hash", edit(func(p []byte) { p[64] ^= 1 }), "the patch made a file with SHA-256 "},
	}
	for _, c := range cases {
		_, err := Apply(v.old, c.patch)
		if !errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Errorf("%s: not a *CorruptError", c.name)
		}
	}
	if _, err := Info(v.wsp[:len(v.wsp)-1]); err == nil || !strings.HasPrefix(err.Error(), "the patch is truncated: ") {
		t.Errorf("Info of a truncated patch: %v", err)
	}
}

// The body's own refusals: it must start with a zero byte and be read to its last byte.
func TestBodyRefusals(t *testing.T) {
	for _, v := range loadVectors(t) {
		body := v.wsp[HeaderSize : len(v.wsp)-TrailerSize]
		b := append([]byte(nil), body...)
		b[0] = 1
		if _, err := decodeBody(v.old, b, len(v.neu)); err == nil || err.Error() != "the coded body does not start with a zero byte" {
			t.Fatalf("%s: %v", v.name, err)
		}
		if _, err := decodeBody(v.old, append(append([]byte(nil), body...), 0, 0), len(v.neu)); err == nil || err.Error() != "2 bytes after the end of the coded body" {
			t.Fatalf("%s: %v", v.name, err)
		}
		for _, n := range []int{0, 3, len(body) - 1} {
			if _, err := decodeBody(v.old, body[:n], len(v.neu)); err == nil || err.Error() != "the coded body ends early (the patch is truncated)" {
				t.Fatalf("%s cut to %d: %v", v.name, n, err)
			}
		}
	}
}

func TestApplyFile(t *testing.T) {
	vs := loadVectors(t)
	v := vs[0]
	for _, c := range vs {
		if c.name == "program" {
			v = c
		}
	}
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldPath := write("app.exe", v.old, 0o755)
	patchPath := write("app.wsp", v.wsp, 0o644)
	noTemp := func() {
		t.Helper()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Fatalf("a temporary file was left: %s", e.Name())
			}
		}
	}

	// A new file, with the old file's permissions.
	out := filepath.Join(dir, "new.exe")
	if err := ApplyFile(oldPath, patchPath, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, v.neu) {
		t.Fatal("ApplyFile wrote other bytes")
	}
	if st, _ := os.Stat(out); st.Mode().Perm()&0o100 == 0 && os.PathSeparator == '/' {
		t.Fatalf("the new file lost the old one's mode: %v", st.Mode())
	}
	noTemp()

	// Failures leave an existing destination as it was.
	dest := write("dest.exe", []byte("the file that was there"), 0o600)
	bad := append([]byte(nil), v.wsp...)
	bad[len(bad)/2] ^= 1
	badPath := write("bad.wsp", bad, 0o644)
	wrongPath := write("wrong.exe", append([]byte("x"), v.old...), 0o644)
	sameSize := append([]byte(nil), v.old...)
	sameSize[0] ^= 1
	sameSizePath := write("samesize.exe", sameSize, 0o644)
	for _, c := range []struct {
		old, patch string
		is         error
		names      string
	}{
		{oldPath, badPath, ErrCorrupt, badPath},
		{wrongPath, patchPath, ErrWrongInput, wrongPath},
		{sameSizePath, patchPath, ErrWrongInput, sameSizePath},
		{filepath.Join(dir, "missing.exe"), patchPath, os.ErrNotExist, "missing.exe"},
		{oldPath, filepath.Join(dir, "missing.wsp"), os.ErrNotExist, "missing.wsp"},
	} {
		err := ApplyFile(c.old, c.patch, dest)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.names) {
			t.Fatalf("ApplyFile(%s, %s): %v, want %v naming %s", c.old, c.patch, err, c.is, c.names)
		}
		if got, _ := os.ReadFile(dest); string(got) != "the file that was there" {
			t.Fatal("a failed ApplyFile changed the destination")
		}
		noTemp()
	}

	// A destination that cannot be replaced (a folder): the temporary file, written in full,
	// is removed.
	folder := filepath.Join(dir, "folder.exe")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "inside"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ApplyFile(oldPath, patchPath, folder); err == nil {
		t.Fatal("ApplyFile replaced a folder")
	}
	noTemp()
	// A destination in a folder that does not exist.
	if err := ApplyFile(oldPath, patchPath, filepath.Join(dir, "nope", "new.exe")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("into a missing folder: %v", err)
	}

	// Over an existing file, and in place over the old file itself (it is read first); the
	// replaced file's permissions stay.
	if err := ApplyFile(oldPath, patchPath, dest); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); !bytes.Equal(got, v.neu) {
		t.Fatal("ApplyFile over an existing file wrote other bytes")
	}
	if st, _ := os.Stat(dest); os.PathSeparator == '/' && st.Mode().Perm() != 0o600 {
		t.Fatalf("the replaced file's mode changed: %v", st.Mode())
	}
	if err := ApplyFile(oldPath, patchPath, oldPath); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(oldPath); !bytes.Equal(got, v.neu) {
		t.Fatal("ApplyFile in place wrote other bytes")
	}
	// Applied again, the file is now the new one: refused, and left as it is.
	if err := ApplyFile(oldPath, patchPath, oldPath); !errors.Is(err, ErrWrongInput) {
		t.Fatalf("applied twice: %v", err)
	}
	if got, _ := os.ReadFile(oldPath); !bytes.Equal(got, v.neu) {
		t.Fatal("a refused ApplyFile changed the file")
	}
	noTemp()
}

// The mixing tables are those of src/delta/mixer.ts: testdata/tables.sha256 holds the SHA-256
// of STRETCH, STRETCH_FINE (Int16Array, little-endian) and squashFine over [-4098, 4097]
// (Uint16Array), written by generate.ts.
func TestTablesMatchTypeScript(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "tables.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	mt := mixing()
	var stretch, fine, squashed []byte
	for _, x := range mt.stretch {
		stretch = binary.LittleEndian.AppendUint16(stretch, uint16(x))
	}
	for _, x := range mt.stretchFine {
		fine = binary.LittleEndian.AppendUint16(fine, uint16(x))
	}
	for x := int64(-4098); x <= 4097; x++ {
		squashed = binary.LittleEndian.AppendUint16(squashed, uint16(mt.squashFine(x)))
	}
	got := "stretch " + hexOf(stretch) + "\nstretchFine " + hexOf(fine) + "\nsquashFine " + hexOf(squashed) + "\n"
	if got != string(want) {
		t.Fatalf("tables differ from the TypeScript's:\n%s\nwant\n%s", got, want)
	}
}

// largePair is generate.ts's largePair: 1.2 MB, with a byte changed every 100,000 and 100
// bytes put in at 600,000.
func largePair() (old, neu []byte) {
	old = make([]byte, 1_200_000)
	for i := range old {
		old[i] = byte((uint32(i>>3) * 0x9e3779b1) >> 24)
	}
	edited := append([]byte(nil), old...)
	for i := 5; i < len(edited); i += 100_000 {
		edited[i] ^= 0x20
	}
	insert := make([]byte, 100)
	for k := range insert {
		insert[k] = byte(k * 7)
	}
	neu = append(append(append([]byte(nil), edited[:600_000]...), insert...), edited[600_000:]...)
	return old, neu
}

// Over 1 MB the old file is hashed while the decoder sets up: the result, and the refusal of
// another file of the same size, are the same.
func TestLargeVector(t *testing.T) {
	p, err := os.ReadFile(filepath.Join("testdata", "large.wsp"))
	if err != nil {
		t.Fatal(err)
	}
	old, neu := largePair()
	out, err := Apply(old, p)
	if err != nil || !bytes.Equal(out, neu) {
		t.Fatalf("large: %v", err)
	}
	old[123_456] ^= 1
	out, err = Apply(old, p)
	var wrong *WrongInputError
	if !errors.As(err, &wrong) || !wrong.SameSize || wrong.GotSHA256 != sha256.Sum256(old) || out != nil {
		t.Fatalf("large, a byte changed: %v", err)
	}
}
