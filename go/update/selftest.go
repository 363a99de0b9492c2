package update

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// The check that a new exe starts: the updater runs it with SelfTestEnv set to a random token,
// and the new program's HandleSelfTest, first thing in main, prints the token and its own
// version and exits. An exe that crashes, hangs, is not a program, does not call
// HandleSelfTest or reports another version fails, and the old exe is put back.

// SelfTestEnv is the environment variable that asks a program for its self-test answer.
const SelfTestEnv = "WINSHIP_UPDATE_SELFTEST"

var token = regexp.MustCompile(`^[0-9a-f]{32}$`)

// HandleSelfTest answers the updater's self-test and exits when the program was started for
// it; otherwise it returns at once. Call it first in main, with the program's version.
func HandleSelfTest(version string) {
	t := os.Getenv(SelfTestEnv)
	if t == "" {
		return
	}
	if !token.MatchString(t) {
		fmt.Fprintf(os.Stderr, "%s is set but is not an updater's token\n", SelfTestEnv)
		os.Exit(2)
	}
	fmt.Printf("winship-update-selftest %s %s\n", t, strings.TrimPrefix(version, "v"))
	os.Exit(0)
}

// selfTest is runSelfTest; the package's tests replace it where the "exe" is data, not a program.
var selfTest = runSelfTest

func runSelfTest(ctx context.Context, exe, version string, timeout time.Duration) error {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	t := hex.EncodeToString(raw)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), SelfTestEnv+"="+t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // a child it started may hold the output open after it is killed
	err := cmd.Run()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("it did not answer within %s", timeout)
	}
	if err != nil {
		return fmt.Errorf("running it failed: %v%s", err, shown(out.Bytes()))
	}
	want := fmt.Sprintf("winship-update-selftest %s %s", t, strings.TrimPrefix(version, "v"))
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.TrimRight(line, "\r") == want {
			return nil
		}
	}
	return fmt.Errorf("it did not answer as version %s (does its main call update.HandleSelfTest(version) first?)%s", version, shown(out.Bytes()))
}

func shown(out []byte) string {
	text := strings.TrimSpace(string(out))
	if len(text) > 400 {
		text = text[:400] + "…"
	}
	if text == "" {
		return ""
	}
	return ": " + text
}
