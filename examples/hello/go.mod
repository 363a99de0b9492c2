module example.com/hello

go 1.21

require github.com/winship/winship/go/update v0.0.0

require github.com/winship/winship/go/patch v0.0.0 // indirect

// The update client and the delta applier it uses, from this repository. A replace applies only
// in the main module, so go/patch is replaced here too. A copy of this folder elsewhere needs
// absolute paths: go mod edit -replace github.com/winship/winship/go/update=/path/to/winship/go/update (and go/patch).
replace (
	github.com/winship/winship/go/patch => ../../go/patch
	github.com/winship/winship/go/update => ../../go/update
)
