package patch_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/winship/winship/go/patch"
)

// update makes exe+".new" from the running exe and a downloaded patch, then swaps it in
// (the README's example).
func update(patchPath string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	err = patch.ApplyFile(exe, patchPath, exe+".new")
	switch {
	case errors.Is(err, patch.ErrWrongInput):
		return fmt.Errorf("this patch is for another version; download the full release: %w", err)
	case errors.Is(err, patch.ErrCorrupt):
		return fmt.Errorf("the download is damaged; fetch it again: %w", err)
	case err != nil:
		return err // reading or writing a file
	}
	// Windows will not replace a running exe but lets it be renamed.
	os.Remove(exe + ".old")
	if err := os.Rename(exe, exe+".old"); err != nil {
		return err
	}
	if err := os.Rename(exe+".new", exe); err != nil {
		os.Rename(exe+".old", exe) // put the old one back
		return err
	}
	return nil // restart; remove exe+".old" on the next start
}

// A program updates itself from a downloaded patch.
func Example_selfUpdate() {
	if err := update("app_1.0.0_to_1.1.0_amd64.wsp"); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

func ExampleInfo() {
	p, err := os.ReadFile("testdata/program.wsp")
	if err != nil {
		panic(err)
	}
	h, err := patch.Info(p)
	if err != nil {
		panic(err)
	}
	fmt.Println(h.AlgorithmName, h.OldSize, "->", h.NewSize, "bytes")
	// Output: match-mix 40960 -> 40960 bytes
}
