package update

import (
	"sort"
	"strings"
)

// The cheapest verified way from the installed exe to the new one: a chain of patches, each
// starting from the file the one before makes (by SHA-256), chosen by Dijkstra's algorithm on
// total bytes; the caller uses it only when it is smaller than the full file.

// cheapestChain returns the patches from the file with SHA-256 from to the one with SHA-256 to
// with the fewest bytes in all (ties: fewer patches, then paths in order), or ok false when no
// chain leads there.
func cheapestChain(patches []Patch, from, to string) (chain []Patch, total int64, ok bool) {
	if from == to {
		return nil, 0, true
	}
	type state struct {
		cost, hops int64
		via        []Patch
	}
	best := map[string]state{from: {}}
	done := map[string]bool{}
	better := func(a, b state) bool {
		if a.cost != b.cost {
			return a.cost < b.cost
		}
		if a.hops != b.hops {
			return a.hops < b.hops
		}
		return pathsKey(a.via) < pathsKey(b.via)
	}
	for {
		// The unvisited node closest to from (the feed has few patches: a scan is enough).
		var node string
		var cur state
		found := false
		keys := make([]string, 0, len(best))
		for k := range best {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s := best[k]; !done[k] && (!found || better(s, cur)) {
				node, cur, found = k, s, true
			}
		}
		if !found {
			return nil, 0, false
		}
		if node == to {
			return cur.via, cur.cost, true
		}
		done[node] = true
		for _, p := range patches {
			if p.OldSHA256 != node || done[p.NewSHA256] {
				continue
			}
			next := state{cost: cur.cost + p.Size, hops: cur.hops + 1, via: append(append([]Patch(nil), cur.via...), p)}
			if old, seen := best[p.NewSHA256]; !seen || better(next, old) {
				best[p.NewSHA256] = next
			}
		}
	}
}

func pathsKey(chain []Patch) string {
	names := make([]string, len(chain))
	for i, p := range chain {
		names[i] = p.Path
	}
	return strings.Join(names, "\x00")
}
