package update

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
)

// releases.json and its signature, as docs/feed-format.md defines them.

// Index is releases.json. Keys this client does not know are ignored.
type Index struct {
	SchemaVersion int       `json:"schemaVersion"`
	Project       string    `json:"project"`
	Latest        string    `json:"latest"`
	Releases      []Release `json:"releases"`
}

// Release is one version of the feed.
type Release struct {
	Version string  `json:"version"`
	Date    string  `json:"date"`
	Files   []File  `json:"files"`
	Patches []Patch `json:"patches"`
}

// File is one file of a release: Path is relative to the feed's URL.
type File struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Patch turns the file OldSHA256 names into the one NewSHA256 names (go/patch's format).
type Patch struct {
	Path      string `json:"path"`
	From      string `json:"from"`
	To        string `json:"to"`
	Kind      string `json:"kind"`
	Target    string `json:"target"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	OldPath   string `json:"oldPath"`
	OldSize   int64  `json:"oldSize"`
	OldSHA256 string `json:"oldSha256"`
	NewPath   string `json:"newPath"`
	NewSize   int64  `json:"newSize"`
	NewSHA256 string `json:"newSha256"`
}

// SchemaVersion is the releases.json schema this client reads.
const SchemaVersion = 1

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// verifyIndex checks sig (the bytes of releases.json.sig) over index before anything reads it.
func verifyIndex(index, sig []byte, key ed25519.PublicKey) error {
	line := bytes.TrimSuffix(bytes.TrimSuffix(sig, []byte("\n")), []byte("\r"))
	raw, err := base64.StdEncoding.Strict().DecodeString(string(line))
	if err != nil || len(raw) != ed25519.SignatureSize {
		return fmt.Errorf("%w: releases.json.sig is not the base64 of a %d-byte Ed25519 signature", ErrSignature, ed25519.SignatureSize)
	}
	if !ed25519.Verify(key, index, raw) {
		return fmt.Errorf("%w: releases.json does not match releases.json.sig under this program's feed key (the feed was changed by someone without the key, is signed with another key, or is being published: try again later)", ErrSignature)
	}
	return nil
}

// parseIndex reads a verified releases.json.
func parseIndex(data []byte) (*Index, error) {
	var index Index
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("%w: releases.json is signed but not valid JSON: %v", ErrFeed, err)
	}
	if index.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: releases.json has schemaVersion %d and this program reads %d: download the new version by hand", ErrFeed, index.SchemaVersion, SchemaVersion)
	}
	return &index, nil
}
