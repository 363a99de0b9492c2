package patch

import (
	"fmt"
	"sync"
)

// The body (src/delta/body.ts, decodeBody): operations "seek, diff, extra" and their bytes in
// one range-coded stream. A difference byte is "changed?" (the change model), then, when
// changed, "same as the last difference?" and else the difference (the delta model); an extra
// byte is a literal (the literal model).

type bodyModels struct {
	seekZero    uint16
	seekSign    uint16
	seek        *numberModel
	diffLength  *numberModel
	extraLength *numberModel
	change      *changeModel
	repeat      [4]uint16
	delta       *mixedByteModel
	literal     *mixedByteModel
	deltaVote   *matchVote
	literalVote *matchVote
}

func newBodyModels() *bodyModels {
	return &bodyModels{
		seekZero:    probInit,
		seekSign:    probInit,
		seek:        newNumberModel(),
		diffLength:  newNumberModel(),
		extraLength: newNumberModel(),
		change:      newChangeModel(),
		repeat:      [4]uint16{probInit, probInit, probInit, probInit},
		delta:       newMixedByteModel([]int{256, 256, 256, 1024, 1 << 14}),
		literal:     newMixedByteModel([]int{1, 256, 1 << 14, 1 << 14}),
		deltaVote:   newMatchVote(),
		literalVote: newMatchVote(),
	}
}

// hash14 is a context of up to 25 bits hashed to 14 (Math.imul(c, 0x9e3779b1) >>> 18).
func hash14(context uint32) int { return int((context * 0x9e3779b1) >> 18) }

func at(b []byte, i int) int {
	if i >= 0 && i < len(b) {
		return int(b[i])
	}
	return 0
}

// decoder is the state of one body's decoding.
type decoder struct {
	t         *mixTables
	rc        rangeDecoder
	m         *bodyModels
	match     *matchModel
	old       []byte
	neu       []byte
	lastDelta int
}

// decodeBody decodes a body of algorithm 1 into a new file of newSize bytes, or fails with a
// CorruptError: every position stays inside both files and the body is read to its last byte.
// It computes what body.ts decodeBody computes, step for step (referenceDecodeBody in the
// tests is the straight port it is checked against); the difference bytes, nearly all of most
// patches, run in one loop over local variables (diffBytes).
func decodeBody(old, body []byte, newSize int) ([]byte, error) {
	return decodeBodyAfter(old, body, newSize, nil)
}

// decodeBodyAfter is decodeBody with first, when not nil, run on another goroutine while the
// decoder sets up (the match model's table over the old file, a pass as long as hashing it),
// and its error returned before anything is read from the body.
func decodeBodyAfter(old, body []byte, newSize int, first func() error) ([]byte, error) {
	var firstErr error
	var wg sync.WaitGroup
	if first != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			firstErr = first()
		}()
	}
	d := &decoder{t: mixing(), old: old}
	d.m = newBodyModels()
	d.neu = make([]byte, newSize)
	d.match = newMatchModel(old, d.neu)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := d.rc.init(body); err != nil {
		return nil, err
	}
	m, rc, neu := d.m, &d.rc, d.neu
	oldLen := int64(len(old))
	var oldPos int64 // int64: a patch may seek far (each seek < 2^32, fewer than 2^31 of them)
	newPos := 0
	// fail reports a damaged body, or its early end when that came first: the TypeScript
	// stops at the first read past the end.
	fail := func(reason string) ([]byte, error) {
		if rc.overrun {
			return nil, endsEarly()
		}
		return nil, corrupt(reason)
	}
	for newPos < newSize {
		if rc.decodeBit(&m.seekZero, 5) == 0 {
			negative := rc.decodeBit(&m.seekSign, 5)
			v, bits, ok := m.seek.decode(rc)
			if !ok {
				return fail(fmt.Sprintf("a number of %d bits", bits))
			}
			magnitude := int64(v) + 1
			if negative != 0 {
				oldPos -= magnitude
			} else {
				oldPos += magnitude
			}
			if oldPos < 0 || oldPos > oldLen {
				return fail(fmt.Sprintf("a seek to old position %d, outside the old file (%d bytes)", oldPos, oldLen))
			}
		}
		diff64, bits, ok := m.diffLength.decode(rc)
		if !ok {
			return fail(fmt.Sprintf("a number of %d bits", bits))
		}
		extra64, bits, ok := m.extraLength.decode(rc)
		if !ok {
			return fail(fmt.Sprintf("a number of %d bits", bits))
		}
		if rc.overrun {
			return nil, endsEarly()
		}
		if diff64+extra64 == 0 || uint64(newPos)+diff64+extra64 > uint64(newSize) {
			return fail(fmt.Sprintf("an operation of %d + %d bytes at %d of %d", diff64, extra64, newPos, newSize))
		}
		diff, extra := int(diff64), int(extra64)
		if diff > 0 {
			if oldPos < 0 || oldPos+int64(diff) > oldLen {
				return fail(fmt.Sprintf("old bytes %d–%d are outside the old file (%d bytes)", oldPos, oldPos+int64(diff), oldLen))
			}
			d.diffBytes(int(oldPos), newPos, diff)
			if rc.overrun {
				return nil, endsEarly()
			}
		}
		oldPos += int64(diff)
		newPos += diff
		for i := 0; i < extra; i++ {
			p1 := at(neu, newPos-1)
			p2 := at(neu, newPos-2)
			m.literal.setContexts(0, p1, hash14(uint32(p2<<8|p1)), hash14(uint32(1<<24|at(neu, newPos-3)<<16|p2<<8|p1)))
			neu[newPos] = m.literal.decodeByte(rc, d.t, m.literalVote, d.match.expected(), d.match.length)
			d.match.update(newPos, true)
			newPos++
			if rc.overrun {
				return nil, endsEarly()
			}
		}
	}
	if rc.pos != len(body) {
		return nil, corrupt(fmt.Sprintf("%d bytes after the end of the coded body", len(body)-rc.pos))
	}
	return neu, nil
}

// diffBytes decodes count difference bytes: new[np+i] = old[o+i] + difference, o+i inside old
// and np+i inside new (the caller checked). It is ChangeModel.predict, the coder's decodeWith,
// ChangeModel.update and MatchModel.update written out over local copies of their state, with
// the rarer parts (a changed byte, a match lookup) in calls.
func (d *decoder) diffBytes(o, np, count int) {
	t := d.t
	sf, st, fine := &t.stretchFine, &t.stretch, &t.fine
	old, neu := d.old, d.neu
	n := len(old)
	cm := d.m.change
	tb := (*[changeTableSize]int32)(cm.table)
	w := &cm.weights
	vote := &cm.vote
	hist := cm.history
	mm := d.match
	oldLen := mm.oldLen
	mlen, mptr, mhash := mm.length, mm.pointer, mm.hash
	data := d.rc.data
	rng, code, pos := d.rc.rng, d.rc.code, d.rc.pos
	overrun := false
	for i := 0; i < count; i++ {
		at := o + i
		// ChangeModel.predict
		var a, b, c, top, next int
		if at > 0 {
			a = int(old[at-1])
			if at > 1 {
				b = int(old[at-2])
			}
		}
		if at+3 < n {
			c = int(old[at+3])
		}
		word := at &^ 3
		if word+3 < n {
			top = int(old[word+3])
			next = int(old[word+2])
		} else if word+2 < n {
			next = int(old[word+2])
		}
		s0 := int(hist&3)<<16 | b<<8 | a
		s1 := 1<<18 | a<<8 | c
		s2 := 1<<18 | 1<<16 | (at&3)<<14 | top<<6 | next>>2
		s3 := 1<<18 | 2<<16 | int(hist)<<3 | at&7
		x0 := int32(sf[uint32(tb[s0])>>6])
		x1 := int32(sf[uint32(tb[s1])>>6])
		x2 := int32(sf[uint32(tb[s2])>>6])
		x3 := int32(sf[uint32(tb[s3])>>6])
		expected := -1
		if mlen > 0 {
			if mptr < oldLen {
				expected = int(old[mptr])
			} else {
				expected = int(neu[mptr-oldLen])
			}
		}
		x4 := int32(0)
		slot := -1
		if expected >= 0 {
			l := mlen
			if l > 31 {
				l = 31
			}
			slot = l << 1
			if expected != int(old[at]) {
				slot |= 1
			}
			x4 = int32(st[vote[slot]>>4])
		}
		set := int(hist&3) * 5
		ws := (*[5]int32)(w[set : set+5])
		dot := int64(x0)*int64(ws[0]) + int64(x1)*int64(ws[1]) + int64(x2)*int64(ws[2]) + int64(x3)*int64(ws[3]) + int64(x4)*int64(ws[4])
		var p uint32
		if x := dot >> 16; x >= 4095 {
			p = 65535
		} else if x < -4096 {
			p = 1
		} else {
			p = uint32(fine[x+4096])
		}
		// RangeDecoder.decodeWith(65536 - p)
		bound := uint32(uint64(rng) * uint64(65536-p) >> 16)
		var bit uint32
		if code < bound {
			rng = bound
		} else {
			code -= bound
			rng -= bound
			bit = 1
		}
		for rng < top24 {
			rng <<= 8
			var in uint32
			if pos < len(data) {
				in = uint32(data[pos])
				pos++
			} else {
				overrun = true
			}
			code = code<<8 | in
		}
		// ChangeModel.update
		var err int32
		if bit != 0 {
			tb[s0] += (changeOne - tb[s0]) >> 4
			tb[s1] += (changeOne - tb[s1]) >> 4
			tb[s2] += (changeOne - tb[s2]) >> 4
			tb[s3] += (changeOne - tb[s3]) >> 4
			err = 65536 - int32(p)
		} else {
			tb[s0] -= tb[s0] >> 4
			tb[s1] -= tb[s1] >> 4
			tb[s2] -= tb[s2] >> 4
			tb[s3] -= tb[s3] >> 4
			err = -int32(p)
		}
		ws[0] = clampWeight(ws[0] + (x0*err)>>15)
		ws[1] = clampWeight(ws[1] + (x1*err)>>15)
		ws[2] = clampWeight(ws[2] + (x2*err)>>15)
		ws[3] = clampWeight(ws[3] + (x3*err)>>15)
		ws[4] = clampWeight(ws[4] + (x4*err)>>15)
		if slot >= 0 {
			q := uint32(vote[slot])
			if bit != 0 {
				vote[slot] = uint16(q + (65536-q)>>5)
			} else {
				vote[slot] = uint16(q - q>>5)
			}
		}
		before := hist
		hist = (hist<<1 | bit) & 0xff
		nb := old[at]
		if bit != 0 {
			d.rc.rng, d.rc.code, d.rc.pos = rng, code, pos
			cm.history = hist
			nb += d.changedByte(before, at, np+i, expected, mlen)
			rng, code, pos = d.rc.rng, d.rc.code, d.rc.pos
			overrun = overrun || d.rc.overrun
		}
		neu[np+i] = nb
		// MatchModel.update
		if mlen > 0 {
			var e byte
			if mptr < oldLen {
				e = old[mptr]
			} else {
				e = neu[mptr-oldLen]
			}
			if e == nb {
				mptr++
				if mlen < maxMatchLength {
					mlen++
				}
			} else {
				mlen = 0
			}
		}
		mhash = (mhash*752 + uint32(nb) + 1) & matchHashMask
		if bit != 0 && np+i+1 >= minContext {
			mm.length, mm.pointer, mm.hash = mlen, mptr, mhash
			mm.find(np + i)
			mlen, mptr = mm.length, mm.pointer
		}
		if overrun {
			break
		}
	}
	d.rc.rng, d.rc.code, d.rc.pos = rng, code, pos
	d.rc.overrun = d.rc.overrun || overrun
	cm.history = hist
	mm.length, mm.pointer, mm.hash = mlen, mptr, mhash
}

const top24 = top

func clampWeight(v int32) int32 {
	if v > weightLimit {
		return weightLimit
	}
	if v < -weightLimit {
		return -weightLimit
	}
	return v
}

// changedByte decodes the difference of a changed byte at old[a], new[n]: "same as the last
// one?" under the two change decisions before this byte's (before), else the delta model.
func (d *decoder) changedByte(before uint32, a, n int, expected, length int) byte {
	m, old, neu := d.m, d.old, d.neu
	delta := 0
	if d.rc.decodeBit(&m.repeat[before&3], 5) != 0 {
		delta = d.lastDelta
	} else {
		prev := at(neu, n-1)
		m.delta.setContexts(d.lastDelta, int(old[a]), prev, int(m.change.history&3)<<8|at(old, a-1), hash14(uint32(at(neu, n-2)<<8|prev)))
		if expected >= 0 {
			expected = (expected - int(old[a])) & 0xff
		}
		delta = int(m.delta.decodeByte(&d.rc, d.t, m.deltaVote, expected, length))
	}
	d.lastDelta = delta
	return byte(delta)
}
