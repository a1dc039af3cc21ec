package rawjson

// Walking helpers for validated JSON. They assume b passed Validate; on other
// input they stop early rather than panic.

// ArrayEach calls fn with each element of the array b (elements trimmed of
// whitespace) until fn returns false.
func ArrayEach(b []byte, fn func(i int, v []byte) bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return
	}
	for n := 0; i < len(b); n++ {
		end := Skip(b, i)
		if !fn(n, b[i:end]) {
			return
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return
		}
		i = skipSpace(b, i+1)
	}
}

// ObjectEach calls fn with each member of the object b: the raw key token
// (quotes included) and the value, until fn returns false.
func ObjectEach(b []byte, fn func(key, v []byte) bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		kend, err := scanString(b, i, false)
		if err != nil {
			return
		}
		key := b[i:kend]
		i = skipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipSpace(b, i+1)
		end := Skip(b, i)
		if !fn(key, b[i:end]) {
			return
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return
		}
		i = skipSpace(b, i+1)
	}
}

// ArrayLen returns the number of elements of the array b.
func ArrayLen(b []byte) int {
	n := 0
	ArrayEach(b, func(int, []byte) bool { n++; return true })
	return n
}

// Index returns element i of the array b, or nil.
func Index(b []byte, i int) []byte {
	var out []byte
	ArrayEach(b, func(n int, v []byte) bool {
		if n == i {
			out = v
			return false
		}
		return true
	})
	return out
}

// KeyIs reports whether the key token tok (quotes included) decodes to s.
func KeyIs(tok []byte, s string) bool {
	if len(tok) == len(s)+2 && string(tok[1:len(tok)-1]) == s {
		return true
	}
	for _, c := range tok {
		if c == '\\' {
			u, ok := UnquoteUTF16(tok)
			if !ok {
				return false
			}
			return utf16Equal(u, s)
		}
	}
	return false
}

func utf16Equal(u []uint16, s string) bool {
	j := 0
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			if j+1 >= len(u) || u[j] != uint16(0xd800+(r>>10)) || u[j+1] != uint16(0xdc00+(r&0x3ff)) {
				return false
			}
			j += 2
			continue
		}
		if j >= len(u) || u[j] != uint16(r) {
			return false
		}
		j++
	}
	return j == len(u)
}
