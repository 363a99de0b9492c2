module github.com/winship/winship/go/update

go 1.21

require github.com/winship/winship/go/patch v0.0.0

replace github.com/winship/winship/go/patch => ../patch
