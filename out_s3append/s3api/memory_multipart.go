package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

type memUpload struct {
	id        string
	key       string
	opts      PutOptions
	initiated time.Time
	seq       uint64 // orders uploads of one key started within a clock tick
	parts     map[int32]memPart
}

type memPart struct {
	etag string
	body []byte
}

// CreateMultipartUpload implements Store.
func (m *Memory) CreateMultipartUpload(ctx context.Context, key string, o PutOptions) (string, error) {
	var id string
	err := m.run(ctx, OpCreateMultipartUpload, key, func() error {
		if err := checkKey(key); err != nil {
			return err
		}
		m.seq++
		id = fmt.Sprintf("mem-%08d", m.seq)
		m.uploads[id] = &memUpload{id: id, key: key, opts: o, initiated: time.Now(), seq: m.seq, parts: map[int32]memPart{}}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// upload finds an open upload of key; the caller holds the lock.
func (m *Memory) upload(key, uploadID string) (*memUpload, error) {
	u, ok := m.uploads[uploadID]
	if !ok || u.key != key {
		return nil, apiError(CodeNoSuchUpload, fmt.Sprintf("upload %q of key %q does not exist", uploadID, key))
	}
	return u, nil
}

// UploadPart implements Store.
func (m *Memory) UploadPart(ctx context.Context, key, uploadID string, number int32, body []byte) (string, error) {
	var etag string
	err := m.run(ctx, OpUploadPart, key, func() error {
		u, err := m.upload(key, uploadID)
		if err != nil {
			return err
		}
		if number < MinPartNumber || number > MaxPartNumber {
			return apiError(CodeInvalidArgument, fmt.Sprintf("part number %d is not in %d..%d", number, MinPartNumber, MaxPartNumber))
		}
		if len(body) > MaxPartSize {
			return apiError(CodeEntityTooLarge, fmt.Sprintf("part %d is %d bytes, more than %d", number, len(body), MaxPartSize))
		}
		etag = etagOf(body)
		u.parts[number] = memPart{etag: etag, body: append([]byte(nil), body...)}
		return nil
	})
	if err != nil {
		return "", err
	}
	return etag, nil
}

// CompleteMultipartUpload implements Store.
func (m *Memory) CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) error {
	return m.run(ctx, OpCompleteMultipartUpload, key, func() error {
		sorted := append([]Part(nil), parts...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
		u, err := m.upload(key, uploadID)
		if err != nil {
			// Like S3, repeat success to a retry of a finished Complete.
			if done, ok := m.completed[uploadID]; ok && done == completionOf(key, sorted) {
				return nil
			}
			return err
		}
		if len(parts) == 0 {
			return apiError(CodeMalformedXML, "CompleteMultipartUpload lists no parts")
		}
		for i := 1; i < len(sorted); i++ {
			if sorted[i].Number == sorted[i-1].Number {
				return apiError(CodeInvalidPartOrder, fmt.Sprintf("part %d is listed twice", sorted[i].Number))
			}
		}
		var object bytes.Buffer
		digests := md5.New()
		for i, p := range sorted {
			stored, ok := u.parts[p.Number]
			if !ok || unquote(stored.etag) != unquote(p.ETag) {
				return apiError(CodeInvalidPart, fmt.Sprintf("part %d with ETag %s was not uploaded", p.Number, p.ETag))
			}
			if i < len(sorted)-1 && len(stored.body) < MinPartSize {
				return apiError(CodeEntityTooSmall, fmt.Sprintf("part %d is %d bytes, less than %d", p.Number, len(stored.body), MinPartSize))
			}
			object.Write(stored.body)
			sum := md5.Sum(stored.body)
			digests.Write(sum[:])
		}
		tags, err := parseTagging(u.opts.Tagging)
		if err != nil {
			return err
		}
		// S3's ETag of a multipart object: the MD5 of the parts' MD5s and
		// the part count.
		etag := fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(digests.Sum(nil)), len(sorted))
		m.objects[key] = memObject{body: object.Bytes(), meta: metaOf(u.opts), etag: etag, tags: tags}
		delete(m.uploads, uploadID)
		m.completed[uploadID] = completionOf(key, sorted)
		return nil
	})
}

// AbortMultipartUpload implements Store.
func (m *Memory) AbortMultipartUpload(ctx context.Context, key, uploadID string) error {
	return m.run(ctx, OpAbortMultipartUpload, key, func() error {
		if _, err := m.upload(key, uploadID); err != nil {
			return err
		}
		delete(m.uploads, uploadID)
		return nil
	})
}

// ListMultipartUploads implements Store.
func (m *Memory) ListMultipartUploads(ctx context.Context, prefix string) ([]Upload, error) {
	var open []*memUpload
	err := m.run(ctx, OpListMultipartUploads, prefix, func() error {
		for _, u := range m.uploads {
			if strings.HasPrefix(u.key, prefix) {
				open = append(open, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(open, func(i, j int) bool {
		if open[i].key != open[j].key {
			return open[i].key < open[j].key
		}
		return open[i].seq < open[j].seq
	})
	uploads := make([]Upload, len(open))
	for i, u := range open {
		uploads[i] = Upload{Key: u.key, UploadID: u.id, Initiated: u.initiated}
	}
	return uploads, nil
}

// ListParts implements Store.
func (m *Memory) ListParts(ctx context.Context, key, uploadID string) ([]Part, error) {
	var parts []Part
	err := m.run(ctx, OpListParts, key, func() error {
		u, err := m.upload(key, uploadID)
		if err != nil {
			return err
		}
		for n, p := range u.parts {
			parts = append(parts, Part{Number: n, ETag: p.etag, Size: int64(len(p.body))})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }

// completionOf identifies a successful Complete by its key and part list.
func completionOf(key string, sorted []Part) string {
	var b strings.Builder
	b.WriteString(key)
	for _, p := range sorted {
		fmt.Fprintf(&b, "\n%d %s", p.Number, unquote(p.ETag))
	}
	return b.String()
}
