package patch

import "fmt"

// referencePredict is ChangeModel.predict: P(changed) in 1/65536 of the difference byte at old[at].
func (m *changeModel) referencePredict(t *mixTables, old []byte, at int, expected int, length int) uint32 {
	n := len(old)
	h2 := int(m.history&3) << 16
	var a, b, c, top, next int
	if at > 0 {
		a = int(old[at-1])
	}
	if at > 1 {
		b = int(old[at-2])
	}
	if at+3 < n {
		c = int(old[at+3])
	}
	word := at &^ 3
	if word+3 < n {
		top = int(old[word+3])
	}
	if word+2 < n {
		next = int(old[word+2])
	}
	m.s0 = h2 | b<<8 | a
	m.s1 = 1<<18 | a<<8 | c
	m.s2 = 1<<18 | 1<<16 | (at&3)<<14 | top<<6 | next>>2
	m.s3 = 1<<18 | 2<<16 | int(m.history&0xff)<<3 | at&7
	tb := m.table
	m.inputs[0] = int32(t.stretchFine[uint32(tb[m.s0])>>6])
	m.inputs[1] = int32(t.stretchFine[uint32(tb[m.s1])>>6])
	m.inputs[2] = int32(t.stretchFine[uint32(tb[m.s2])>>6])
	m.inputs[3] = int32(t.stretchFine[uint32(tb[m.s3])>>6])
	if expected < 0 {
		m.voteSlot = -1
		m.inputs[4] = 0
	} else {
		l := length
		if l > 31 {
			l = 31
		}
		slot := l << 1
		if expected != int(old[at]) {
			slot |= 1
		}
		m.voteSlot = slot
		m.inputs[4] = int32(t.stretch[m.vote[slot]>>4])
	}
	set := int(m.history&3) * 5
	m.set = set
	w := m.weights[set : set+5]
	dot := int64(m.inputs[0])*int64(w[0]) + int64(m.inputs[1])*int64(w[1]) + int64(m.inputs[2])*int64(w[2]) +
		int64(m.inputs[3])*int64(w[3]) + int64(m.inputs[4])*int64(w[4])
	m.p = t.squashFine(dot >> 16)
	return m.p
}

func (m *changeModel) referenceUpdate(bit uint32) {
	tb := m.table
	if bit != 0 {
		tb[m.s0] += (changeOne - tb[m.s0]) >> 4
		tb[m.s1] += (changeOne - tb[m.s1]) >> 4
		tb[m.s2] += (changeOne - tb[m.s2]) >> 4
		tb[m.s3] += (changeOne - tb[m.s3]) >> 4
	} else {
		tb[m.s0] -= tb[m.s0] >> 4
		tb[m.s1] -= tb[m.s1] >> 4
		tb[m.s2] -= tb[m.s2] >> 4
		tb[m.s3] -= tb[m.s3] >> 4
	}
	err := int32(bit<<16) - int32(m.p)
	w := m.weights[m.set : m.set+5]
	for i, x := range m.inputs {
		v := w[i] + (x*err)>>15
		if v > weightLimit {
			v = weightLimit
		} else if v < -weightLimit {
			v = -weightLimit
		}
		w[i] = v
	}
	if m.voteSlot >= 0 {
		p := uint32(m.vote[m.voteSlot])
		if bit != 0 {
			m.vote[m.voteSlot] = uint16(p + (65536-p)>>5)
		} else {
			m.vote[m.voteSlot] = uint16(p - p>>5)
		}
	}
	m.history = (m.history<<1 | bit) & 0xff
}

// referenceDecodeByte is body.ts decodeByte: a byte as 8 bits of a bit tree, each coded with the mixed
// prediction, the match model's vote among its inputs.
func referenceDecodeByte(d *rangeDecoder, t *mixTables, model *mixedByteModel, vote *matchVote, expected int, length int) byte {
	node := uint32(1)
	for depth := 0; depth < 8; depth++ {
		extra := vote.input(t, expected, length, node, depth)
		bit := d.decodeWith(65536 - model.predict(t, node, depth, extra))
		model.update(node, bit)
		vote.learn(bit)
		node = node<<1 | bit
	}
	return byte(node - 256)
}

// referenceDecodeBody is the straight port of body.ts decodeBody that decodeBody was
// optimised from: the tests check the two agree. It decodes a body of algorithm 1 into a new file of newSize bytes, or fails with a
// CorruptError: every position stays inside both files and the body is read to its last byte.
func referenceDecodeBody(old, body []byte, newSize int) ([]byte, error) {
	t := mixing()
	var rc rangeDecoder
	if err := rc.init(body); err != nil {
		return nil, err
	}
	m := newBodyModels()
	neu := make([]byte, newSize)
	match := newMatchModel(old, neu)
	oldLen := int64(len(old))
	var oldPos int64 // int64: a patch may seek far (each seek < 2^32, fewer than 2^31 of them)
	newPos := 0
	lastDelta := 0
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
			v, bits, ok := m.seek.decode(&rc)
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
		diff64, bits, ok := m.diffLength.decode(&rc)
		if !ok {
			return fail(fmt.Sprintf("a number of %d bits", bits))
		}
		extra64, bits, ok := m.extraLength.decode(&rc)
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
		if diff > 0 && (oldPos < 0 || oldPos+int64(diff) > oldLen) {
			return fail(fmt.Sprintf("old bytes %d–%d are outside the old file (%d bytes)", oldPos, oldPos+int64(diff), oldLen))
		}
		o := int(oldPos)
		for i := 0; i < diff; i++ {
			delta := 0
			history := m.change.history & 3
			changed := rc.decodeWith(65536 - m.change.referencePredict(t, old, o+i, match.expected(), match.length))
			m.change.referenceUpdate(changed)
			if changed != 0 {
				if rc.decodeBit(&m.repeat[history], 5) != 0 {
					delta = lastDelta
				} else {
					m.delta.setContexts(lastDelta, at(old, o+i), at(neu, newPos+i-1), int(m.change.history&3)<<8|at(old, o+i-1),
						hash14(uint32(at(neu, newPos+i-2)<<8|at(neu, newPos+i-1))))
					expected := match.expected()
					if expected >= 0 {
						expected = (expected - int(old[o+i])) & 0xff
					}
					delta = int(referenceDecodeByte(&rc, t, m.delta, m.deltaVote, expected, match.length))
				}
				lastDelta = delta
			}
			neu[newPos+i] = byte(int(old[o+i]) + delta)
			match.update(newPos+i, changed == 1)
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
			neu[newPos] = referenceDecodeByte(&rc, t, m.literal, m.literalVote, match.expected(), match.length)
			match.update(newPos, true)
			newPos++
			if rc.overrun {
				return nil, endsEarly()
			}
		}
	}
	if rc.overrun {
		return nil, endsEarly()
	}
	if rc.pos != len(body) {
		return nil, corrupt(fmt.Sprintf("%d bytes after the end of the coded body", len(body)-rc.pos))
	}
	return neu, nil
}
