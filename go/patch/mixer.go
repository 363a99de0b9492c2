package patch

import "sync"

// The logistic-mixing tables of src/delta/mixer.ts, built by the same integer steps: squash
// (12-bit, 33 points), its inverse stretch, squashFine (16-bit, 65 points, twice the range) and
// its inverse stretchFine. They are built once, on first use, not when a program starts.

var squashPoints = [33]int32{
	1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4024, 4050,
	4068, 4079, 4085, 4089, 4092, 4093, 4094,
}

var finePoints = [65]int32{
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 5, 8, 13, 22, 36, 60, 98, 162, 267, 439, 720, 1179, 1921, 3108, 4971, 7812, 11955, 17625, 24743,
	32768, 40793, 47911, 53581, 57724, 60565, 62428, 63615, 64357, 64816, 65097, 65269, 65374, 65438, 65476, 65500, 65514, 65523, 65528,
	65531, 65533, 65534, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535,
}

// weightLimit bounds every mixer weight to ±2^24.
const weightLimit = 1 << 24

type mixTables struct {
	stretch     [4096]int16  // stretch[p12]: x in [-2047, 2047]
	stretchFine [65536]int16 // stretchFine[p16]: x in [-4096, 4095]
	fine        [8192]uint16 // squashFine(x) for x in [-4096, 4095], at x + 4096
}

var (
	tablesOnce sync.Once
	tables     *mixTables
)

func mixing() *mixTables {
	tablesOnce.Do(func() { tables = buildTables() })
	return tables
}

// squash is 4096 / (1 + e^(-x/256)) for x in [-2047, 2047], interpolated: a 12-bit probability.
func squash(x int32) int32 {
	if x > 2047 {
		return 4095
	}
	if x < -2047 {
		return 1
	}
	w := x & 127
	i := (x >> 7) + 16
	return (squashPoints[i]*(128-w) + squashPoints[i+1]*w + 64) >> 7
}

// squashFineCompute is squashFine of mixer.ts, computed (the tables hold it for the range where
// it is not a constant).
func squashFineCompute(x int32) int32 {
	if x >= 4095 {
		return 65535
	}
	if x < -4096 {
		return 1
	}
	w := x & 127
	i := (x >> 7) + 32
	p := (finePoints[i]*(128-w) + finePoints[i+1]*w + 64) >> 7
	if p < 1 {
		return 1
	}
	if p > 65535 {
		return 65535
	}
	return p
}

func buildTables() *mixTables {
	t := new(mixTables)
	pi := int32(0)
	for x := int32(-2047); x <= 2047; x++ {
		v := squash(x)
		for j := pi; j <= v; j++ {
			t.stretch[j] = int16(x)
		}
		pi = v + 1
	}
	for j := pi; j < 4096; j++ {
		t.stretch[j] = 2047
	}
	pi = 0
	for x := int32(-4096); x <= 4095; x++ {
		v := squashFineCompute(x)
		for j := pi; j <= v; j++ {
			t.stretchFine[j] = int16(x)
		}
		pi = v + 1
	}
	for j := pi; j < 65536; j++ {
		t.stretchFine[j] = 4095
	}
	for x := int32(-4096); x <= 4095; x++ {
		t.fine[x+4096] = uint16(squashFineCompute(x))
	}
	return t
}

// squashFine of a mixer's dot product shifted right by 16 (= Math.floor(dot / 65536)): the
// mixed 16-bit probability that the bit is 1, in [1, 65535].
func (t *mixTables) squashFine(x int64) uint32 {
	if x >= 4095 {
		return 65535
	}
	if x < -4096 {
		return 1
	}
	return uint32(t.fine[x+4096])
}
