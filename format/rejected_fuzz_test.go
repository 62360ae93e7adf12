package format

import (
	"bytes"
	"testing"

	"github.com/tinylib/msgp/msgp"
)

// FuzzReadRejected: any bytes are read without a panic; what is read as
// a rejection writes back to a rejection with the same fields, and the
// rest is what follows the extension.
func FuzzReadRejected(f *testing.F) {
	for _, size := range rejectedSizes {
		f.Add(AppendRejected(nil, &Rejection{Reason: "why", Origin: "s3://b/k", Line: 3, Raw: bytes.Repeat([]byte{'x'}, size)}))
	}
	f.Add(AppendRejected(nil, &Rejection{}))
	f.Add(ext(RejectedExt, msgp.AppendMapHeader(nil, 0)))
	f.Add(ext(RejectedExt, []byte{0x81, 0xa4, 'l', 'i', 'n', 'e', 0xff}))
	f.Add(ext(0, []byte{0, 0, 0, 1, 0, 0, 0, 2}))
	f.Add([]byte{0xc9, 0xff, 0xff, 0xff, 0xff, 82})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, rest, err := ReadRejected(b)
		if err != nil {
			if r != nil || len(rest) != len(b) {
				t.Fatalf("error %v with a rejection %v and %d of %d bytes left", err, r, len(rest), len(b))
			}
			return
		}
		if r.Line < 0 {
			t.Fatalf("line %d", r.Line)
		}
		after, serr := msgp.Skip(b)
		if serr != nil || !bytes.Equal(after, rest) {
			t.Fatalf("rest is %d bytes; msgp frames the extension to leave %d (%v)", len(rest), len(after), serr)
		}
		again, rest2, err := ReadRejected(AppendRejected(nil, r))
		if err != nil || len(rest2) != 0 {
			t.Fatalf("written back, it does not read: %v (%d bytes after)", err, len(rest2))
		}
		if again.Reason != r.Reason || again.Origin != r.Origin || again.Line != r.Line || !bytes.Equal(again.Raw, r.Raw) {
			t.Fatalf("written back and read: %+v, want %+v", again, r)
		}
		_ = r.String()
	})
}
