package lines

import (
	"crypto/tls"
	"reflect"
	"testing"

	"github.com/s3append/s3append/source/sourcetest"
)

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := sourcetest.SelfSigned(t, t.TempDir())
	r := start(t, map[string]string{"tls_cert_file": certFile, "tls_key_file": keyFile}, nil)
	c, err := tls.Dial("tcp", r.src.Addr(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("over tls\nsecond\n"))
	c.Close()
	if got := logs(waitRecords(t, r.sink, 2)); !reflect.DeepEqual(got, []string{"over tls", "second"}) {
		t.Errorf("got %q", got)
	}
}
