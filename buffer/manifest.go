package buffer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"time"
)

// Manifest is what an object's directory says about the object beyond its
// records: everything needed to finish it after a restart, under the same
// key, even if the configuration changed meanwhile.
type Manifest struct {
	Version int `json:"version"`
	// Key is the object's S3 key, fixed when the object was opened.
	Key string `json:"key"`
	// Route is the rendered key prefix that new records are matched on.
	Route string `json:"route"`
	// Tag is the Fluent Bit tag of the object's first record (for log lines).
	Tag     string    `json:"tag"`
	Created time.Time `json:"created"`
	// Encoding of the object, fixed at open.
	Format          string `json:"format"`
	Compression     string `json:"compression"`
	ContentType     string `json:"content_type"`
	ContentEncoding string `json:"content_encoding,omitempty"`
	StorageClass    string `json:"storage_class,omitempty"`
	// Sealed objects take no more records.
	Sealed bool `json:"sealed,omitempty"`
	// UploadID of the multipart upload in progress, if any.
	UploadID string       `json:"upload_id,omitempty"`
	Parts    []PartRecord `json:"parts,omitempty"`
}

// PartRecord is one uploaded part and the buffered range it was made from.
type PartRecord struct {
	Number int32  `json:"number"`
	ETag   string `json:"etag"`
	Start  int64  `json:"start"` // segment offset of the first frame
	End    int64  `json:"end"`   // segment offset just past the last frame
	Size   int64  `json:"size"`  // bytes uploaded
}

const manifestVersion = 1

// A manifest file is the manifest's JSON followed by a line
// "crc32c <8 hex digits>\n" over the JSON, so a flipped byte that still
// parses is caught too.
const manifestCRCPrefix = "crc32c "

func readManifest(path string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	i := bytes.LastIndex(b, []byte("\n"+manifestCRCPrefix))
	if i < 0 {
		return m, fmt.Errorf("manifest %s: no checksum line", path)
	}
	body, trailer := b[:i+1], strings.TrimSpace(string(b[i+1+len(manifestCRCPrefix):]))
	if want, err := strconv.ParseUint(trailer, 16, 32); err != nil || uint32(want) != crc32.Checksum(body, castagnoli) {
		return m, fmt.Errorf("manifest %s: checksum mismatch", path)
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Version != manifestVersion {
		return m, fmt.Errorf("manifest %s: unknown version %d", path, m.Version)
	}
	if m.Key == "" {
		return m, fmt.Errorf("manifest %s: no object key", path)
	}
	return m, nil
}

func writeManifest(path string, m Manifest) error {
	m.Version = manifestVersion
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	b = fmt.Appendf(b, "%s%08x\n", manifestCRCPrefix, crc32.Checksum(b, castagnoli))
	return WriteFileAtomic(path, b)
}
