module github.com/winship/winship/go/patch

go 1.21
