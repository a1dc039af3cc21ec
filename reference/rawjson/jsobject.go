package rawjson

import (
	"math"
	"slices"
)

// ArrayIndex reports whether key is a JavaScript array index: the canonical
// decimal form of an integer from 0 to 2^32-2. Objects list such keys
// first, in ascending order, whatever the order they were created in.
func ArrayIndex(key string) (uint64, bool) {
	if key == "" || len(key) > 10 || (key[0] == '0' && len(key) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n <= math.MaxUint32-1
}

// ParsedObject returns the object JSON.parse builds from members in wire
// order, as JSON.stringify would list it: a repeated key keeps its first
// position and takes its last value, and array-index keys come first,
// ascending. o is returned as it is when it already has that shape (the
// common case), and is never modified.
func ParsedObject(o OrderedObject) OrderedObject {
	if JSObjectShaped(len(o), func(i int) string { return o[i].Key }) {
		return o
	}
	out := make(OrderedObject, 0, len(o))
	at := make(map[string]int, len(o))
	for _, m := range o {
		if i, seen := at[m.Key]; seen {
			out[i].Value = m.Value
			continue
		}
		at[m.Key] = len(out)
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b Member) int {
		na, ia := ArrayIndex(a.Key)
		nb, ib := ArrayIndex(b.Key)
		switch {
		case ia && ib:
			return cmpUint(na, nb)
		case ia:
			return -1
		case ib:
			return 1
		}
		return 0
	})
	return out
}

// JSObjectShaped reports whether the n keys key(0..n-1), in this order, are
// already what a JavaScript object lists: no key twice and no array index
// after another key or after a larger index.
func JSObjectShaped(n int, key func(int) string) bool {
	var last uint64
	indices := true
	var seen map[string]struct{} // past a few keys; a hostile object can have many
	for i := 0; i < n; i++ {
		k := key(i)
		if x, ok := ArrayIndex(k); ok {
			if !indices || (i > 0 && x <= last) {
				return false
			}
			last = x
		} else {
			indices = false
		}
		if i < 16 {
			for j := 0; j < i; j++ {
				if key(j) == k {
					return false
				}
			}
			continue
		}
		if seen == nil {
			seen = make(map[string]struct{}, n)
			for j := 0; j < i; j++ {
				seen[key(j)] = struct{}{}
			}
		}
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
	}
	return true
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
