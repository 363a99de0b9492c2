// hello is the example project for winship: a tiny CLI whose version, commit and build date are
// set at link time by `release build`, and which updates itself from a winship feed
// (`hello update`) when the build names one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"github.com/winship/winship/go/update"
)

var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
	// The update feed, set at link time like the version (see README.md):
	//   -X main.feedURL=https://downloads.example.com/hello/ -X main.feedKey=<base64 public key>
	// The key is what `release feed keygen` prints; releases.json must be signed with its
	// private half. Empty: this build does not update.
	feedURL = ""
	feedKey = ""
)

func main() {
	update.HandleSelfTest(version) // an update checking that this exe starts: answer and exit
	update.CleanUp()               // the exe an earlier update replaced, now that it no longer runs

	showVersion := flag.Bool("version", false, "print version information and exit")
	flag.Parse()
	if *showVersion {
		fmt.Printf("hello %s (commit %s, built %s, %s/%s)\n", version, commit, date, runtime.GOOS, runtime.GOARCH)
		return
	}
	if flag.NArg() == 1 && flag.Arg(0) == "update" {
		os.Exit(selfUpdate())
	}
	name := "world"
	if flag.NArg() > 0 {
		name = flag.Arg(0)
	}
	fmt.Fprintf(os.Stdout, "Hello, %s! This is hello %s.\n", name, version)
}

// selfUpdate is `hello update`: the newest version from the feed, or why not.
func selfUpdate() int {
	if feedURL == "" || feedKey == "" {
		fmt.Fprintln(os.Stderr, "hello update: this build has no update feed configured (build it with -ldflags \"-X main.feedURL=URL -X main.feedKey=KEY\"; see README.md)")
		return 2
	}
	key, err := update.ParsePublicKey(feedKey)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hello update: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	avail, err := update.Check(ctx, update.Config{FeedURL: feedURL, PublicKey: key, CurrentVersion: version})
	if err != nil {
		fmt.Fprintf(os.Stderr, "hello update: %v\n", err)
		return 1
	}
	if avail == nil {
		fmt.Printf("hello %s is up to date\n", version)
		return 0
	}
	how := "the full file"
	if n := len(avail.Patches); n > 0 {
		how = fmt.Sprintf("%d patch%s", n, map[bool]string{true: "", false: "es"}[n == 1])
	}
	fmt.Printf("updating hello %s to %s: %d bytes to download (%s)\n", version, avail.Version, avail.DownloadSize, how)
	if err := avail.Apply(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "hello update: %v\n", err)
		return 1
	}
	fmt.Printf("updated to hello %s: it runs from the next start\n", avail.Version)
	return 0
}
