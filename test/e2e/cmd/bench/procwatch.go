package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// procSample is how often a watched process's /proc files are read. The
// peak RSS is a high-water mark the kernel keeps, so a sample misses only
// what the process gained in its last procSample before exit.
const procSample = 10 * time.Millisecond

// procWatch samples a running process's peak RSS (VmHWM) and CPU time
// (utime + stime) from /proc until the process is gone or finish is
// called. ru_maxrss cannot stand in for VmHWM: a child's counts the
// memory of the process that forked it (this one, holding the clients'
// data), up to its exec.
type procWatch struct {
	pid  int
	stop chan struct{}
	done chan struct{}
	// Written by the sampling goroutine, read after done is closed.
	peak    int64         // bytes
	cpu     time.Duration // the last sample's
	samples int
}

func watchProc(pid int) *procWatch {
	w := &procWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *procWatch) run() {
	defer close(w.done)
	tick := time.NewTicker(procSample)
	defer tick.Stop()
	for {
		if !w.sample() {
			return
		}
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

// sample reads both files once; false once the process has exited (its
// /proc entry is gone, or it is a zombie with no memory left to report).
func (w *procWatch) sample() bool {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.pid))
	if err != nil {
		return false
	}
	hwm, ok := statusKB(status, "VmHWM:")
	if !ok {
		return false
	}
	w.peak = max(w.peak, hwm<<10)
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", w.pid)); err == nil {
		if cpu, ok := statCPU(stat); ok {
			w.cpu = cpu
		}
	}
	w.samples++
	return true
}

// finish stops sampling (the process has exited or is about to be
// abandoned) and returns the peak RSS and the last CPU time seen.
func (w *procWatch) finish() (peak int64, cpu time.Duration, samples int) {
	select {
	case <-w.done:
	default:
		close(w.stop)
		<-w.done
	}
	return w.peak, w.cpu, w.samples
}

// statusKB reads a "Key:  N kB" line of /proc/<pid>/status.
func statusKB(status []byte, key string) (int64, bool) {
	i := bytes.Index(status, []byte(key))
	if i < 0 {
		return 0, false
	}
	line := status[i+len(key):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line)
	if len(f) != 2 || string(f[1]) != "kB" {
		return 0, false
	}
	n, err := strconv.ParseUint(string(f[0]), 10, 40) // up to 1 PB
	return int64(n), err == nil
}

// clockTick is Linux's USER_HZ, the unit of /proc/<pid>/stat's times: 100
// on every architecture Go runs Linux on.
const clockTick = 10 * time.Millisecond

// statCPU reads utime + stime from /proc/<pid>/stat: fields 14 and 15,
// counted after the command name, which may hold spaces and ends at the
// last ')'.
func statCPU(stat []byte) (time.Duration, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(string(f[11]), 10, 32)
	stime, err2 := strconv.ParseUint(string(f[12]), 10, 32)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}

// childrenCPU is the user + system time of every child of this process
// that has exited and been waited for. Taken before a child starts and
// after it is reaped, the difference is that child's whole CPU time,
// exactly: the kernel adds it at the wait. The S3 server, the only other
// child, runs throughout and is reaped only at the end.
func childrenCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
