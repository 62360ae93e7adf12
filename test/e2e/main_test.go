// Package e2e runs the built plugin as Fluent Bit would: the real .so,
// loaded by flbhost through Fluent Bit's Go-proxy ABI, writing to a real
// S3-compatible server (versitygw) on loopback, with what landed read back
// by an independent reader (DuckDB).
package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3append/s3append/test/e2e/host"
	"github.com/s3append/s3append/test/e2e/s3server"
	"github.com/s3append/s3append/test/e2e/sidecarproc"
)

var (
	pluginSO   string
	hostBin    string
	sidecarBin string
	server     *s3server.Server
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	work, err := os.MkdirTemp("", "s3append-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	pluginSO = filepath.Join(work, "out_s3append.so")
	if err := host.CompilePlugin("../../plugin", pluginSO); err != nil {
		return 0, err
	}
	if hostBin, err = host.Compile(work); err != nil {
		return 0, err
	}
	sidecarBin = filepath.Join(work, "s3append")
	if err := sidecarproc.Compile("../..", sidecarBin); err != nil {
		return 0, err
	}
	if server, err = s3server.Start(filepath.Join(work, "s3")); err != nil {
		return 0, err
	}
	defer server.Stop()
	return m.Run(), nil
}
