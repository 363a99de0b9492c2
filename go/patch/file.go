package patch

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// ApplyFile applies the patch at patchPath to the file at oldPath and writes the result to
// outPath, atomically: the result is checked (Apply) before anything is written, then written
// to a temporary file in outPath's folder, flushed to disk (fsync), closed, and renamed over
// outPath. On any error the temporary file is removed and outPath is left as it was: it never
// holds a partial or wrong file.
//
// outPath may be oldPath (the old file is read whole first). The new file gets the permission
// bits of the file it replaces, or of the old file when outPath does not exist yet.
//
// On Windows, os.Rename replaces an existing file (MoveFileEx with MOVEFILE_REPLACE_EXISTING,
// since Go 1.5), but not a running program: to update the running exe, rename it aside first
// and then move the new one in (see the package README).
//
// Errors about the patch wrap ErrCorrupt and name patchPath; an old file that is not the one
// the patch is for gives an error wrapping ErrWrongInput that names oldPath; I/O errors are
// *fs.PathError.
func ApplyFile(oldPath, patchPath, outPath string) error {
	p, err := os.ReadFile(patchPath)
	if err != nil {
		return err
	}
	h, err := Info(p)
	if err != nil {
		return fmt.Errorf("%s: %w", patchPath, err)
	}
	// The size first, so that a wrong file is refused without reading it.
	st, err := os.Stat(oldPath)
	if err != nil {
		return err
	}
	if st.Mode().IsRegular() && st.Size() != h.OldSize {
		return fmt.Errorf("%s: %w", oldPath, &WrongInputError{WantSize: h.OldSize, WantSHA256: h.OldSHA256, GotSize: st.Size()})
	}
	old, err := os.ReadFile(oldPath)
	if err != nil {
		return err
	}
	neu, err := applyChecked(old, p, h)
	if err != nil {
		if _, wrong := err.(*WrongInputError); wrong {
			return fmt.Errorf("%s: %w", oldPath, err)
		}
		return fmt.Errorf("%s: %w", patchPath, err)
	}
	mode := st.Mode().Perm()
	if out, err := os.Stat(outPath); err == nil {
		mode = out.Mode().Perm()
	}
	return writeAtomic(outPath, neu, mode)
}

// writeAtomic writes data to path through a temporary file in the same folder and a rename.
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // a second Close only returns an error, ignored here
			os.Remove(tmp)
		}
	}()
	if runtime.GOOS != "windows" {
		// Windows has only the read-only bit, and the new file must stay writable.
		if err = f.Chmod(mode); err != nil {
			return err
		}
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir flushes a folder's entries (the rename) where the system allows opening a folder.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: some file systems refuse it, and the file itself is on disk
		d.Close()
	}
}
