// Package update updates a Go program from a winship feed (docs/feed-format.md): it reads the
// feed's signed releases.json, picks the newest version for the program's own target,
// downloads the fewest bytes that make it (a chain of delta patches from the installed exe when
// that is smaller than the full file), verifies every byte against the signed index, replaces
// the running exe and checks the new one starts, putting the old one back if it does not.
//
//	func main() {
//		update.HandleSelfTest(version) // first: answers the check the updater runs on a new exe
//		update.CleanUp()               // removes what the last update left (the old exe)
//		...
//	}
//
//	avail, err := update.Check(ctx, update.Config{FeedURL: feedURL, PublicKey: key, CurrentVersion: version})
//	if err == nil && avail != nil {
//		err = avail.Apply(ctx)
//	}
package update

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Errors every refusal wraps (errors.Is); the installed exe is unchanged after each of them.
var (
	// ErrSignature: releases.json.sig is missing, malformed, or does not sign releases.json
	// with the program's key. Nothing of the index was read.
	ErrSignature = errors.New("the feed's signature does not verify")
	// ErrFeed: the signed index is not usable (another schema, no file for this target, a path
	// that leaves the feed).
	ErrFeed = errors.New("the feed cannot be used")
	// ErrDownload: a download is not the file the signed index describes (size or SHA-256), or
	// the server did not deliver it.
	ErrDownload = errors.New("a download is not what the feed promises")
	// ErrSelfTest: the new exe did not answer the self-test; the old one was put back.
	ErrSelfTest = errors.New("the new version did not start")
)

// Config says where the feed is and which program is updated.
type Config struct {
	// FeedURL is the feed's base URL (http or https), where releases.json is:
	// https://downloads.example.com/hello/.
	FeedURL string
	// PublicKey verifies releases.json.sig: the feed key's public half, compiled into the
	// program (`release feed keygen` prints it as base64; see ParsePublicKey).
	PublicKey ed25519.PublicKey
	// CurrentVersion is the running program's version (a semantic version, "v" allowed).
	CurrentVersion string
	// Target is the feed target to update to; default runtime.GOOS + "/" + runtime.GOARCH.
	Target string
	// Executable is the file to replace; default os.Executable().
	Executable string
	// Binary is the file name of the exe in the feed's releases (hello.exe); needed only when
	// a release has several binaries for the target and the exe was renamed. Default: the
	// release's one binary, else the one named like Executable.
	Binary string
	// HTTPClient makes the requests; default a client with a 15-minute timeout per request.
	HTTPClient *http.Client
	// SelfTestTimeout bounds the new exe's self-test; default 60 s.
	SelfTestTimeout time.Duration
}

// Available is a newer version found by Check, and how it would be downloaded.
type Available struct {
	// Version and Date of the newer release, as the feed states them.
	Version string
	Date    string
	// File is the new exe in the feed.
	File File
	// Patches is the chain of patches that makes File from the installed exe, or nil when the
	// full file is downloaded.
	Patches []Patch
	// DownloadSize is the bytes Apply downloads: the patches', or File.Size.
	DownloadSize int64

	cfg       Config
	feed      *url.URL
	installed string // SHA-256 of the installed exe when Check read it
}

// ParsePublicKey reads the base64 of a raw 32-byte Ed25519 public key (what `release feed
// keygen` prints), for a key compiled in as a string with -ldflags -X.
func ParsePublicKey(text string) (ed25519.PublicKey, error) {
	raw, err := base64Decode(strings.TrimSpace(text))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("the feed public key %q is not the base64 of a %d-byte Ed25519 key (release feed keygen prints one)", text, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

func (c Config) withDefaults() (Config, *url.URL, error) {
	base, err := url.Parse(c.FeedURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return c, nil, fmt.Errorf("update: Config.FeedURL %q is not an http(s) URL", c.FeedURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/" // the feed is a folder: releases.json is inside it, not beside it
	}
	base.RawQuery, base.Fragment = "", ""
	if len(c.PublicKey) != ed25519.PublicKeySize {
		return c, nil, fmt.Errorf("update: Config.PublicKey has %d bytes; an Ed25519 public key has %d (compile the feed's key into the program)", len(c.PublicKey), ed25519.PublicKeySize)
	}
	if _, ok := parseSemver(c.CurrentVersion); !ok {
		return c, nil, fmt.Errorf("update: the current version %q is not a semantic version (X.Y.Z); a development build does not update", c.CurrentVersion)
	}
	if c.Target == "" {
		c.Target = runtime.GOOS + "/" + runtime.GOARCH
	}
	if c.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return c, nil, fmt.Errorf("update: cannot find this program's exe: %w", err)
		}
		c.Executable = exe
	}
	if resolved, err := filepath.EvalSymlinks(c.Executable); err == nil {
		c.Executable = resolved // replace the file itself, not a link to it
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Minute}
	}
	if c.SelfTestTimeout <= 0 {
		c.SelfTestTimeout = 60 * time.Second
	}
	return c, base, nil
}

// Check reads the feed and returns the newest version for the program's target when it is
// newer than CurrentVersion (and not the installed exe already), or nil when there is none.
func Check(ctx context.Context, cfg Config) (*Available, error) {
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client := &fetcher{client: cfg.HTTPClient, base: base}
	index, err := client.bytes(ctx, "releases.json", maxIndexSize)
	if err != nil {
		return nil, err
	}
	sig, err := client.bytes(ctx, "releases.json.sig", maxSignatureSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if err := verifyIndex(index, sig, cfg.PublicKey); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, client.url("releases.json"))
	}
	feed, err := parseIndex(index)
	if err != nil {
		return nil, err
	}
	release, file, err := newestFor(feed, cfg)
	if err != nil || release == nil {
		return nil, err
	}
	current, _ := parseSemver(cfg.CurrentVersion)
	if v, _ := parseSemver(release.Version); v.compare(current) <= 0 {
		return nil, nil
	}
	installed, err := fileSHA256(cfg.Executable)
	if err != nil {
		return nil, fmt.Errorf("update: cannot read the installed exe: %w", err)
	}
	if installed == file.SHA256 {
		return nil, nil // already those bytes, whatever CurrentVersion says
	}
	avail := &Available{Version: release.Version, Date: release.Date, File: file, DownloadSize: file.Size, cfg: cfg, feed: base, installed: installed}
	var usable []Patch
	for _, r := range feed.Releases {
		for _, p := range r.Patches {
			if p.Kind == "binary" && p.Target == cfg.Target && p.Size > 0 && sha256Hex.MatchString(p.SHA256) && sha256Hex.MatchString(p.OldSHA256) && sha256Hex.MatchString(p.NewSHA256) {
				usable = append(usable, p)
			}
		}
	}
	if chain, total, ok := cheapestChain(usable, installed, file.SHA256); ok && len(chain) > 0 && total < file.Size {
		avail.Patches, avail.DownloadSize = chain, total
	}
	return avail, nil
}

// newestFor is the newest release (by semantic version) with a binary for cfg.Target, and that
// binary; nil when the feed has none.
func newestFor(feed *Index, cfg Config) (*Release, File, error) {
	var best *Release
	var bestFile File
	var bestVersion semver
	for i := range feed.Releases {
		r := &feed.Releases[i]
		v, ok := parseSemver(r.Version)
		if !ok {
			continue
		}
		file, found, err := binaryOf(r, cfg)
		if err != nil {
			return nil, File{}, err
		}
		if found && (best == nil || v.compare(bestVersion) > 0) {
			best, bestFile, bestVersion = r, file, v
		}
	}
	return best, bestFile, nil
}

func binaryOf(r *Release, cfg Config) (File, bool, error) {
	var candidates []File
	for _, f := range r.Files {
		if f.Kind == "binary" && f.Target == cfg.Target {
			candidates = append(candidates, f)
		}
	}
	want := cfg.Binary
	if want == "" && len(candidates) == 1 {
		return checkedFile(candidates[0], r.Version)
	}
	if want == "" {
		want = filepath.Base(cfg.Executable)
	}
	for _, f := range candidates {
		if strings.EqualFold(path.Base(f.Path), want) {
			return checkedFile(f, r.Version)
		}
	}
	if len(candidates) > 1 {
		return File{}, false, fmt.Errorf("%w: release %s has %d binaries for %s and none is named %s: set Config.Binary", ErrFeed, r.Version, len(candidates), cfg.Target, want)
	}
	return File{}, false, nil
}

func checkedFile(f File, version string) (File, bool, error) {
	if f.Size <= 0 || !sha256Hex.MatchString(f.SHA256) {
		return File{}, false, fmt.Errorf("%w: release %s: %s has no size or SHA-256", ErrFeed, version, f.Path)
	}
	return f, true, nil
}

func fileSHA256(name string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}
