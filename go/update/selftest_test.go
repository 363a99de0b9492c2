package update

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// The self-test and the rollback with real programs: copies of this test binary with a version
// appended (an exe runs with bytes after its end), whose TestMain answers HandleSelfTest with
// that version.

const versionMark = "\nwinship-update-test-version="

func TestMain(m *testing.M) {
	if os.Getenv(SelfTestEnv) != "" {
		exe, _ := os.Executable()
		data, _ := os.ReadFile(exe)
		version := "none"
		if i := bytes.LastIndex(data, []byte(versionMark)); i >= 0 {
			version = strings.TrimSpace(string(data[i+len(versionMark):]))
		}
		if version == "crash" {
			os.Exit(3)
		}
		if version == "hang" {
			time.Sleep(time.Hour)
		}
		HandleSelfTest(version)
	}
	os.Exit(m.Run())
}

// program is this test binary with version appended.
func program(t *testing.T, version string) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	return append(data, versionMark+version+"\n"...)
}

func selfTestFeed(t *testing.T, newExe []byte) (*testFeed, Config) {
	f := newFeed(t)
	f.release("1.0.0", program(t, "1.0.0"))
	f.release("1.2.0", newExe)
	f.sign()
	cfg := f.install(program(t, "1.0.0"), "1.0.0")
	cfg.SelfTestTimeout = 20 * time.Second
	return f, cfg
}

func TestSelfTestPassesAndCleanUpRemovesTheOldExe(t *testing.T) {
	v2 := program(t, "1.2.0")
	_, cfg := selfTestFeed(t, v2)
	if _, err := update(t, cfg); err != nil {
		t.Fatal(err)
	}
	assertExe(t, cfg, v2)
	// The old exe is gone already where it can be (not Windows, where this process runs it).
	os.WriteFile(oldName(cfg.Executable), []byte("left by an update"), 0o644)
	os.WriteFile(newName(cfg.Executable), []byte("half written"), 0o644)
	if err := cleanUp(cfg.Executable); err != nil {
		t.Fatal(err)
	}
	assertOnlyExe(t, cfg)
}

func TestRollsBackWhenTheNewExeDoesNotStart(t *testing.T) {
	for _, c := range []struct {
		name, message string
		exe           []byte
		timeout       time.Duration
	}{
		{"not a program", "running it failed", []byte("MZ but not really a program\n"), 0},
		{"exits with an error", "running it failed: exit status 3", program(t, "crash"), 0},
		{"another version", "it did not answer as version 1.2.0", program(t, "1.1.9"), 0},
		{"hangs", "it did not answer within 2s", program(t, "hang"), 2 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, cfg := selfTestFeed(t, c.exe)
			if c.timeout > 0 {
				cfg.SelfTestTimeout = c.timeout
			}
			_, err := update(t, cfg)
			if !errors.Is(err, ErrSelfTest) || !strings.Contains(err.Error(), c.message) || !strings.Contains(err.Error(), "the old exe was put back") {
				t.Fatalf("got %v", err)
			}
			if !strings.Contains(err.Error(), "(version 1.0.0) is unchanged") {
				t.Fatalf("the message does not say the installed version is kept: %v", err)
			}
			assertExe(t, cfg, program(t, "1.0.0"))
			assertOnlyExe(t, cfg)
		})
	}
}

func TestHandleSelfTestReturnsWhenNotAsked(t *testing.T) {
	HandleSelfTest("1.0.0") // SelfTestEnv is not set here: it must return
}
