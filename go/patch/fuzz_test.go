package patch

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzApply: no input makes Apply panic, and whatever it returns without an error has the size
// and SHA-256 the patch's header promises. A mutated patch nearly always fails its CRC-32, so
// each input is also tried "repaired": the header made to name the given old file, a new size
// of at most 64 KB, the body size of what is there and a fresh CRC, which takes the mutations
// to the body decoder (checked against the straight port, referenceDecodeBody, as well).
//
//	go test -run '^$' -fuzz FuzzApply -fuzztime 5m -fuzzminimizetime 10s
//
// (An execution decodes twice, and each decode sets up 45 MB of model tables: the default
// minimising time of 60 s per new input is mostly spent waiting.)
func FuzzApply(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.old, v.wsp)
	}
	f.Fuzz(func(t *testing.T, old, patch []byte) {
		check(t, old, patch)
		if len(patch) < HeaderSize+TrailerSize {
			return
		}
		p := append([]byte(nil), patch...)
		copy(p, magic[:])
		binary.LittleEndian.PutUint16(p[8:], FormatVersion)
		binary.LittleEndian.PutUint16(p[10:], 1)
		binary.LittleEndian.PutUint32(p[12:], 0)
		binary.LittleEndian.PutUint64(p[16:], uint64(len(old)))
		binary.LittleEndian.PutUint64(p[24:], binary.LittleEndian.Uint64(p[24:])%(64<<10))
		sum := sha256.Sum256(old)
		copy(p[32:], sum[:])
		binary.LittleEndian.PutUint64(p[96:], uint64(len(p)-HeaderSize-TrailerSize))
		p = reseal(p)
		newSize := int(binary.LittleEndian.Uint64(p[24:]))
		body := p[HeaderSize : len(p)-TrailerSize]
		a, errA := decodeBody(old, body, newSize)
		b, errB := referenceDecodeBody(old, body, newSize)
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) || !bytes.Equal(a, b) {
			t.Fatalf("the fast decoder says %v, the reference %v", errA, errB)
		}
		if errA == nil {
			// Apply is Info, the old file's checks, decodeBody and the result's: when decoding
			// fails it fails the same way, so only a decoded body needs it (3 decodes are slow).
			check(t, old, p)
		}
	})
}

func check(t *testing.T, old, patch []byte) {
	out, err := Apply(old, patch)
	if err != nil {
		if out != nil {
			t.Fatal("bytes returned with an error")
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongInput) {
			t.Fatalf("error %q wraps neither ErrCorrupt nor ErrWrongInput", err)
		}
		return
	}
	h, err := Info(patch)
	if err != nil {
		t.Fatalf("Apply succeeded on a patch Info refuses: %v", err)
	}
	if int64(len(out)) != h.NewSize || sha256.Sum256(out) != h.NewSHA256 {
		t.Fatal("Apply returned bytes that are not the file the header names")
	}
}
