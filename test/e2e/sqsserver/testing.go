package sqsserver

import "testing"

// StartForTest starts a server with the installed goaws binary, closes it
// when t ends, and prints the end of goaws's log if t failed. It fails t
// when the binary is missing or the server cannot start.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("goaws log, last lines:\n%s", s.LogTail(40))
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}
