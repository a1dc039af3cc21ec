package msgpack

import "encoding/binary"

// DefaultMaxDepth caps the nesting of arrays and maps. notepack.io recurses
// and overflows Node's default stack somewhere between about 2,000 and
// 15,000 levels, depending on the stack size and on the JIT; 1000 stays
// clear of that range, so both sides accept every shallower message.
const DefaultMaxDepth = 1000

// Limits bounds the work Decode does for one message. Memory is at most one
// Value per input byte whatever the limits.
type Limits struct {
	// MaxDepth caps container nesting (the outermost container is depth
	// 1); 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxValues caps the number of values in the message; 0 means no cap.
	MaxValues int
}

func (l Limits) maxDepth() int {
	if l.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return l.MaxDepth
}

// Decode decodes one message with the default limits; see Limits.Decode.
func Decode(b []byte) (Value, error) { return Limits{}.Decode(b) }

// Decode decodes exactly one value that fills b, as notepack.io's decode
// does: truncated input, the reserved byte 0xc1 and trailing bytes are
// errors. It works iteratively in two passes, the first validating and
// counting, the second filling one slab of Values, so hostile input can
// neither exhaust the stack nor make it allocate more than len(b) Values.
// Payloads alias b.
func (l Limits) Decode(b []byte) (Value, error) {
	n, err := l.scan(b)
	if err != nil {
		return Value{}, err
	}
	slab := make([]Value, n)
	build(b, slab)
	return slab[0], nil
}

// head is the decoded first bytes of one value.
type head struct {
	kind    Kind
	format  Format
	ext     int8
	n       uint64 // scalar bits
	items   uint64 // array elements, or 2 × map pairs
	size    int    // header length
	payload uint64 // str/bin/ext bytes after the header
}

// readHead reads the header of the value at b[i:].
func readHead(b []byte, i int) (head, error) {
	if i >= len(b) {
		return head{}, syntaxErr(i, ErrTruncated)
	}
	c := b[i]
	switch {
	case c <= 0x7f:
		return head{kind: KindUint, format: PositiveFixint, n: uint64(c), size: 1}, nil
	case c <= 0x8f:
		return head{kind: KindMap, format: FixMap, items: 2 * uint64(c&0x0f), size: 1}, nil
	case c <= 0x9f:
		return head{kind: KindArray, format: FixArray, items: uint64(c & 0x0f), size: 1}, nil
	case c <= 0xbf:
		return head{kind: KindStr, format: FixStr, payload: uint64(c & 0x1f), size: 1}, nil
	case c >= 0xe0:
		return head{kind: KindInt, format: NegativeFixint, n: uint64(int64(int8(c))), size: 1}, nil
	}
	h, width := fixedHeads[c-0xc0], 0
	switch c {
	case 0xc0, 0xc2, 0xc3:
		return h, nil
	case 0xc1:
		return head{}, syntaxErr(i, ErrReserved)
	}
	width = h.size - 1
	if len(b)-i-1 < width {
		return head{}, syntaxErr(i, ErrTruncated)
	}
	arg := b[i+1 : i+h.size]
	switch h.kind {
	case KindUint, KindFloat32, KindFloat64:
		h.n = be(arg)
	case KindInt:
		h.n = signExtend(be(arg), width)
	case KindStr, KindBin:
		h.payload = be(arg)
	case KindArray:
		h.items = be(arg)
	case KindMap:
		h.items = 2 * be(arg)
	case KindExt:
		if h.format >= FixExt1 && h.format <= FixExt16 {
			h.ext = int8(arg[0])
		} else {
			h.payload = be(arg[:width-1])
			h.ext = int8(arg[width-1])
		}
	}
	return h, nil
}

// fixedHeads describes 0xc0..0xdf: kind, format, header size, and the
// payload of the fixext formats.
var fixedHeads = [32]head{
	0x00: {kind: KindNil, size: 1},
	0x02: {kind: KindBool, size: 1},
	0x03: {kind: KindBool, n: 1, size: 1},
	0x04: {kind: KindBin, format: Bin8, size: 2},
	0x05: {kind: KindBin, format: Bin16, size: 3},
	0x06: {kind: KindBin, format: Bin32, size: 5},
	0x07: {kind: KindExt, format: Ext8, size: 3},
	0x08: {kind: KindExt, format: Ext16, size: 4},
	0x09: {kind: KindExt, format: Ext32, size: 6},
	0x0a: {kind: KindFloat32, size: 5},
	0x0b: {kind: KindFloat64, size: 9},
	0x0c: {kind: KindUint, format: Uint8, size: 2},
	0x0d: {kind: KindUint, format: Uint16, size: 3},
	0x0e: {kind: KindUint, format: Uint32, size: 5},
	0x0f: {kind: KindUint, format: Uint64, size: 9},
	0x10: {kind: KindInt, format: Int8, size: 2},
	0x11: {kind: KindInt, format: Int16, size: 3},
	0x12: {kind: KindInt, format: Int32, size: 5},
	0x13: {kind: KindInt, format: Int64, size: 9},
	0x14: {kind: KindExt, format: FixExt1, size: 2, payload: 1},
	0x15: {kind: KindExt, format: FixExt2, size: 2, payload: 2},
	0x16: {kind: KindExt, format: FixExt4, size: 2, payload: 4},
	0x17: {kind: KindExt, format: FixExt8, size: 2, payload: 8},
	0x18: {kind: KindExt, format: FixExt16, size: 2, payload: 16},
	0x19: {kind: KindStr, format: Str8, size: 2},
	0x1a: {kind: KindStr, format: Str16, size: 3},
	0x1b: {kind: KindStr, format: Str32, size: 5},
	0x1c: {kind: KindArray, format: Array16, size: 3},
	0x1d: {kind: KindArray, format: Array32, size: 5},
	0x1e: {kind: KindMap, format: Map16, size: 3},
	0x1f: {kind: KindMap, format: Map32, size: 5},
}

// be reads a big-endian unsigned integer of 1, 2, 4 or 8 bytes.
func be(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	case 4:
		return uint64(binary.BigEndian.Uint32(b))
	case 8:
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func signExtend(u uint64, width int) uint64 {
	shift := 64 - 8*uint(width)
	return uint64(int64(u<<shift) >> shift)
}

// scan validates b and counts its values without allocating more than the
// stack of open containers.
func (l Limits) scan(b []byte) (int, error) {
	var small [32]uint64
	open := append(small[:0], 1) // values still to read per level; level 0 holds the top value
	maxDepth := l.maxDepth()
	count, i := 0, 0
	for len(open) > 0 {
		top := &open[len(open)-1]
		if *top == 0 {
			open = open[:len(open)-1]
			continue
		}
		*top--
		h, err := readHead(b, i)
		if err != nil {
			return 0, err
		}
		count++
		if l.MaxValues > 0 && count > l.MaxValues {
			return 0, syntaxErr(i, ErrTooMany)
		}
		start := i
		i += h.size
		switch h.kind {
		case KindArray, KindMap:
			if len(open) > maxDepth {
				return 0, syntaxErr(start, ErrDepth)
			}
			// Every item takes at least one byte.
			if h.items > uint64(len(b)-i) {
				return 0, syntaxErr(len(b), ErrTruncated)
			}
			if h.items > 0 {
				open = append(open, h.items)
			}
		default:
			if h.payload > uint64(len(b)-i) {
				return 0, syntaxErr(len(b), ErrTruncated)
			}
			i += int(h.payload)
		}
	}
	if i != len(b) {
		return 0, syntaxErr(i, ErrTrailing)
	}
	return count, nil
}

// build fills slab from b, which scan has validated: slab[0] is the top
// value and every container's items are a contiguous run reserved when its
// header is read.
func build(b []byte, slab []Value) {
	type frame struct {
		items []Value
		next  int
	}
	var small [32]frame
	stack := append(small[:0], frame{items: slab[:1]})
	used, i := 1, 0
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.items) {
			stack = stack[:len(stack)-1]
			continue
		}
		v := &top.items[top.next]
		top.next++
		h, _ := readHead(b, i)
		i += h.size
		*v = Value{Kind: h.kind, Format: h.format, ExtType: h.ext, n: h.n}
		switch h.kind {
		case KindArray, KindMap:
			n := int(h.items)
			v.Items = slab[used : used+n : used+n]
			used += n
			if n > 0 {
				stack = append(stack, frame{items: v.Items})
			}
		case KindStr, KindBin, KindExt:
			n := int(h.payload)
			v.Bytes = b[i : i+n : i+n]
			i += n
		}
	}
}
