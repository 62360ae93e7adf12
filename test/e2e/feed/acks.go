package feed

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Kind is the outcome an ack line records.
type Kind string

const (
	// OK: the flush returned FLB_OK; the line is written after it returned.
	OK Kind = "OK"
	// Error: the flush returned FLB_ERROR (or an invalid code); dropped.
	Error Kind = "ERROR"
	// Drop: FLB_RETRY with the retry limit reached; dropped.
	Drop Kind = "DROP"
	// Retry: FLB_RETRY and another attempt was scheduled; not final.
	Retry Kind = "RETRY"
)

// Final reports whether k ends an entry's life on an instance.
func (k Kind) Final() bool {
	return k == OK || k == Error || k == Drop
}

// AckKey names one entry on one output instance: Instance is the output's
// index in the configuration file (0-based, [OUTPUT] sections in order) and
// Seq the entry's sequence number in the feed.
type AckKey struct {
	Instance int
	Seq      uint64
}

// Ack is one line of the ack file: "<KIND> <instance> <seq>".
type Ack struct {
	Kind Kind
	AckKey
}

// ReadAcks parses the ack file at path, in file order. A missing file is
// returned as an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadAcks(path string) ([]Ack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	acks, err := ParseAcks(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return acks, nil
}

// ParseAcks parses ack lines. Every line, the last included, must be
// complete: flbhost writes each with a single write(2).
func ParseAcks(r io.Reader) ([]Ack, error) {
	var acks []Ack
	br := bufio.NewReader(r)
	for line := 1; ; line++ {
		text, err := br.ReadString('\n')
		if err == io.EOF {
			if text != "" {
				return nil, fmt.Errorf("line %d: incomplete line %q", line, text)
			}
			return acks, nil
		}
		if err != nil {
			return nil, err
		}
		ack, err := parseAck(strings.TrimSuffix(text, "\n"))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		acks = append(acks, ack)
	}
}

func parseAck(s string) (Ack, error) {
	f := strings.Split(s, " ")
	if len(f) != 3 {
		return Ack{}, fmt.Errorf("%q is not \"KIND instance seq\"", s)
	}
	kind := Kind(f[0])
	if !kind.Final() && kind != Retry {
		return Ack{}, fmt.Errorf("%q: unknown kind %q", s, f[0])
	}
	inst, err := strconv.Atoi(f[1])
	if err != nil || inst < 0 {
		return Ack{}, fmt.Errorf("%q: bad instance %q", s, f[1])
	}
	seq, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return Ack{}, fmt.Errorf("%q: bad sequence number %q", s, f[2])
	}
	return Ack{Kind: kind, AckKey: AckKey{Instance: inst, Seq: seq}}, nil
}

// Final maps each entry and instance to its final outcome (OK, ERROR or
// DROP). An entry with two final lines is an error: within one host run
// that cannot happen, so acks of separate runs belong in separate files.
func Final(acks []Ack) (map[AckKey]Kind, error) {
	out := make(map[AckKey]Kind)
	for _, a := range acks {
		if !a.Kind.Final() {
			continue
		}
		if prev, dup := out[a.AckKey]; dup {
			return nil, fmt.Errorf("entry %d on instance %d has two final outcomes: %s and %s", a.Seq, a.Instance, prev, a.Kind)
		}
		out[a.AckKey] = a.Kind
	}
	return out, nil
}

// Retries counts the RETRY lines of each entry and instance.
func Retries(acks []Ack) map[AckKey]int {
	out := make(map[AckKey]int)
	for _, a := range acks {
		if a.Kind == Retry {
			out[a.AckKey]++
		}
	}
	return out
}
