package out_s3append

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// s3OutputStream names the directories Fluent Bit's own s3 output keeps in
// <store_dir>/<bucket>/, the same place as this buffer: one per start of
// Fluent Bit, named by its local time, holding chunks not yet uploaded.
var s3OutputStream = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2}$`)

// s3OutputUploads is the s3 output's directory of multipart uploads in
// progress.
const s3OutputUploads = "multipart_upload_metadata"

// reportForeign says what the buffer directory holds that the buffer did
// not make. A switch from Fluent Bit's s3 output that kept store_dir
// leaves that output's unsent chunks there, which s3append cannot read:
// they would otherwise wait unnoticed for ever.
func (in *Instance) reportForeign(names []string) {
	var streams, other []string
	chunks := 0
	for _, n := range names {
		if n != s3OutputUploads && !s3OutputStream.MatchString(n) {
			other = append(other, n)
			continue
		}
		streams = append(streams, n)
		if n != s3OutputUploads {
			entries, _ := os.ReadDir(filepath.Join(in.store.Dir(), n))
			chunks += len(entries)
		}
	}
	dir := in.store.Dir()
	switch {
	case chunks > 0:
		in.log.Warnf("%s holds %d chunks of Fluent Bit's s3 output not yet uploaded (in %s), which s3append does not read: run the old [OUTPUT] Name s3 with this store_dir until they are uploaded, then remove them (the README's \"Moving from Fluent Bit's s3 output\" says how)", dir, chunks, strings.Join(streams, ", "))
	case len(streams) > 0:
		in.log.Infof("%s holds the empty directories of Fluent Bit's s3 output (%s); they can be removed", dir, strings.Join(streams, ", "))
	}
	if len(other) > 0 {
		in.log.Warnf("%s holds entries s3append did not make (%s); they are left alone", dir, strings.Join(other, ", "))
	}
}
