package rawjson

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	valid := []string{`0`, `-0.5e+3`, ` [ ] `, `{"a":[1,{"b":null}],"c":"\ud800\u001e\/"}`, `"é\u2028"`, `true`, "\t\r\n{}\n",
		strings.Repeat("[", 100000) + strings.Repeat("]", 100000)}
	invalid := map[string]int{`01`: 1, `[1,]`: 3, `{"a"}`: 4, `"\x"`: 1, "\"\x01\"": 1, `[`: 1, `1 2`: 2, `nul`: 0, `.5`: 0, `1.`: 2, `{"a":1,}`: 7, "\u00a01": 0, `"abc`: 0}
	for _, s := range valid {
		if err := Validate([]byte(s), true); err != nil {
			t.Errorf("%.40q: %v", s, err)
		}
	}
	for s, off := range invalid {
		err := Validate([]byte(s), false)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != off || !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v, want offset %d", s, err, off)
		}
	}
	if Validate([]byte("\"\xff\""), false) != nil || Validate([]byte("\"\xff\""), true) == nil {
		t.Error("invalid UTF-8 inside strings: accepted by default, refused when strict")
	}
}

// TestAppendLikeJSONStringify pins outputs of JSON.stringify in Node 20.
func TestAppendLikeJSONStringify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want string
	}{
		{"a\"\\\n\x1e<>&\u2028é", `"a\"\\\n\u001e<>&` + "\u2028" + `é"`},
		{"\xff", `"` + "\ufffd" + `"`},
		{1e21, `1e+21`}, {1e-7, `1e-7`}, {123.456, `123.456`}, {-0.0, `0`}, {math.NaN(), `null`}, {math.Inf(1), `null`},
		{OrderedObject{{"z", 1}, {"a", []any{true, nil}}}, `{"z":1,"a":[true,null]}`},
		{map[string]any{"z": 1, "a": "x"}, `{"a":"x","z":1}`},
	}
	for _, tc := range tests {
		got, err := Append(nil, tc.v, nil)
		if err != nil || string(got) != tc.want {
			t.Errorf("%#v: %s (%v), want %s", tc.v, got, err, tc.want)
		}
	}
	if _, err := Append(nil, []any{[]byte{1}}, nil); !errors.Is(err, ErrBinary) {
		t.Errorf("binary without a hook: %v", err)
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	same := [][2]string{{`{"a":1,"b":2}`, `{"b":2.0,"a":1e0}`}, {`"\u0041"`, `"A"`}, {`{"a":1,"a":2}`, `{"a":2}`}, {`["\ud800"]`, `["\uD800"]`}}
	differ := [][2]string{{`[1,2]`, `[2,1]`}, {`"\ud800"`, `"\ufffd"`}, {`{}`, `[]`}, {`1`, `"1"`}, {`1e400`, `null`}}
	for _, p := range same {
		if !Equal([]byte(p[0]), []byte(p[1])) {
			t.Errorf("%s != %s", p[0], p[1])
		}
	}
	for _, p := range differ {
		if Equal([]byte(p[0]), []byte(p[1])) {
			t.Errorf("%s == %s", p[0], p[1])
		}
	}
	if !EqualStringified([]byte(`[1e400]`), []byte(`[null]`)) {
		t.Error("Infinity stringifies as null")
	}
}
