package patch

// The range decoder of src/delta/rangeCoder.ts: LZMA's binary coder (32-bit range) with 16-bit
// probabilities. A probability is the chance in 1/65536 that a bit is 0; bound =
// floor(range * p / 65536), computed in 64 bits as the TypeScript does in a Number.

const top = 1 << 24

type rangeDecoder struct {
	rng  uint32
	code uint32
	pos  int
	data []byte
	// overrun: a read past the body's end. The TypeScript throws there; decoding here goes on
	// reading zeros (never out of bounds) and every check reports this first, so the error is
	// the same.
	overrun bool
}

func (d *rangeDecoder) init(data []byte) error {
	d.rng = 0xffffffff
	d.data = data
	d.pos = 0
	if d.next() != 0 {
		if d.overrun {
			return endsEarly()
		}
		return corrupt("the coded body does not start with a zero byte")
	}
	for i := 0; i < 4; i++ {
		d.code = d.code<<8 | d.next()
	}
	if d.overrun {
		return endsEarly()
	}
	return nil
}

func endsEarly() error { return corrupt("the coded body ends early (the patch is truncated)") }

func (d *rangeDecoder) next() uint32 {
	if d.pos < len(d.data) {
		b := d.data[d.pos]
		d.pos++
		return uint32(b)
	}
	d.overrun = true
	return 0
}

// decodeWith decodes one bit whose probability of being 0 is p0/65536.
func (d *rangeDecoder) decodeWith(p0 uint32) uint32 {
	bound := uint32(uint64(d.rng) * uint64(p0) >> 16)
	var bit uint32
	if d.code < bound {
		d.rng = bound
	} else {
		d.code -= bound
		d.rng -= bound
		bit = 1
	}
	for d.rng < top {
		d.rng <<= 8
		d.code = d.code<<8 | d.next()
	}
	return bit
}

// decodeBit decodes one bit under the adaptive probability *p, which then moves 1/2^shift of
// the way towards it.
func (d *rangeDecoder) decodeBit(p *uint16, shift uint) uint32 {
	v := uint32(*p)
	bit := d.decodeWith(v)
	if bit == 0 {
		*p = uint16(v + (65536-v)>>shift)
	} else {
		*p = uint16(v - v>>shift)
	}
	return bit
}

// decodeDirect decodes count bits of probability 1/2, high first.
func (d *rangeDecoder) decodeDirect(count int) uint64 {
	var value uint64
	for i := 0; i < count; i++ {
		d.rng >>= 1
		var bit uint64
		if d.code >= d.rng {
			d.code -= d.rng
			bit = 1
		}
		value = value<<1 | bit
		for d.rng < top {
			d.rng <<= 8
			d.code = d.code<<8 | d.next()
		}
	}
	return value
}
