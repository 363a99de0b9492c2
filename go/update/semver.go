package update

import (
	"strconv"
	"strings"
)

// Semantic versions (semver.org 2.0), the versions of a feed: which release is newest.

type semver struct {
	major, minor, patch uint64
	pre                 []string // dot-separated pre-release identifiers; none for a final release
}

// parseSemver reads "1.2.3", "1.2.3-rc.1" or "1.2.3+build" (a leading "v" allowed); ok is false
// for anything else.
func parseSemver(s string) (v semver, ok bool) {
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, false
	}
	nums := make([]uint64, 3)
	for i, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return v, false
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		nums[i] = n
	}
	v = semver{major: nums[0], minor: nums[1], patch: nums[2]}
	if hasPre {
		v.pre = strings.Split(pre, ".")
		for _, id := range v.pre {
			if id == "" {
				return v, false
			}
		}
	}
	return v, true
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isNumeric(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// compare orders versions by semver precedence: -1, 0 or 1.
func (a semver) compare(b semver) int {
	for _, c := range []int{compareUint(a.major, b.major), compareUint(a.minor, b.minor), compareUint(a.patch, b.patch)} {
		if c != 0 {
			return c
		}
	}
	switch {
	case len(a.pre) == 0 && len(b.pre) == 0:
		return 0
	case len(a.pre) == 0:
		return 1 // a final release comes after its pre-releases
	case len(b.pre) == 0:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, y := a.pre[i], b.pre[i]
		if x == y {
			continue
		}
		xn, yn := isNumeric(x), isNumeric(y)
		switch {
		case xn && yn:
			if len(x) != len(y) {
				return compareUint(uint64(len(x)), uint64(len(y)))
			}
			return strings.Compare(x, y)
		case xn:
			return -1
		case yn:
			return 1
		}
		return strings.Compare(x, y)
	}
	return compareUint(uint64(len(a.pre)), uint64(len(b.pre)))
}
