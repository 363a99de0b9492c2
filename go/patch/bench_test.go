package patch

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkApplyFiles applies the patch in WINSHIP_PATCH_BENCH="OLD PATCH" (it is skipped
// without it): go test -run '^$' -bench ApplyFiles -benchtime 3x -cpuprofile cpu.out
func BenchmarkApplyFiles(b *testing.B) {
	paths := strings.Fields(os.Getenv("WINSHIP_PATCH_BENCH"))
	if len(paths) != 2 {
		b.Skip(`set WINSHIP_PATCH_BENCH="OLD PATCH"`)
	}
	old, err := os.ReadFile(paths[0])
	if err != nil {
		b.Fatal(err)
	}
	p, err := os.ReadFile(paths[1])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(old)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Apply(old, p); err != nil {
			b.Fatal(err)
		}
	}
}
