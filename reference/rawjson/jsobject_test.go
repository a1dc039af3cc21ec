package rawjson

import (
	"strings"
	"testing"
)

func TestParsedObject(t *testing.T) {
	keys := func(o OrderedObject) string {
		var b strings.Builder
		for _, m := range o {
			b.WriteString(m.Key + "=" + m.Value.(string) + " ")
		}
		return b.String()
	}
	for _, tc := range []struct {
		in   OrderedObject
		want string
	}{
		{OrderedObject{{"a", "1"}, {"b", "2"}}, "a=1 b=2 "},
		// JSON.parse('{"a":1,"b":2,"a":3}') is {"a":3,"b":2}
		{OrderedObject{{"a", "1"}, {"b", "2"}, {"a", "3"}}, "a=3 b=2 "},
		// JSON.parse('{"b":1,"2":2,"1":3,"01":4}') lists 1, 2, b, 01
		{OrderedObject{{"b", "1"}, {"2", "2"}, {"1", "3"}, {"01", "4"}}, "1=3 2=2 b=1 01=4 "},
		// 4294967295 is not an array index; 4294967294 is
		{OrderedObject{{"x", "1"}, {"4294967295", "2"}, {"4294967294", "3"}}, "4294967294=3 x=1 4294967295=2 "},
	} {
		if got := keys(ParsedObject(tc.in)); got != tc.want {
			t.Errorf("ParsedObject(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// many keys, one repeated at the end: the map path
	var o OrderedObject
	for i := 0; i < 40; i++ {
		o = append(o, Member{"k" + strings.Repeat("x", i), "v"})
	}
	if !JSObjectShaped(len(o), func(i int) string { return o[i].Key }) {
		t.Error("40 distinct keys reported as not shaped")
	}
	o = append(o, Member{"kxxx", "w"})
	if JSObjectShaped(len(o), func(i int) string { return o[i].Key }) {
		t.Error("a repeated 41st key was not noticed")
	}
	if got := ParsedObject(o); len(got) != 40 || got[3].Value != "w" {
		t.Errorf("repeated key: %d members, kxxx=%v", len(got), got[3].Value)
	}
}
