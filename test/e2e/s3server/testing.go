package s3server

import (
	"path/filepath"
	"testing"
)

// StartForTest starts a server with its data in a fresh temporary
// directory, stops it when t ends, and prints the end of its log if t
// failed. It fails t when the server cannot start.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start(filepath.Join(t.TempDir(), "s3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("versitygw log (%s), last lines:\n%s", s.LogPath, s.logTail(40))
		}
	})
	return s
}
