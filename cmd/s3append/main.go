// Command s3append is the sidecar: the engine of the Fluent Bit plugin in
// a static binary of its own, fed over the forward protocol, HTTP, OTLP
// and plain lines on a socket. See the README's "Sidecar" section.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/s3append/s3append/buildinfo"
	"github.com/s3append/s3append/sidecar"
)

const usage = `s3append: an append-only log store on S3, fed over forward, HTTP, OTLP and sockets

Usage:
  s3append -c FILE          run with the configuration FILE
  s3append check -c FILE    check FILE (the sidecar's, or a Fluent Bit configuration
                            with s3append outputs) and list every problem
  s3append version          print the version
  s3append -h               this help

Signals: SIGTERM or SIGINT stop accepting, answer what was taken, upload what
can be within each output's shutdown_timeout and leave the rest buffered for
the next start; a second one exits at once (the buffer stays consistent).
SIGHUP is ignored: restart the process to apply a new configuration.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, versionLine())
			return 0
		case "check":
			return check(args[1:], stdout, stderr)
		case "help", "-h", "--help", "-help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	fs := flag.NewFlagSet("s3append", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	file := fs.String("c", "", "configuration file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *file == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	return serve(*file, stderr)
}

// versionLine is the release, as the Makefile stamped it (buildinfo).
func versionLine() string { return "s3append " + buildinfo.Get().String() }

func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("s3append check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "", "configuration file to check")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *file == "" {
		fmt.Fprintln(stderr, "s3append check: -c FILE is required")
		return 2
	}
	summary, err := sidecar.Check(*file, sidecar.Kinds)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, summary)
	return 0
}

func serve(file string, stderr io.Writer) int {
	cfg, err := sidecar.ReadFile(file, sidecar.Kinds)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	sc, err := sidecar.Start(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "s3append: cannot start: %v\n", err)
		return 1
	}
	sc.Logf("%s started with %s", versionLine(), file)
	for sig := range sigs {
		if sig == syscall.SIGHUP {
			sc.Logf("SIGHUP ignored: s3append does not reload; restart it to apply a new configuration (check it first with s3append check -c %s)", file)
			continue
		}
		sc.Logf("%v: shutting down (a second signal exits at once)", sig)
		break
	}
	go func() {
		sig := <-sigs
		for sig == syscall.SIGHUP {
			sig = <-sigs
		}
		fmt.Fprintf(stderr, "s3append: %v again: exiting now; what is not uploaded stays buffered for the next start\n", sig)
		os.Exit(1)
	}()
	sc.Stop()
	return 0
}
