package update

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/winship/winship/go/patch"
)

// Apply downloads the new version (the patch chain, else the full file), verifies it, and
// replaces the installed exe: the running exe is renamed aside to <exe>.old (Windows lets a
// running exe be renamed, not overwritten), the new one moved in, and then run with the
// self-test (HandleSelfTest); if it does not answer, the old exe is moved back. On any error
// the installed exe is the one that was there. The running program keeps running the old
// code: restart it to run the new version. CleanUp, at the next start, removes <exe>.old.
func (a *Available) Apply(ctx context.Context) error {
	exe := a.cfg.Executable
	kept := fmt.Sprintf("; %s (version %s) is unchanged", exe, a.cfg.CurrentVersion)
	installed, err := os.ReadFile(exe)
	if err != nil {
		return fmt.Errorf("update: cannot read the installed exe: %w%s", err, kept)
	}
	if sum := sha256.Sum256(installed); hex.EncodeToString(sum[:]) != a.installed {
		return fmt.Errorf("update: %s changed since Check: check again%s", exe, kept)
	}
	f := &fetcher{client: a.cfg.HTTPClient, base: a.feed}
	var neu []byte
	if len(a.Patches) > 0 {
		neu, err = a.patched(ctx, f, installed)
	} else {
		var buf bytes.Buffer
		buf.Grow(int(a.File.Size))
		err = f.verified(ctx, a.File.Path, a.File.Size, a.File.SHA256, &buf)
		neu = buf.Bytes()
	}
	if err != nil {
		return fmt.Errorf("%w%s", err, kept)
	}
	if err := replace(ctx, exe, neu, a.Version, a.cfg.SelfTestTimeout); err != nil {
		return fmt.Errorf("%w%s", err, kept)
	}
	return nil
}

// patched applies the chain to the installed bytes; each patch is verified before it is
// applied, and go/patch checks every result against the size and SHA-256 it promises.
func (a *Available) patched(ctx context.Context, f *fetcher, cur []byte) ([]byte, error) {
	for _, p := range a.Patches {
		var buf bytes.Buffer
		if err := f.verified(ctx, p.Path, p.Size, p.SHA256, &buf); err != nil {
			return nil, err
		}
		next, err := patch.Apply(cur, buf.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrDownload, f.url(p.Path), err)
		}
		cur = next
	}
	if sum := sha256.Sum256(cur); hex.EncodeToString(sum[:]) != a.File.SHA256 || int64(len(cur)) != a.File.Size {
		return nil, fmt.Errorf("%w: the patches make a file other than %s", ErrDownload, a.File.Path)
	}
	return cur, nil
}

// Names beside the exe: the previous exe after an update, a new exe that failed its
// self-test, and the new exe while it is written.
func oldName(exe string) string    { return exe + ".old" }
func failedName(exe string) string { return exe + ".failed" }
func newName(exe string) string    { return exe + ".new" }

// replace puts neu in exe's place, self-tests it and rolls back when it fails.
func replace(ctx context.Context, exe string, neu []byte, version string, timeout time.Duration) error {
	mode := fs.FileMode(0o755)
	if info, err := os.Stat(exe); err == nil {
		mode = info.Mode().Perm()
	}
	staged := newName(exe)
	if err := writeSynced(staged, neu, mode); err != nil {
		os.Remove(staged)
		return fmt.Errorf("update: cannot write %s: %w%s", staged, err, permissionHint(err, exe))
	}
	old := oldName(exe)
	if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		os.Remove(staged)
		return fmt.Errorf("update: %s, left by the last update, cannot be removed (%v): close every running copy of %s and try again", old, err, filepath.Base(exe))
	}
	if err := os.Rename(exe, old); err != nil {
		os.Remove(staged)
		return fmt.Errorf("update: cannot move %s aside: %w%s", exe, err, permissionHint(err, exe))
	}
	if err := os.Rename(staged, exe); err != nil {
		os.Rename(old, exe)
		os.Remove(staged)
		return fmt.Errorf("update: cannot move the new exe in: %w", err)
	}
	if err := selfTest(ctx, exe, version, timeout); err != nil {
		// Back to the old exe: the failed one is moved away first (Windows cannot rename over
		// an existing file it just ran), then the old one returns to its name.
		os.Remove(failedName(exe))
		if rerr := os.Rename(exe, failedName(exe)); rerr != nil {
			return fmt.Errorf("%w: %v; and the old exe could not be put back (%v): it is %s", ErrSelfTest, err, rerr, old)
		}
		if rerr := os.Rename(old, exe); rerr != nil {
			return fmt.Errorf("%w: %v; and the old exe could not be put back (%v): it is %s", ErrSelfTest, err, rerr, old)
		}
		os.Remove(failedName(exe))
		return fmt.Errorf("%w: %v; the old exe was put back", ErrSelfTest, err)
	}
	os.Remove(old) // fails on Windows while the old exe runs (this process): CleanUp removes it later
	return nil
}

func permissionHint(err error, exe string) string {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf(" (%s is not writable by this user: run the update as its owner or administrator, or update through the installer)", filepath.Dir(exe))
	}
	return ""
}

func writeSynced(name string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CleanUp removes what an update left beside the running exe: the previous exe (in use until
// the program that updated exits), a new exe that failed its self-test, a half-written one.
// Call it at start, after HandleSelfTest. It returns the first error other than a missing file.
func CleanUp() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return cleanUp(exe)
}

func cleanUp(exe string) error {
	var first error
	for _, name := range []string{oldName(exe), failedName(exe), newName(exe)} {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
