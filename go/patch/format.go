package patch

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
)

// The container (docs/patch-format.md, "Container"; src/delta/format.ts is the reference): a
// fixed header that says which file the patch applies to and what it makes, the coded body, and
// a CRC-32 (IEEE) of everything before it. The CRC only tells damage from a wrong input early;
// what guarantees the result is the new file's SHA-256, checked after decoding.

const (
	// FormatVersion is the one container version this package reads.
	FormatVersion = 1
	// HeaderSize is the size of the fixed header; the body follows it.
	HeaderSize = 104
	// TrailerSize is the size of the CRC-32 after the body.
	TrailerSize = 4
	// MaxFileSize is the largest old or new file a patch can name (2 GiB − 1).
	MaxFileSize = 1<<31 - 1
)

// magic is "\x89WSP\r\n\x1a\n".
var magic = [8]byte{0x89, 0x57, 0x53, 0x50, 0x0d, 0x0a, 0x1a, 0x0a}

// algorithms are the body codings this package decodes, by id.
var algorithms = map[int]string{
	1: "match-mix",
}

// Header is what a patch says about itself: the file it applies to and the file it makes.
type Header struct {
	FormatVersion int
	Algorithm     int    // 1
	AlgorithmName string // "match-mix"
	OldSize       int64
	NewSize       int64
	OldSHA256     [32]byte
	NewSHA256     [32]byte
	BodySize      int64
}

// OldSHA256Hex is the old file's SHA-256 in lower-case hex.
func (h Header) OldSHA256Hex() string { return hex.EncodeToString(h.OldSHA256[:]) }

// NewSHA256Hex is the new file's SHA-256 in lower-case hex.
func (h Header) NewSHA256Hex() string { return hex.EncodeToString(h.NewSHA256[:]) }

// Info reads and checks the header of patch: it is one whole, undamaged patch (magic, version,
// algorithm, flags, sizes, length and CRC-32), of a version and algorithm this package knows.
// Errors wrap ErrCorrupt.
func Info(patch []byte) (Header, error) {
	if len(patch) < len(magic) || !bytes.Equal(patch[:len(magic)], magic[:]) {
		return Header{}, corrupt(`not a winship patch (its first bytes are not the patch magic "\x89WSP\r\n\x1a\n")`)
	}
	if len(patch) < HeaderSize+TrailerSize {
		return Header{}, corrupt(fmt.Sprintf("the patch is truncated: %d bytes, less than a header and trailer", len(patch)))
	}
	le := binary.LittleEndian
	version := int(le.Uint16(patch[8:]))
	if version != FormatVersion {
		return Header{}, corrupt(fmt.Sprintf("patch format version %d; this winship reads version %d", version, FormatVersion))
	}
	algorithm := int(le.Uint16(patch[10:]))
	name, ok := algorithms[algorithm]
	if !ok {
		return Header{}, corrupt(fmt.Sprintf("patch algorithm %d is unknown to this winship (known: 1)", algorithm))
	}
	if flags := le.Uint32(patch[12:]); flags != 0 {
		return Header{}, corrupt(fmt.Sprintf("patch flags 0x%x: none are defined in format version %d", flags, FormatVersion))
	}
	oldSize := le.Uint64(patch[16:])
	newSize := le.Uint64(patch[24:])
	bodySize := le.Uint64(patch[96:])
	if oldSize > MaxFileSize || newSize > MaxFileSize {
		biggest := oldSize
		if newSize > biggest {
			biggest = newSize
		}
		return Header{}, corrupt(fmt.Sprintf("the patch names a file of %d bytes; the limit is %d", biggest, MaxFileSize))
	}
	// The length is HeaderSize + bodySize + TrailerSize; bodySize is any 64-bit value here, so
	// compare without adding to it.
	have := uint64(len(patch)) - HeaderSize - TrailerSize
	if bodySize != have {
		if bodySize > have {
			if bodySize > 1<<62 {
				return Header{}, corrupt(fmt.Sprintf("the patch is truncated: %d bytes, but its header gives a body of %d bytes", len(patch), bodySize))
			}
			return Header{}, corrupt(fmt.Sprintf("the patch is truncated: %d bytes of %d", len(patch), bodySize+HeaderSize+TrailerSize))
		}
		return Header{}, corrupt(fmt.Sprintf("the patch has %d bytes after its end", have-bodySize))
	}
	end := HeaderSize + int(bodySize)
	if crc32.ChecksumIEEE(patch[:end]) != le.Uint32(patch[end:]) {
		return Header{}, corrupt("the patch is damaged: its CRC-32 trailer does not match its contents")
	}
	h := Header{
		FormatVersion: version,
		Algorithm:     algorithm,
		AlgorithmName: name,
		OldSize:       int64(oldSize),
		NewSize:       int64(newSize),
		BodySize:      int64(bodySize),
	}
	copy(h.OldSHA256[:], patch[32:64])
	copy(h.NewSHA256[:], patch[64:96])
	return h, nil
}
