package patch

// The body's models (src/delta/models.ts, mixer.ts, matchModel.ts and the ChangeModel of
// body.ts), each a fixed set of adaptive probabilities that starts in the same state as the
// encoder's and moves through the same states.

const probInit = 1 << 15

func filled32(n int, v int32) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// numberModel codes a number in [0, 2^32): its bit length (0–32) as a 6-bit bit tree, then
// the bits under the leading one, the first three modelled by (length, position), the rest
// direct. Shift 5.
type numberModel struct {
	length   [64]uint16
	mantissa [33 * 16]uint16
}

func newNumberModel() *numberModel {
	m := new(numberModel)
	for i := range m.length {
		m.length[i] = probInit
	}
	for i := range m.mantissa {
		m.mantissa[i] = probInit
	}
	return m
}

// decode returns the number, or bits > 32 (a damaged patch) with ok false.
func (m *numberModel) decode(d *rangeDecoder) (value uint64, bits int, ok bool) {
	node := uint32(1)
	for node < 64 {
		node = node<<1 | d.decodeBit(&m.length[node], 5)
	}
	bits = int(node - 64)
	if bits > 32 {
		return 0, bits, false
	}
	if bits == 0 {
		return 0, 0, true
	}
	value = 1
	modelled := uint32(1)
	for i := bits - 2; i >= 0; i-- {
		if bits-2-i < 3 {
			bit := d.decodeBit(&m.mantissa[bits*16+int(modelled)], 5)
			modelled = modelled<<1 | bit
			value = value<<1 | uint64(bit)
		} else {
			return value<<uint(i+1) | d.decodeDirect(i+1), bits, true
		}
	}
	return value, bits, true
}

// mixedByteModel is MixedByteModel with its Mixer: a byte as a bit tree, each bit predicted by
// several context tables and one extra stretched input (the match model's vote), mixed with
// one weight set per depth.
//
// A table is pages of 64 contexts' counters, each made when first used: the tables are 26 MB,
// and a patch with few literal and changed bytes uses little of them (their contexts are
// hashes, spread over all the pages, but there are few of them). A counter q is kept as
// q ^ flip, so that a new page, all zeros, holds 32768s. cur is the current byte's counters in
// each table.
type mixedByteModel struct {
	pages   [][]*[pageContexts * 256]uint16
	cur     []*[256]uint16
	weights []int32 // size * 8
	inputs  []int32 // size = tables + 1
	size    int
	set     int
	p       uint32
	touched uint16 // a sink for setContexts' loads
}

const (
	flip         = 0x8000
	pageContexts = 64
)

func newMixedByteModel(contextCounts []int) *mixedByteModel {
	m := &mixedByteModel{size: len(contextCounts) + 1}
	for _, n := range contextCounts {
		m.pages = append(m.pages, make([]*[pageContexts * 256]uint16, (n+pageContexts-1)/pageContexts))
	}
	m.cur = make([]*[256]uint16, len(contextCounts))
	m.weights = filled32(m.size*8, int32(65536/m.size))
	m.inputs = make([]int32, m.size)
	return m
}

// setContexts takes the contexts of the next byte, one per table; each is in range (the
// callers make them so).
func (m *mixedByteModel) setContexts(contexts ...int) {
	var touch uint16
	for i, c := range contexts {
		page := m.pages[i][c/pageContexts]
		if page == nil {
			page = new([pageContexts * 256]uint16)
			m.pages[i][c/pageContexts] = page
		}
		at := c % pageContexts * 256
		p := (*[256]uint16)(page[at : at+256])
		m.cur[i] = p
		// Touch the eight cache lines of the byte's 256 counters now, all at once: the bits
		// find them there instead of waiting on memory one after the other.
		touch += p[0] + p[32] + p[64] + p[96] + p[128] + p[160] + p[192] + p[224]
	}
	m.touched = touch
}

// predict is P(1) of the bit at tree node (1–255), depth (0–7), with the extra input.
func (m *mixedByteModel) predict(t *mixTables, node uint32, depth int, extra int32) uint32 {
	n := len(m.cur)
	inputs := m.inputs[:n+1]
	for i, p := range m.cur {
		inputs[i] = int32(t.stretch[(p[node&255]^flip)>>4])
	}
	inputs[n] = extra
	m.set = depth * m.size
	w := m.weights[m.set : m.set+len(inputs)]
	var dot int64
	for i, x := range inputs {
		dot += int64(x) * int64(w[i])
	}
	m.p = t.squashFine(dot >> 16)
	return m.p
}

func (m *mixedByteModel) update(node uint32, bit uint32) {
	for _, p := range m.cur {
		j := node & 255
		q := uint32(p[j] ^ flip)
		if bit != 0 {
			p[j] = uint16(q+(65536-q)>>4) ^ flip
		} else {
			p[j] = uint16(q-q>>4) ^ flip
		}
	}
	err := int32(bit<<16) - int32(m.p)
	w := m.weights[m.set : m.set+m.size]
	for i, x := range m.inputs[:m.size] {
		v := w[i] + (x*err)>>15
		if v > weightLimit {
			v = weightLimit
		} else if v < -weightLimit {
			v = -weightLimit
		}
		w[i] = v
	}
}

// matchVote is MatchVote: the match model's vote for one bit of a byte coded as a bit tree.
type matchVote struct {
	probs [64]uint16
	slot  int
}

func newMatchVote() *matchVote {
	v := &matchVote{slot: -1}
	for i := range v.probs {
		v.probs[i] = 32768
	}
	return v
}

// input is the stretched P(1) of the bit at node/depth when expected (a byte, or -1) agrees
// with the bits so far, else 0.
func (v *matchVote) input(t *mixTables, expected int, length int, node uint32, depth int) int32 {
	if expected < 0 || uint32(expected|256)>>uint(8-depth) != node {
		v.slot = -1
		return 0
	}
	bit := (expected >> uint(7-depth)) & 1
	var bucket int
	switch {
	case length < 16:
		bucket = length
	case length < 32:
		bucket = 16 + (length-16)>>2
	case length < 64:
		bucket = 20 + (length-32)>>3
	default:
		b := (length - 64) >> 6
		if b > 7 {
			b = 7
		}
		bucket = 24 + b
	}
	v.slot = bucket*2 + bit
	return int32(t.stretch[v.probs[v.slot]>>4])
}

func (v *matchVote) learn(bit uint32) {
	if v.slot < 0 {
		return
	}
	p := uint32(v.probs[v.slot])
	if bit != 0 {
		v.probs[v.slot] = uint16(p + (65536-p)>>5)
	} else {
		v.probs[v.slot] = uint16(p - p>>5)
	}
}

// The match model (matchModel.ts): the last place where the six bytes before the current one
// occurred, in the old file or in the new file so far, predicts the next byte. Positions are
// in one space: below len(old) in old, above it in new. They are int64 so that the sums below
// are exact on 32-bit platforms too; the table is 32-bit, as the TypeScript's Int32Array
// (an entry of 2^31 or more wraps to a negative one, which never matches).
const (
	matchHashBits  = 22
	matchHashMask  = 1<<matchHashBits - 1
	minContext     = 6
	maxVerified    = 32
	maxMatchLength = 65535
)

type matchModel struct {
	table   []int32
	old     []byte
	neu     []byte
	oldLen  int64
	hash    uint32
	pointer int64
	length  int
}

func newMatchModel(old, neu []byte) *matchModel {
	m := &matchModel{table: make([]int32, 1<<matchHashBits), old: old, neu: neu, oldLen: int64(len(old))}
	hash := uint32(0)
	table := m.table
	for i, b := range old {
		hash = (hash*752 + uint32(b) + 1) & matchHashMask
		if i+1 >= minContext {
			table[hash] = int32(uint32(i + 2))
		}
	}
	return m
}

func (m *matchModel) byteAt(at int64) byte {
	if at < m.oldLen {
		return m.old[at]
	}
	return m.neu[at-m.oldLen]
}

// expected is the predicted next byte, or -1.
func (m *matchModel) expected() int {
	if m.length > 0 {
		return int(m.byteAt(m.pointer))
	}
	return -1
}

// update runs after new[n] is known; coded: it was a literal or a changed byte.
func (m *matchModel) update(n int, coded bool) {
	b := m.neu[n]
	if m.length > 0 && m.byteAt(m.pointer) == b {
		m.pointer++
		if m.length < maxMatchLength {
			m.length++
		}
	} else {
		m.length = 0
	}
	m.hash = (m.hash*752 + uint32(b) + 1) & matchHashMask
	if !coded || n+1 < minContext {
		return
	}
	m.find(n)
}

// find is the end of update for a coded byte new[n] (n >= 5): without a match, look one up
// where the last six bytes were before; then enter this place in the table.
func (m *matchModel) find(n int) {
	here := m.oldLen + int64(n) + 1
	if m.length == 0 {
		found := int64(m.table[m.hash]) - 1
		if found >= 0 {
			agree := int64(0)
			for agree < maxVerified && agree < found && agree <= int64(n) && m.byteAt(found-1-agree) == m.byteAt(here-1-agree) {
				agree++
			}
			if agree > 0 {
				m.pointer = found
				m.length = int(agree)
			}
		}
	}
	m.table[m.hash] = int32(uint32(here + 1))
}

// changeModel is ChangeModel (body.ts): whether a difference byte is non-zero, from four
// 22-bit context tables and the match model's vote, mixed with one weight set per last-two
// change decisions.
const (
	changeTableSize = 1<<18 + 3<<16
	changeOne       = 0x400000 // 1.0 in the tables' 22 bits
)

type changeModel struct {
	table    []int32
	weights  [20]int32
	vote     [64]uint16
	inputs   [5]int32
	s0       int
	s1       int
	s2       int
	s3       int
	voteSlot int
	set      int
	p        uint32
	history  uint32
}

func newChangeModel() *changeModel {
	m := &changeModel{table: filled32(changeTableSize, 64<<6), voteSlot: -1, p: 32768}
	for i := range m.weights {
		m.weights[i] = 65536 / 5 // 13107, as Int32Array.fill(13107.2) stores
	}
	for i := range m.vote {
		m.vote[i] = 32768
	}
	return m
}

// decodeByte is body.ts decodeByte over this model and vote: predict, decodeWith, update and
// learn for each of the 8 bits, written out over local copies of their state.
func (m *mixedByteModel) decodeByte(d *rangeDecoder, t *mixTables, vote *matchVote, expected int, length int) byte {
	st := &t.stretch
	n := len(m.cur)
	size := m.size
	var cur [5]*[256]uint16
	copy(cur[:], m.cur)
	var x [6]int32
	// The vote's bucket depends on the match length only; expected agrees with the bits so far
	// until the first that differs, and never again after.
	agreeing := expected >= 0
	bucket := 0
	if agreeing {
		switch {
		case length < 16:
			bucket = length
		case length < 32:
			bucket = 16 + (length-16)>>2
		case length < 64:
			bucket = 20 + (length-32)>>3
		default:
			b := (length - 64) >> 6
			if b > 7 {
				b = 7
			}
			bucket = 24 + b
		}
	}
	rng, code, pos, data := d.rng, d.code, d.pos, d.data
	node := uint32(1)
	for depth := 0; depth < 8; depth++ {
		slot := -1
		x[n] = 0
		if agreeing {
			slot = bucket*2 + (expected>>uint(7-depth))&1
			x[n] = int32(st[vote.probs[slot]>>4])
		}
		for i := 0; i < n; i++ {
			x[i] = int32(st[(cur[i][node&255]^flip)>>4])
		}
		set := depth * size
		w := m.weights[set : set+size]
		var dot int64
		for i := range w {
			dot += int64(x[i]) * int64(w[i])
		}
		p := t.squashFine(dot >> 16)
		bound := uint32(uint64(rng) * uint64(65536-p) >> 16)
		var bit uint32
		if code < bound {
			rng = bound
		} else {
			code -= bound
			rng -= bound
			bit = 1
		}
		for rng < top {
			rng <<= 8
			var in uint32
			if pos < len(data) {
				in = uint32(data[pos])
				pos++
			} else {
				d.overrun = true
			}
			code = code<<8 | in
		}
		for i := 0; i < n; i++ {
			p := cur[i]
			j := node & 255
			q := uint32(p[j] ^ flip)
			if bit != 0 {
				p[j] = uint16(q+(65536-q)>>4) ^ flip
			} else {
				p[j] = uint16(q-q>>4) ^ flip
			}
		}
		err := int32(bit<<16) - int32(p)
		for i := range w {
			w[i] = clampWeight(w[i] + (x[i]*err)>>15)
		}
		if slot >= 0 {
			q := uint32(vote.probs[slot])
			if bit != 0 {
				vote.probs[slot] = uint16(q + (65536-q)>>5)
			} else {
				vote.probs[slot] = uint16(q - q>>5)
			}
			if uint32(expected>>uint(7-depth))&1 != bit {
				agreeing = false
			}
		}
		node = node<<1 | bit
	}
	d.rng, d.code, d.pos = rng, code, pos
	return byte(node - 256)
}
