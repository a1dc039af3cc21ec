package harness

import (
	"bytes"
	"encoding/json"
)

func newBytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func jsonUnmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
