// hello is the example project for winship: a tiny std-lib-only CLI whose version, commit
// and build date are set at link time by `release build`.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
)

var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	showVersion := flag.Bool("version", false, "print version information and exit")
	flag.Parse()
	if *showVersion {
		fmt.Printf("hello %s (commit %s, built %s, %s/%s)\n", version, commit, date, runtime.GOOS, runtime.GOARCH)
		return
	}
	name := "world"
	if flag.NArg() > 0 {
		name = flag.Arg(0)
	}
	fmt.Fprintf(os.Stdout, "Hello, %s! This is hello %s.\n", name, version)
}
