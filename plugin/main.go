// Command plugin is the cgo boundary of s3append, built as
// out_s3append.so. Each export converts C types, finds the instance, calls
// the engine and maps the outcome to a Fluent Bit return code. Nothing
// else lives here: a panic that escaped would take the whole Fluent Bit
// down, so every export recovers.
package main

import "C"

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
	"github.com/s3append/s3append/buildinfo"
	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/out_s3append"
)

const pluginName = "s3append"

var (
	mu sync.Mutex
	// instances are the outputs started since the last hot reload, in
	// Init order; nil once closed (or while starting).
	instances []*out_s3append.Instance
	// counters are every instance's counters by name, kept for the life
	// of the process: an instance started again under its name after a
	// hot reload goes on counting where it left off.
	counters = map[string]*out_s3append.Stats{}
)

// instanceName is the name of the output starting now: s3append.<n> for
// the n-th s3append output since the start or the last hot reload. A
// reload closes every instance first and starts them again in the same
// order, so each gets its name back. Locked.
func instanceName() (name string, slot int) {
	if allClosed() {
		instances = instances[:0]
	}
	slot = len(instances)
	instances = append(instances, nil)
	return fmt.Sprintf("%s.%d", pluginName, slot), slot
}

// allClosed says whether no instance is running: at the first start, and
// when a hot reload has closed them all. Locked.
func allClosed() bool {
	for _, in := range instances {
		if in != nil {
			return false
		}
	}
	return true
}

// guard turns a panic into FLB_ERROR and a log line.
func guard(where string, ret *int) {
	if r := recover(); r != nil {
		fmt.Fprintf(os.Stderr, "[%s] [error] [output:%s] panic in %s, returning FLB_ERROR: %v\n%s",
			time.Now().Format(out_s3append.LogTimeFormat), pluginName, where, r, debug.Stack())
		*ret = output.FLB_ERROR
	}
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) (ret int) {
	defer guard("FLBPluginRegister", &ret)
	return output.FLBPluginRegister(def, pluginName, "Append-only log store on Amazon S3: durable buffer, multipart objects")
}

// configSource answers option lookups through Fluent Bit's
// output_get_property.
type configSource struct{ plugin unsafe.Pointer }

func (s configSource) Get(key string) string { return output.FLBPluginConfigKey(s.plugin, key) }

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) (ret int) {
	defer guard("FLBPluginInit", &ret)
	mu.Lock()
	name, slot := instanceName()
	stats := counters[name]
	if stats == nil {
		stats = &out_s3append.Stats{}
		counters[name] = stats
	}
	mu.Unlock()
	log := out_s3append.NewLogger(nil, name)
	if level, ok := outputLogLevel(plugin); ok {
		log.SetLevel(level)
	}
	cfg, err := conf.Parse(configSource{plugin})
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			log.Errorf("configuration: %s", line)
		}
		return output.FLB_ERROR
	}
	warnUnknownKeys(log, slot, cfg)
	inst, err := out_s3append.Start(name, cfg, log, stats)
	if err != nil {
		log.Errorf("cannot start: %v", err)
		return output.FLB_ERROR
	}
	mu.Lock()
	instances[slot] = inst
	mu.Unlock()
	output.FLBPluginSetContext(plugin, inst)
	log.Infof("bucket=%s store_dir=%s format=%s compression=%s upload_chunk_size=%d total_file_size=%d upload_timeout=%s %s",
		cfg.Bucket, cfg.StoreDir, cfg.Format, cfg.Compression, cfg.UploadChunkSize, cfg.TotalFileSize, cfg.UploadTimeout, releaseFields(buildinfo.Get()))
	return output.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) (ret int) {
	defer guard("FLBPluginFlush", &ret)
	// Only hosts without FlushCtx call this; it serves the first instance.
	mu.Lock()
	var inst *out_s3append.Instance
	if len(instances) > 0 {
		inst = instances[0]
	}
	mu.Unlock()
	return flush(inst, data, int(length), tag)
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) (ret int) {
	defer guard("FLBPluginFlushCtx", &ret)
	inst, _ := output.FLBPluginGetContext(ctx).(*out_s3append.Instance)
	return flush(inst, data, int(length), tag)
}

func flush(inst *out_s3append.Instance, data unsafe.Pointer, length int, tag *C.char) int {
	if inst == nil {
		fmt.Fprintf(os.Stderr, "[error] [output:%s] flush for an instance that is not initialised\n", pluginName)
		return output.FLB_ERROR
	}
	// The chunk stays Fluent Bit's: the engine copies what it keeps before
	// returning.
	chunk := unsafe.Slice((*byte)(data), length)
	switch inst.Flush(C.GoString(tag), chunk) {
	case out_s3append.OK:
		return output.FLB_OK
	case out_s3append.Retry:
		return output.FLB_RETRY
	}
	return output.FLB_ERROR
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) (ret int) {
	defer guard("FLBPluginExitCtx", &ret)
	inst, _ := output.FLBPluginGetContext(ctx).(*out_s3append.Instance)
	closeInstance(inst)
	return output.FLB_OK
}

//export FLBPluginExit
func FLBPluginExit() (ret int) {
	defer guard("FLBPluginExit", &ret)
	mu.Lock()
	all := append([]*out_s3append.Instance(nil), instances...)
	mu.Unlock()
	for _, inst := range all {
		closeInstance(inst)
	}
	return output.FLB_OK
}

// closeInstance closes inst once, whichever exit callback comes first.
func closeInstance(inst *out_s3append.Instance) {
	if inst == nil {
		return
	}
	mu.Lock()
	found := false
	for i, in := range instances {
		if in == inst {
			instances[i] = nil
			found = true
		}
	}
	mu.Unlock()
	if found {
		inst.Close()
	}
}

func main() {}
