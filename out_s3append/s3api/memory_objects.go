package s3api

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"sort"
	"strings"
)

// defaultMaxKeys is the page size S3 uses when none is asked for.
const defaultMaxKeys = 1000

// ListPage implements Store. The continuation token is the last entry of
// the page ("k" and a key, or "p" and a common prefix): opaque to callers,
// as S3's is.
func (m *Memory) ListPage(ctx context.Context, r ListRequest) (ListResult, error) {
	var res ListResult
	err := m.run(ctx, OpListObjects, r.Prefix, func() error {
		max := int(r.MaxKeys)
		if max <= 0 {
			max = defaultMaxKeys
		}
		after, skipPrefix := r.StartAfter, ""
		if t := r.ContinuationToken; t != "" {
			switch {
			case strings.HasPrefix(t, "k"):
				after = max2(after, t[1:])
			case strings.HasPrefix(t, "p"):
				after, skipPrefix = max2(after, t[1:]), t[1:]
			default:
				return apiError(CodeInvalidArgument, "the continuation token is not valid")
			}
		}
		keys := make([]string, 0, len(m.objects))
		for key := range m.objects {
			if strings.HasPrefix(key, r.Prefix) && key > after && (skipPrefix == "" || !strings.HasPrefix(key, skipPrefix)) {
				keys = append(keys, key)
			}
		}
		sort.Strings(keys)
		n, last := 0, ""
		for _, key := range keys {
			cp := ""
			if r.Delimiter != "" {
				if i := strings.Index(key[len(r.Prefix):], r.Delimiter); i >= 0 {
					cp = key[:len(r.Prefix)+i+len(r.Delimiter)]
					if last == "p"+cp {
						continue // rolled up into the entry just listed
					}
				}
			}
			if n == max {
				res.NextContinuationToken = last
				return nil
			}
			n++
			if cp != "" {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				last = "p" + cp
				continue
			}
			obj := m.objects[key]
			res.Objects = append(res.Objects, ListedObject{Key: key, Size: int64(len(obj.body)), ETag: obj.etag})
			last = "k" + key
		}
		return nil
	})
	if err != nil {
		return ListResult{}, err
	}
	return res, nil
}

func max2(a, b string) string {
	if a > b {
		return a
	}
	return b
}

// OpenObject implements Store. The reader shares the stored body, which
// is never changed in place, so opening costs no copy whatever the size.
func (m *Memory) OpenObject(ctx context.Context, key string) (io.ReadCloser, ObjectVersion, error) {
	var obj memObject
	err := m.run(ctx, OpGetObject, key, func() error {
		var ok bool
		if obj, ok = m.objects[key]; !ok {
			return apiError(CodeNoSuchKey, "The specified key does not exist: "+key)
		}
		return nil
	})
	if err != nil {
		return nil, ObjectVersion{}, err
	}
	return io.NopCloser(bytes.NewReader(obj.body)), ObjectVersion{Size: int64(len(obj.body)), ETag: obj.etag}, nil
}

// DeleteObject implements Store.
func (m *Memory) DeleteObject(ctx context.Context, key string) error {
	return m.run(ctx, OpDeleteObject, key, func() error {
		delete(m.objects, key)
		return nil
	})
}

// GetObjectTagging implements Store.
func (m *Memory) GetObjectTagging(ctx context.Context, key string) (map[string]string, error) {
	tags := map[string]string{}
	err := m.run(ctx, OpGetObjectTagging, key, func() error {
		obj, ok := m.objects[key]
		if !ok {
			return apiError(CodeNoSuchKey, "The specified key does not exist: "+key)
		}
		for k, v := range obj.tags {
			tags[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}

// PutObjectTagging implements Store.
func (m *Memory) PutObjectTagging(ctx context.Context, key string, tags map[string]string) error {
	return m.run(ctx, OpPutObjectTagging, key, func() error {
		obj, ok := m.objects[key]
		if !ok {
			return apiError(CodeNoSuchKey, "The specified key does not exist: "+key)
		}
		if len(tags) > 10 {
			return apiError("BadRequest", "an object can have at most 10 tags")
		}
		obj.tags = make(map[string]string, len(tags))
		for k, v := range tags {
			obj.tags[k] = v
		}
		m.objects[key] = obj
		return nil
	})
}

// parseTagging reads PutOptions.Tagging, URL-query encoded as S3's
// x-amz-tagging header is.
func parseTagging(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(s)
	if err != nil {
		return nil, apiError(CodeInvalidArgument, "the tagging is not URL-query encoded: "+err.Error())
	}
	tags := make(map[string]string, len(q))
	for k, v := range q {
		tags[k] = v[0]
	}
	return tags, nil
}
