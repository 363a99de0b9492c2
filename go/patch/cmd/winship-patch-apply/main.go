// Command winship-patch-apply applies a winship patch: winship-patch-apply OLD PATCH OUT.
// It writes OUT atomically (or not at all) and exits 0, or prints the error and exits 1.
package main

import (
	"fmt"
	"os"

	"github.com/winship/winship/go/patch"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: winship-patch-apply OLD PATCH OUT")
		os.Exit(1)
	}
	if err := patch.ApplyFile(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "winship-patch-apply:", err)
		os.Exit(1)
	}
}
