package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The client against feeds served by httptest: the path it picks, what it downloads, and
// that every kind of tampering is refused with the installed exe left as it was.

const target = "windows/amd64"

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func hexSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// testFeed is a feed in memory: its releases, the bytes it serves, what was asked of it.
type testFeed struct {
	t       *testing.T
	key     ed25519.PrivateKey
	index   Index
	files   map[string][]byte
	mu      sync.Mutex
	served  []string
	srv     *httptest.Server
	rawBody map[string][]byte // served instead of files[path], after signing (tampering)
	chunked map[string]bool   // served without Content-Length
}

func newFeed(t *testing.T) *testFeed {
	f := &testFeed{t: t, key: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)), files: map[string][]byte{}, rawBody: map[string][]byte{}, chunked: map[string]bool{}}
	f.index = Index{SchemaVersion: 1, Project: "hello"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *testFeed) serve(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/feed/")
	f.mu.Lock()
	f.served = append(f.served, p)
	f.mu.Unlock()
	data, ok := f.rawBody[p]
	if !ok {
		data, ok = f.files[p]
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if f.chunked[p] {
		w.Write(data[:1])
		w.(http.Flusher).Flush()
		w.Write(data[1:])
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Write(data)
}

func exePath(version string) string { return version + "/hello_windows_amd64/hello.exe" }

// release adds version (newest first, as publish writes them) with an exe of these bytes.
func (f *testFeed) release(version string, exe []byte) {
	f.files[exePath(version)] = exe
	r := Release{Version: version, Date: "2026-11-30T12:00:00Z", Files: []File{{Path: exePath(version), Kind: "binary", Target: target, Size: int64(len(exe)), SHA256: hexSHA(exe)}}}
	f.index.Releases = append([]Release{r}, f.index.Releases...)
	f.index.Latest = f.index.Releases[0].Version
}

// patch adds a patch from one release's exe to another's, to the release it makes.
func (f *testFeed) patch(from, to string, data []byte) string {
	p := fmt.Sprintf("patches/hello_%s_to_%s_windows_amd64.exe.patch", from, to)
	f.files[p] = data
	old, neu := f.files[exePath(from)], f.files[exePath(to)]
	for i := range f.index.Releases {
		if f.index.Releases[i].Version == to {
			f.index.Releases[i].Patches = append(f.index.Releases[i].Patches, Patch{
				Path: p, From: from, To: to, Kind: "binary", Target: target, Size: int64(len(data)), SHA256: hexSHA(data),
				OldPath: exePath(from), OldSize: int64(len(old)), OldSHA256: hexSHA(old), NewPath: exePath(to), NewSize: int64(len(neu)), NewSHA256: hexSHA(neu),
			})
		}
	}
	return p
}

// sign writes releases.json and its signature, as publish does.
func (f *testFeed) sign() {
	data, err := json.MarshalIndent(f.index, "", "  ")
	if err != nil {
		f.t.Fatal(err)
	}
	data = append(data, '\n')
	f.files["releases.json"] = data
	f.files["releases.json.sig"] = []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(f.key, data)) + "\n")
}

func (f *testFeed) downloads() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.served {
		if !strings.HasPrefix(p, "releases.json") {
			out = append(out, p)
		}
	}
	return out
}

// install writes exe into a fresh folder and returns a Config for it at version.
func (f *testFeed) install(exe []byte, version string) Config {
	dir := f.t.TempDir()
	path := filepath.Join(dir, "hello.exe")
	if err := os.WriteFile(path, exe, 0o755); err != nil {
		f.t.Fatal(err)
	}
	return Config{FeedURL: f.srv.URL + "/feed", PublicKey: f.key.Public().(ed25519.PublicKey), CurrentVersion: version, Target: target, Executable: path}
}

// noSelfTest: the "exes" of these tests are data; the self-test has tests of its own below.
func noSelfTest(t *testing.T) {
	saved := selfTest
	selfTest = func(context.Context, string, string, time.Duration) error { return nil }
	t.Cleanup(func() { selfTest = saved })
}

// update runs Check then Apply, as a program does.
func update(t *testing.T, cfg Config) (*Available, error) {
	t.Helper()
	avail, err := Check(context.Background(), cfg)
	if err != nil || avail == nil {
		return avail, err
	}
	return avail, avail.Apply(context.Background())
}

func assertExe(t *testing.T, cfg Config, want []byte) {
	t.Helper()
	got, err := os.ReadFile(cfg.Executable)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the exe has SHA-256 %s, want %s", hexSHA(got), hexSHA(want))
	}
}

// assertOnlyExe: nothing left beside the exe (no .new, .old, .failed).
func assertOnlyExe(t *testing.T, cfg Config) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Dir(cfg.Executable))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "hello.exe" {
		t.Fatalf("files beside the exe: %v", names)
	}
}

// threeVersions: 1.0.0, 1.1.0, 1.2.0 with patches 1.0.0→1.1.0 and 1.1.0→1.2.0.
func threeVersions(t *testing.T) *testFeed {
	f := newFeed(t)
	f.release("1.0.0", testdata(t, "v1.bin"))
	f.release("1.1.0", testdata(t, "v2.bin"))
	f.release("1.2.0", testdata(t, "v3.bin"))
	f.patch("1.0.0", "1.1.0", testdata(t, "v1-v2.wsp"))
	f.patch("1.1.0", "1.2.0", testdata(t, "v2-v3.wsp"))
	return f
}

func TestUpdatesThroughAPatchChain(t *testing.T) {
	noSelfTest(t)
	f := threeVersions(t)
	f.sign()
	cfg := f.install(testdata(t, "v1.bin"), "1.0.0")
	avail, err := update(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if avail.Version != "1.2.0" || len(avail.Patches) != 2 || avail.DownloadSize != int64(len(testdata(t, "v1-v2.wsp"))+len(testdata(t, "v2-v3.wsp"))) {
		t.Fatalf("got %s with %d patches, %d bytes", avail.Version, len(avail.Patches), avail.DownloadSize)
	}
	assertExe(t, cfg, testdata(t, "v3.bin"))
	want := "patches/hello_1.0.0_to_1.1.0_windows_amd64.exe.patch,patches/hello_1.1.0_to_1.2.0_windows_amd64.exe.patch"
	if got := strings.Join(f.downloads(), ","); got != want {
		t.Fatalf("downloaded %s, want %s", got, want)
	}
	assertOnlyExe(t, cfg)
}

func TestTakesTheSmallerDirectPatch(t *testing.T) {
	noSelfTest(t)
	f := threeVersions(t)
	direct := f.patch("1.0.0", "1.2.0", testdata(t, "v1-v3.wsp"))
	f.sign()
	cfg := f.install(testdata(t, "v1.bin"), "1.0.0")
	avail, err := update(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(avail.Patches) != 1 || avail.Patches[0].Path != direct {
		t.Fatalf("patches %+v, want only %s (%d bytes against %d for the chain)", avail.Patches, direct, len(testdata(t, "v1-v3.wsp")), 2*len(testdata(t, "v1-v2.wsp")))
	}
	assertExe(t, cfg, testdata(t, "v3.bin"))
}

func TestStartsTheChainFromTheExeItHas(t *testing.T) {
	noSelfTest(t)
	f := threeVersions(t)
	f.sign()
	// CurrentVersion says 1.0.0 but the exe is 1.1.0's: the chain starts from its bytes.
	cfg := f.install(testdata(t, "v2.bin"), "1.0.0")
	avail, err := update(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.downloads(), ","); got != "patches/hello_1.1.0_to_1.2.0_windows_amd64.exe.patch" || len(avail.Patches) != 1 {
		t.Fatalf("downloaded %s", got)
	}
	assertExe(t, cfg, testdata(t, "v3.bin"))
}

func TestDownloadsTheFullFileWhenNoChainOrASmallerOne(t *testing.T) {
	noSelfTest(t)
	// An exe no patch starts from.
	f := threeVersions(t)
	f.sign()
	cfg := f.install([]byte("a build of my own"), "1.0.0")
	avail, err := update(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if avail.Patches != nil || avail.DownloadSize != int64(len(testdata(t, "v3.bin"))) || strings.Join(f.downloads(), ",") != exePath("1.2.0") {
		t.Fatalf("got %+v, downloads %v", avail.Patches, f.downloads())
	}
	assertExe(t, cfg, testdata(t, "v3.bin"))

	// A patch larger than the file it makes.
	g := newFeed(t)
	g.release("1.0.0", testdata(t, "tiny1.bin"))
	g.release("1.0.1", testdata(t, "tiny2.bin"))
	g.patch("1.0.0", "1.0.1", testdata(t, "tiny1-tiny2.wsp"))
	g.sign()
	cfg = g.install(testdata(t, "tiny1.bin"), "1.0.0")
	if avail, err = update(t, cfg); err != nil {
		t.Fatal(err)
	}
	if avail.Patches != nil || strings.Join(g.downloads(), ",") != exePath("1.0.1") {
		t.Fatalf("took the patch (%d bytes) over the file (%d bytes)", len(testdata(t, "tiny1-tiny2.wsp")), len(testdata(t, "tiny2.bin")))
	}
	assertExe(t, cfg, testdata(t, "tiny2.bin"))
}

func TestNothingWhenUpToDate(t *testing.T) {
	f := threeVersions(t)
	f.sign()
	for _, c := range []struct{ exe, version string }{{"v3.bin", "1.2.0"}, {"v2.bin", "1.3.0"}, {"v3.bin", "1.1.0"}} {
		avail, err := Check(context.Background(), f.install(testdata(t, c.exe), c.version))
		if err != nil || avail != nil {
			t.Fatalf("%s at %s: %+v, %v", c.exe, c.version, avail, err)
		}
	}
	if len(f.downloads()) != 0 {
		t.Fatalf("downloaded %v", f.downloads())
	}
}

func TestPicksTheNewestVersionForItsOwnTarget(t *testing.T) {
	noSelfTest(t)
	f := threeVersions(t)
	// 2.0.0 has an arm64 exe only; 1.10.0 is listed after 1.2.0 but is newer than it.
	f.index.Releases = append([]Release{{Version: "2.0.0", Files: []File{{Path: "2.0.0/hello_windows_arm64/hello.exe", Kind: "binary", Target: "windows/arm64", Size: 5, SHA256: hexSHA([]byte("arm64"))}}}}, f.index.Releases...)
	v4 := append(testdata(t, "v3.bin"), "1.10.0"...)
	f.files[exePath("1.10.0")] = v4
	f.index.Releases = append(f.index.Releases, Release{Version: "1.10.0", Files: []File{{Path: exePath("1.10.0"), Kind: "binary", Target: target, Size: int64(len(v4)), SHA256: hexSHA(v4)}, {Path: "1.10.0/hello_1.10.0_x64.msi", Kind: "msi", Target: target, Size: 1, SHA256: hexSHA([]byte("m"))}}})
	f.sign()
	cfg := f.install(testdata(t, "v1.bin"), "1.0.0")
	avail, err := update(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if avail.Version != "1.10.0" {
		t.Fatalf("picked %s", avail.Version)
	}
	assertExe(t, cfg, v4)
}

// refused runs an update that must fail with want, leaving the v1 exe alone and nothing beside it.
func refused(t *testing.T, f *testFeed, want error, message string) {
	t.Helper()
	cfg := f.install(testdata(t, "v1.bin"), "1.0.0")
	_, err := update(t, cfg)
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), message) {
		t.Fatalf("the message %q does not say %q", err, message)
	}
	assertExe(t, cfg, testdata(t, "v1.bin"))
	assertOnlyExe(t, cfg)
}

func TestRefusesAnIndexItsSignatureDoesNotSign(t *testing.T) {
	noSelfTest(t)
	f := threeVersions(t)
	f.sign()
	// One byte of the index changed after signing (a sha256 swapped for an attacker's).
	tampered := bytes.Replace(f.files["releases.json"], []byte(hexSHA(testdata(t, "v3.bin"))), []byte(hexSHA([]byte("evil"))), 1)
	f.rawBody["releases.json"] = tampered
	f.files[exePath("1.2.0")] = []byte("evil")
	refused(t, f, ErrSignature, "releases.json does not match releases.json.sig under this program's feed key")
	if len(f.downloads()) != 0 {
		t.Fatalf("downloaded %v after a bad signature", f.downloads())
	}
}

func TestRefusesAnotherKeysSignatureAndABrokenOne(t *testing.T) {
	noSelfTest(t)
	for name, sig := range map[string][]byte{
		"another key": []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32)), nil)) + "\n"),
		"not base64":  []byte("not a signature\n"),
		"too short":   []byte(base64.StdEncoding.EncodeToString([]byte("short")) + "\n"),
		"empty":       {},
	} {
		t.Run(name, func(t *testing.T) {
			f := threeVersions(t)
			f.sign()
			if name == "another key" {
				f.rawBody["releases.json.sig"] = []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32)), f.files["releases.json"])) + "\n")
			} else {
				f.rawBody["releases.json.sig"] = sig
			}
			refused(t, f, ErrSignature, "releases.json")
		})
	}
	f := threeVersions(t)
	f.sign()
	delete(f.files, "releases.json.sig")
	refused(t, f, ErrSignature, "releases.json.sig: the server answered 404 Not Found")
}

func TestRefusesATamperedPatch(t *testing.T) {
	noSelfTest(t)
	f := threeVersions(t)
	f.sign()
	p := "patches/hello_1.1.0_to_1.2.0_windows_amd64.exe.patch"
	bad := append([]byte(nil), f.files[p]...)
	bad[len(bad)/2] ^= 1
	f.rawBody[p] = bad
	refused(t, f, ErrDownload, "hello_1.1.0_to_1.2.0_windows_amd64.exe.patch has SHA-256 "+hexSHA(bad)+" and the signed index says")
}

func TestRefusesATamperedOrResizedFullFile(t *testing.T) {
	noSelfTest(t)
	cases := map[string]struct {
		body    func([]byte) []byte
		chunked bool
		message string
	}{
		"a byte changed":         {func(b []byte) []byte { c := append([]byte(nil), b...); c[100] ^= 1; return c }, false, "and the signed index says " + hexSHA(testdata(t, "v3.bin"))},
		"longer, with a length":  {func(b []byte) []byte { return append(append([]byte(nil), b...), 'x') }, false, "is 40015 bytes and the signed index says 40014"},
		"longer, without length": {func(b []byte) []byte { return append(append([]byte(nil), b...), bytes.Repeat([]byte("x"), 1<<20)...) }, true, "got more than that bytes and the signed index says 40014"},
		"shorter":                {func(b []byte) []byte { return b[:1000] }, true, "got 1000 bytes and the signed index says 40014"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFeed(t)
			f.release("1.0.0", testdata(t, "v1.bin"))
			f.release("1.2.0", testdata(t, "v3.bin"))
			f.sign()
			f.rawBody[exePath("1.2.0")] = c.body(testdata(t, "v3.bin"))
			f.chunked[exePath("1.2.0")] = c.chunked
			refused(t, f, ErrDownload, c.message)
		})
	}
}

func TestRefusesAPathOutOfTheFeedAndOtherSchemas(t *testing.T) {
	noSelfTest(t)
	f := newFeed(t)
	f.release("1.0.0", testdata(t, "v1.bin"))
	f.release("1.2.0", testdata(t, "v3.bin"))
	f.index.Releases[0].Files[0].Path = "../elsewhere/hello.exe"
	f.sign()
	refused(t, f, ErrFeed, `the path "../elsewhere/hello.exe" is not relative to the feed`)

	g := threeVersions(t)
	g.index.SchemaVersion = 2
	g.sign()
	refused(t, g, ErrFeed, "releases.json has schemaVersion 2 and this program reads 1")
}

func TestConfigErrorsSayWhatIsWrong(t *testing.T) {
	key := make(ed25519.PublicKey, 32)
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{FeedURL: "ftp://x/", PublicKey: key, CurrentVersion: "1.0.0"}, `Config.FeedURL "ftp://x/" is not an http(s) URL`},
		{Config{FeedURL: "https://x/", CurrentVersion: "1.0.0"}, "Config.PublicKey has 0 bytes; an Ed25519 public key has 32"},
		{Config{FeedURL: "https://x/", PublicKey: key, CurrentVersion: "dev"}, `the current version "dev" is not a semantic version`},
	} {
		if _, err := Check(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if _, err := ParsePublicKey("abc"); err == nil {
		t.Error("ParsePublicKey took abc")
	}
	if k, err := ParsePublicKey(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil || !bytes.Equal(k, key) {
		t.Errorf("ParsePublicKey: %v", err)
	}
}

func TestCheapestChain(t *testing.T) {
	p := func(from, to string, size int64) Patch {
		return Patch{Path: from + "-" + to, OldSHA256: from, NewSHA256: to, Size: size}
	}
	patches := []Patch{p("a", "b", 10), p("b", "c", 10), p("a", "c", 25), p("c", "d", 1), p("a", "d", 30), p("x", "d", 1), p("d", "a", 1)}
	for _, c := range []struct {
		from, to string
		want     string
		total    int64
		ok       bool
	}{
		{"a", "c", "a-b,b-c", 20, true},
		{"a", "d", "a-b,b-c,c-d", 21, true},
		{"b", "a", "b-c,c-d,d-a", 12, true},
		{"c", "b", "c-d,d-a,a-b", 12, true},
		{"q", "d", "", 0, false},
		{"a", "x", "", 0, false},
	} {
		chain, total, ok := cheapestChain(patches, c.from, c.to)
		if got := pathsKey(chain); strings.ReplaceAll(got, "\x00", ",") != c.want || total != c.total || ok != c.ok {
			t.Errorf("%s→%s: %q %d %v", c.from, c.to, got, total, ok)
		}
	}
	// Equal sizes: fewer patches.
	chain, _, _ := cheapestChain([]Patch{p("a", "b", 5), p("b", "c", 5), p("a", "c", 10)}, "a", "c")
	if len(chain) != 1 {
		t.Errorf("took %d patches for the same bytes", len(chain))
	}
}

func TestSemverOrder(t *testing.T) {
	order := []string{"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.0.1", "1.2.0", "1.10.0", "2.0.0+build.5"}
	for i := range order {
		for j := range order {
			a, okA := parseSemver(order[i])
			b, okB := parseSemver(order[j])
			want := compareUint(uint64(i), uint64(j))
			if !okA || !okB || a.compare(b) != want {
				t.Errorf("%s vs %s: %d, want %d", order[i], order[j], a.compare(b), want)
			}
		}
	}
	for _, bad := range []string{"1.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-a..b", "dev", ""} {
		if _, ok := parseSemver(bad); ok {
			t.Errorf("took %q", bad)
		}
	}
}
