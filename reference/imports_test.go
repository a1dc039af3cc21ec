package reference_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestCodecHasNoIO keeps the codec free of I/O (as dnsmessage's TestNoFmt
// does): it may not import networking, os or the rest of siotest.
func TestCodecHasNoIO(t *testing.T) {
	forbidden := []string{"net", "net/http", "os", "os/exec", "io/ioutil", "github.com/gorilla/websocket"}
	for _, pkg := range []string{"eio", "sio", "rawjson", "internal/jsstr", "msgpack", "siomsgpack"} {
		p, err := build.Import("github.com/siotest/siotest/reference/"+pkg, ".", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			for _, f := range forbidden {
				if imp == f {
					t.Errorf("reference/%s imports %s", pkg, imp)
				}
			}
			if strings.HasPrefix(imp, "github.com/siotest/siotest/") && !strings.HasPrefix(imp, "github.com/siotest/siotest/reference/") {
				t.Errorf("reference/%s imports %s: the codec depends on nothing else of siotest", pkg, imp)
			}
		}
	}
}
