// Package patch applies and verifies winship delta patches (docs/patch-format.md in
// github.com/winship/winship): it turns one exact old file into one exact new file, or returns
// an error; it never returns or writes a wrong file.
//
// A patch names the old file it applies to (size and SHA-256) and the new file it makes (size
// and SHA-256). Apply refuses an old file whose size or hash differs, decodes the body (every
// read stays inside the patch and both files, and the body must end exactly at its last byte),
// and checks the result's size and SHA-256 before returning it. ApplyFile does the same from and
// to files and writes the result atomically.
//
// Errors wrap one of two sentinels: ErrCorrupt (not a patch, truncated, damaged, unknown version
// or algorithm, or a body that does not make the promised file) and ErrWrongInput (the old file
// is not the one the patch is for). Use errors.Is to tell them apart.
//
// The package is the format's second, independent implementation (the first is winship's
// TypeScript, src/delta); it uses the standard library only.
package patch

import (
	"crypto/sha256"
	"errors"
	"fmt"
)

var (
	// ErrCorrupt is wrapped by every error about the patch itself: not a winship patch,
	// truncated, damaged, of an unknown version or algorithm, or decoding to other bytes than
	// it promises.
	ErrCorrupt = errors.New("corrupt patch")
	// ErrWrongInput is wrapped by the error for an old file that is not the one the patch
	// applies to (other size, or same size and other SHA-256).
	ErrWrongInput = errors.New("wrong input file for the patch")
)

// CorruptError is the error for a patch that cannot be applied to anything. It wraps ErrCorrupt.
type CorruptError struct {
	Reason string
}

func (e *CorruptError) Error() string { return e.Reason }

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

func corrupt(reason string) error { return &CorruptError{Reason: reason} }

// WrongInputError is the error for an old file that is not the file the patch applies to.
// It wraps ErrWrongInput.
type WrongInputError struct {
	WantSize   int64
	WantSHA256 [32]byte
	GotSize    int64
	// GotSHA256 is the given file's SHA-256 when its size is right (it is not computed
	// otherwise: SameSize is false and this is all zeros).
	GotSHA256 [32]byte
	SameSize  bool
}

func (e *WrongInputError) Error() string {
	if !e.SameSize {
		return fmt.Sprintf("this patch applies to a file of %d bytes (SHA-256 %x); the file given has %d", e.WantSize, e.WantSHA256, e.GotSize)
	}
	return fmt.Sprintf("this patch applies to the file with SHA-256 %x; the file given has %x (same size, other bytes)", e.WantSHA256, e.GotSHA256)
}

// Unwrap returns ErrWrongInput.
func (e *WrongInputError) Unwrap() error { return ErrWrongInput }

// Apply returns the new file that patch makes from old. It checks, in this order: the patch is
// whole (Info), old has the size and then the SHA-256 the patch names, the body decodes within
// bounds and to its last byte, and the result has the new file's SHA-256. Any failure is an
// error wrapping ErrCorrupt or ErrWrongInput, and no bytes are returned.
func Apply(old, patch []byte) ([]byte, error) {
	h, err := Info(patch)
	if err != nil {
		return nil, err
	}
	return applyChecked(old, patch, h)
}

// applyChecked is Apply after Info.
func applyChecked(old, patch []byte, h Header) ([]byte, error) {
	if int64(len(old)) != h.OldSize {
		return nil, &WrongInputError{WantSize: h.OldSize, WantSHA256: h.OldSHA256, GotSize: int64(len(old))}
	}
	// The old file's hash is checked before the body is decoded; for a large file it is
	// computed while the decoder sets up (a pass over the file too), for a small one first.
	oldHash := func() error {
		if got := sha256.Sum256(old); got != h.OldSHA256 {
			return &WrongInputError{WantSize: h.OldSize, WantSHA256: h.OldSHA256, GotSize: int64(len(old)), GotSHA256: got, SameSize: true}
		}
		return nil
	}
	if len(old) < 1<<20 {
		if err := oldHash(); err != nil {
			return nil, err
		}
		oldHash = nil
	}
	neu, err := decodeBodyAfter(old, patch[HeaderSize:HeaderSize+int(h.BodySize)], int(h.NewSize), oldHash)
	if err != nil {
		return nil, err
	}
	if got := sha256.Sum256(neu); got != h.NewSHA256 {
		return nil, corrupt(fmt.Sprintf("the patch made a file with SHA-256 %x, not the %x it promises", got, h.NewSHA256))
	}
	return neu, nil
}
