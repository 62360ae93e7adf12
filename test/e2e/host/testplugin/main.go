// Command testplugin is a Go output plugin used to test flbhost itself.
// Built with -buildmode=c-shared it registers as "testplugin"; each
// instance's behaviour comes from its properties:
//
//	out_file       file the instance appends its event lines to
//	label          name written in those lines (default "inst<N>")
//	probe          comma-separated keys looked up at Init and reported,
//	               distinguishing unset (NULL) from set
//	fail_init      "true": Init fails
//	retry_first    N: the first N flushes return FLB_RETRY
//	return_for     "tag=code,...": fixed return code for those tags
//	sleep_ms       each flush takes this long
//	exit_sleep_ms  ExitCtx takes this long
//
// Lines written (one write each, so several instances can share a file):
//
//	init <label>
//	prop <label> <key> <quoted value | NULL>
//	start <label> <tag>                      (a flush began)
//	flush <label> <tag> <bytes> records=<n> crc=<crc32> conc=<n> gconc=<n> ret=<code>
//	exit-start <label>                       (ExitCtx began)
//	exit <label> flushes=<n> max_conc=<n> gmax_conc=<n> prerun=<n> preexit=<n>
package main

/*
#include <stdlib.h>

// Mirrors the leading fields of Fluent Bit's flbgo_output_plugin and
// flb_api: enough to call output_get_property and see a NULL answer, which
// fluent-bit-go's FLBPluginConfigKey turns into "".
typedef const char *(*probe_get_fn)(const char *, void *);
struct probe_api { probe_get_fn output_get_property; };
struct probe_plugin { char *name; struct probe_api *api; void *o_ins; };

static const char *probe_property(void *plugin, const char *key) {
	struct probe_plugin *p = plugin;
	return p->api->output_get_property(key, p->o_ins);
}
*/
import "C"

import (
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

type instance struct {
	label      string
	out        *os.File
	retryLeft  atomic.Int64
	returnFor  map[string]int
	sleep      time.Duration
	exitSleep  time.Duration
	flushes    atomic.Int64
	concurrent atomic.Int32
	maxConc    atomic.Int32
}

var (
	instances   atomic.Int32
	globalConc  atomic.Int32
	globalMax   atomic.Int32
	preRunCalls atomic.Int32
	preExits    atomic.Int32
)

func (in *instance) logf(format string, args ...any) {
	if in.out == nil {
		return
	}
	// One Write per line keeps lines whole when instances share a file.
	_, _ = in.out.WriteString(fmt.Sprintf(format, args...) + "\n")
}

func raiseMax(max *atomic.Int32, v int32) {
	for {
		m := max.Load()
		if v <= m || max.CompareAndSwap(m, v) {
			return
		}
	}
}

func probe(plugin unsafe.Pointer, key string) (string, bool) {
	k := C.CString(key)
	defer C.free(unsafe.Pointer(k))
	v := C.probe_property(plugin, k)
	if v == nil {
		return "", false
	}
	return C.GoString(v), true
}

func intProp(plugin unsafe.Pointer, key string) int {
	n, _ := strconv.Atoi(output.FLBPluginConfigKey(plugin, key))
	return n
}

func parseReturnFor(s string) map[string]int {
	m := map[string]int{}
	for _, pair := range strings.Split(s, ",") {
		tag, code, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(code); err == nil {
			m[tag] = n
		}
	}
	return m
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "testplugin", "flbhost test fixture")
}

//export FLBPluginUnregister
func FLBPluginUnregister(def unsafe.Pointer) {
	output.FLBPluginUnregister(def)
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	n := instances.Add(1) - 1
	in := &instance{
		label:     output.FLBPluginConfigKey(plugin, "label"),
		returnFor: parseReturnFor(output.FLBPluginConfigKey(plugin, "return_for")),
		sleep:     time.Duration(intProp(plugin, "sleep_ms")) * time.Millisecond,
		exitSleep: time.Duration(intProp(plugin, "exit_sleep_ms")) * time.Millisecond,
	}
	if in.label == "" {
		in.label = fmt.Sprintf("inst%d", n)
	}
	in.retryLeft.Store(int64(intProp(plugin, "retry_first")))
	if path := output.FLBPluginConfigKey(plugin, "out_file"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testplugin: out_file %s: %v\n", path, err)
			return output.FLB_ERROR
		}
		in.out = f
	}
	if keys := output.FLBPluginConfigKey(plugin, "probe"); keys != "" {
		for _, key := range strings.Split(keys, ",") {
			if v, ok := probe(plugin, key); ok {
				in.logf("prop %s %s %q", in.label, key, v)
			} else {
				in.logf("prop %s %s NULL", in.label, key)
			}
		}
	}
	if output.FLBPluginConfigKey(plugin, "fail_init") == "true" {
		in.logf("init-failed %s", in.label)
		return output.FLB_ERROR
	}
	output.FLBPluginSetContext(plugin, in)
	in.logf("init %s", in.label)
	return output.FLB_OK
}

//export FLBPluginOutputPreRun
func FLBPluginOutputPreRun(hotReload C.int) C.int {
	preRunCalls.Add(1)
	return 0
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) int {
	in := output.FLBPluginGetContext(ctx).(*instance)
	goTag := C.GoString(tag)
	in.logf("start %s %s", in.label, goTag)
	c := in.concurrent.Add(1)
	defer in.concurrent.Add(-1)
	raiseMax(&in.maxConc, c)
	g := globalConc.Add(1)
	defer globalConc.Add(-1)
	raiseMax(&globalMax, g)
	in.flushes.Add(1)

	chunk := C.GoBytes(data, length)
	records := 0
	dec := output.NewDecoder(data, int(length))
	for {
		ret, _, _ := output.GetRecord(dec)
		if ret != 0 {
			break
		}
		records++
	}
	time.Sleep(in.sleep)

	ret := output.FLB_OK
	if code, ok := in.returnFor[goTag]; ok {
		ret = code
	} else if in.retryLeft.Add(-1) >= 0 {
		ret = output.FLB_RETRY
	}
	in.logf("flush %s %s %d records=%d crc=%08x conc=%d gconc=%d ret=%d",
		in.label, goTag, len(chunk), records, crc32.ChecksumIEEE(chunk), c, g, ret)
	return ret
}

//export FLBPluginOutputPreExit
func FLBPluginOutputPreExit(hotReload C.int) {
	preExits.Add(1)
	lastPreExitReload.Store(int32(hotReload))
}

// lastPreExitReload is the argument of the last FLBPluginOutputPreExit:
// 1 when the exit is part of a hot reload.
var lastPreExitReload atomic.Int32

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int {
	in, ok := output.FLBPluginGetContext(ctx).(*instance)
	if !ok {
		return output.FLB_ERROR
	}
	in.logf("exit-start %s", in.label)
	time.Sleep(in.exitSleep)
	in.logf("exit %s flushes=%d max_conc=%d gmax_conc=%d prerun=%d preexit=%d reload=%d",
		in.label, in.flushes.Load(), in.maxConc.Load(), globalMax.Load(),
		preRunCalls.Load(), preExits.Load(), lastPreExitReload.Load())
	return output.FLB_OK
}

// FLBPluginExit is the context-free exit callback; the proxy prefers
// FLBPluginExitCtx, so this one must never run while that one exists.
//
//export FLBPluginExit
func FLBPluginExit() int {
	fmt.Fprintln(os.Stderr, "testplugin: FLBPluginExit called although FLBPluginExitCtx exists")
	return output.FLB_ERROR
}

func main() {}
