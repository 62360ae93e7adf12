package s3api

import "context"

type pageSizeKey struct{}

// withPageSize asks the list methods to fetch n entries per request instead
// of the service default (1000), so that tests can cross page boundaries
// with a handful of objects. It travels in the context rather than in the
// Store so that a Store shared between tests is never mutated.
func withPageSize(ctx context.Context, n int32) context.Context {
	return context.WithValue(ctx, pageSizeKey{}, n)
}

// pageSize returns the page size requested by withPageSize, or nil for the
// service default.
func pageSize(ctx context.Context) *int32 {
	if n, ok := ctx.Value(pageSizeKey{}).(int32); ok && n > 0 {
		return &n
	}
	return nil
}
