package s3accesslogs

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/s3append/s3append/out_s3append/s3api"
)

// candidate is a log object that discovery found.
type candidate struct {
	key  string
	etag string // unquoted
	size int64
	t    time.Time // the key time
}

// discoverer finds the log objects to read; the poll loop asks it and
// decides what to admit. lister is discovery list; discovery sqs will be
// another implementation (receiving S3's event notifications), which the
// poll loop needs no change for.
type discoverer interface {
	// walk calls visit with the log objects whose key time is from or
	// later, oldest first within each partition (the simple layout, each
	// date-based SourceBucket folder). When visit returns false the rest
	// of that partition, all at least as new, is skipped.
	walk(ctx context.Context, from time.Time, visit func(candidate) bool) error
}

// lister is discovery list.
type lister struct {
	store  s3api.Store
	prefix string
	// pageSize is ListObjectsV2's max-keys (0: the service's 1000); tests
	// make it small to cross pages.
	pageSize int32
	// skipped is told of keys under prefix that are not log objects.
	skipped func(key string)
}

// walk implements discoverer: the simple layout under prefix first, then
// each date-based root.
func (l *lister) walk(ctx context.Context, from time.Time, visit func(candidate) bool) error {
	err := l.list(ctx, s3api.ListRequest{Prefix: l.prefix, Delimiter: "/", StartAfter: simpleStartAfter(l.prefix, from)},
		func(key string) (time.Time, bool) { return simpleKeyTime(l.prefix, key) }, visit)
	if err != nil {
		return err
	}
	roots, err := l.roots(ctx)
	if err != nil {
		return err
	}
	for _, root := range roots {
		err := l.list(ctx, s3api.ListRequest{Prefix: root, StartAfter: datedStartAfter(root, from)},
			func(key string) (time.Time, bool) { return datedKeyTime(root, key) }, visit)
		if err != nil {
			return err
		}
	}
	return nil
}

// list walks the pages of r, handing visit the objects keyTime reads a
// time from, until visit says stop.
func (l *lister) list(ctx context.Context, r s3api.ListRequest, keyTime func(string) (time.Time, bool), visit func(candidate) bool) error {
	r.MaxKeys = l.pageSize
	for {
		page, err := l.store.ListPage(ctx, r)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			t, ok := keyTime(o.Key)
			if !ok {
				if l.skipped != nil {
					l.skipped(o.Key)
				}
				continue
			}
			if !visit(candidate{key: o.Key, etag: strings.Trim(o.ETag, `"`), size: o.Size, t: t}) {
				return nil
			}
		}
		if page.NextContinuationToken == "" {
			return nil
		}
		r.ContinuationToken = page.NextContinuationToken
	}
}

// roots finds the date-based layout's partition roots,
// prefix/SourceAccountId/SourceRegion/SourceBucket/, by listing one level
// of folders at a time. The first level shares prefix with the simple
// layout's objects, which may be many: a page that ends among them skips
// the rest of their year at once (prefix2024- sorts before prefix2024.,
// and an account ID, twelve digits, never has - at its fifth byte), so
// finding the roots costs a few requests however many simple objects
// there are.
func (l *lister) roots(ctx context.Context) ([]string, error) {
	var accounts []string
	r := s3api.ListRequest{Prefix: l.prefix, Delimiter: "/", MaxKeys: l.pageSize}
	for {
		page, err := l.store.ListPage(ctx, r)
		if err != nil {
			return nil, err
		}
		for _, p := range page.CommonPrefixes {
			if isAccount(p[len(l.prefix) : len(p)-1]) {
				accounts = append(accounts, p)
			}
		}
		if page.NextContinuationToken == "" {
			break
		}
		last := ""
		if n := len(page.Objects); n > 0 {
			last = page.Objects[n-1].Key
		}
		if n := len(page.CommonPrefixes); n > 0 && page.CommonPrefixes[n-1] > last {
			last = ""
		}
		if _, simple := simpleKeyTime(l.prefix, last); last != "" && simple {
			r.StartAfter = last[:len(l.prefix)+4] + "."
			r.ContinuationToken = ""
			continue
		}
		r.ContinuationToken = page.NextContinuationToken
	}
	var roots []string
	for _, account := range accounts {
		regions, err := l.folders(ctx, account)
		if err != nil {
			return nil, err
		}
		for _, region := range regions {
			buckets, err := l.folders(ctx, region)
			if err != nil {
				return nil, err
			}
			roots = append(roots, buckets...)
		}
	}
	sort.Strings(roots)
	return roots, nil
}

// folders lists the "folders" right under prefix.
func (l *lister) folders(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	r := s3api.ListRequest{Prefix: prefix, Delimiter: "/", MaxKeys: l.pageSize}
	for {
		page, err := l.store.ListPage(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, page.CommonPrefixes...)
		if page.NextContinuationToken == "" {
			return out, nil
		}
		r.ContinuationToken = page.NextContinuationToken
	}
}

// isAccount says whether s is an AWS account ID: twelve digits.
func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
