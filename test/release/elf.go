package release

import (
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// machines are the ELF machines of the architectures, by GOARCH.
var machines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// pluginExports are what Fluent Bit's Go proxy looks up in a Go plugin
// (FlushCtx and ExitCtx for multi-instance outputs, the others without).
var pluginExports = []string{
	"FLBPluginRegister", "FLBPluginInit",
	"FLBPluginFlush", "FLBPluginFlushCtx",
	"FLBPluginExit", "FLBPluginExitCtx",
}

// maxGLIBC is Debian 12's glibc, the official Fluent Bit image's base: a
// symbol version above it fails to load there.
var maxGLIBC = [2]int{2, 36}

// glibcLibs are the libraries the .so may need: glibc's, which every
// image and node that runs Fluent Bit has.
var glibcLibs = []string{"libc.so.6", "libpthread.so.0", "libdl.so.2", "libm.so.6", "librt.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}

// checkPlugin lists what is wrong with a plugin .so for arch.
func checkPlugin(f *elf.File, arch string) []string {
	var bad []string
	if f.Type != elf.ET_DYN {
		bad = append(bad, fmt.Sprintf("ELF type %v, want a shared object (ET_DYN)", f.Type))
	}
	if want := machines[arch]; f.Machine != want {
		bad = append(bad, fmt.Sprintf("machine %v, want %v for %s", f.Machine, want, arch))
	}
	syms, err := f.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return append(bad, fmt.Sprintf("dynamic symbols: %v", err))
	}
	for _, name := range pluginExports {
		if !slices.ContainsFunc(syms, func(s elf.Symbol) bool { return s.Name == name && exportedFunc(s) }) {
			bad = append(bad, fmt.Sprintf("does not export the function %s", name))
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return append(bad, fmt.Sprintf("needed libraries: %v", err))
	}
	for _, l := range libs {
		if !slices.Contains(glibcLibs, l) {
			bad = append(bad, fmt.Sprintf("needs %s, which is not glibc's", l))
		}
	}
	v, ok, err := glibcNeeded(f)
	if err != nil {
		return append(bad, err.Error())
	}
	if ok && (v[0] > maxGLIBC[0] || v[0] == maxGLIBC[0] && v[1] > maxGLIBC[1]) {
		bad = append(bad, fmt.Sprintf("needs GLIBC_%d.%d, newer than Debian 12's %d.%d: build against an older glibc", v[0], v[1], maxGLIBC[0], maxGLIBC[1]))
	}
	return bad
}

// glibcNeeded is the newest glibc symbol version f needs.
func glibcNeeded(f *elf.File) (v [2]int, ok bool, err error) {
	needs, err := f.DynamicVersionNeeds()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return v, false, fmt.Errorf("version needs: %w", err)
	}
	var versions []string
	for _, n := range needs {
		for _, d := range n.Needs {
			versions = append(versions, d.Dep)
		}
	}
	v, ok = newestGLIBC(versions)
	return v, ok, nil
}

// exportedFunc says whether s is a function the object defines and
// exports.
func exportedFunc(s elf.Symbol) bool {
	return s.Section != elf.SHN_UNDEF && elf.ST_TYPE(s.Info) == elf.STT_FUNC &&
		elf.ST_BIND(s.Info) == elf.STB_GLOBAL && elf.ST_VISIBILITY(s.Other) == elf.STV_DEFAULT
}

// newestGLIBC returns the highest GLIBC_x.y[.z] among symbol versions
// (x.y only: glibc adds symbol versions in minor releases).
func newestGLIBC(versions []string) (v [2]int, ok bool) {
	for _, s := range versions {
		rest, found := strings.CutPrefix(s, "GLIBC_")
		if !found {
			continue // GLIBC_PRIVATE's kin and other libraries' versions
		}
		parts := strings.Split(rest, ".")
		if len(parts) < 2 {
			continue
		}
		major, err1 := strconv.Atoi(parts[0])
		minor, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil {
			continue
		}
		if !ok || major > v[0] || major == v[0] && minor > v[1] {
			v, ok = [2]int{major, minor}, true
		}
	}
	return v, ok
}

// checkSidecar lists what is wrong with a sidecar binary for arch: it
// must run on a distroless static image, so no interpreter and no shared
// library.
func checkSidecar(f *elf.File, arch string) []string {
	var bad []string
	if want := machines[arch]; f.Machine != want {
		bad = append(bad, fmt.Sprintf("machine %v, want %v for %s", f.Machine, want, arch))
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			bad = append(bad, "has a program interpreter (PT_INTERP): it is dynamically linked, want static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil {
		bad = append(bad, fmt.Sprintf("needed libraries: %v", err))
	} else if len(libs) > 0 {
		bad = append(bad, fmt.Sprintf("needs shared libraries %v, want none (static)", libs))
	}
	return bad
}
