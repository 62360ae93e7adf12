package s3api

import (
	"fmt"
	"io"
	"sort"
	"testing"
)

// acceptListPage walks a listing page by page, with a delimiter and a
// StartAfter, as a reader of delivered log objects does.
func acceptListPage(t *testing.T, a *acceptance) {
	keys := []string{"a/1", "a/2", "b", "c/x/1", "c/y", "d"}
	for _, k := range keys {
		if err := a.s.PutObject(a.ctx, a.key(k), []byte(k), PutOptions{}); err != nil {
			t.Fatalf("PutObject %s: %v", k, err)
		}
	}
	walk := func(r ListRequest) (entries []string) {
		t.Helper()
		r.Prefix = a.prefix + r.Prefix
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatalf("ListPage %+v: more than 20 pages", r)
			}
			res, err := a.s.ListPage(a.ctx, r)
			if err != nil {
				t.Fatalf("ListPage %+v: %v", r, err)
			}
			if n := len(res.Objects) + len(res.CommonPrefixes); r.MaxKeys > 0 && n > int(r.MaxKeys) {
				t.Errorf("ListPage %+v: %d entries, more than MaxKeys", r, n)
			}
			for _, o := range res.Objects {
				if o.ETag == "" || o.Size != int64(len(o.Key)-len(a.prefix)) {
					t.Errorf("ListPage: %+v has no ETag or a wrong size", o)
				}
				entries = append(entries, o.Key[len(a.prefix):])
			}
			for _, p := range res.CommonPrefixes {
				entries = append(entries, p[len(a.prefix):])
			}
			if res.NextContinuationToken == "" {
				return entries
			}
			r.ContinuationToken = res.NextContinuationToken
		}
	}
	// Objects and common prefixes come in two lists; compare them as one
	// set in key order.
	sorted := func(s []string) string {
		out := append([]string(nil), s...)
		sort.Strings(out)
		return fmt.Sprint(out)
	}
	cases := []struct {
		r    ListRequest
		want []string
	}{
		{ListRequest{MaxKeys: 2}, keys},
		{ListRequest{Delimiter: "/", MaxKeys: 1}, []string{"a/", "b", "c/", "d"}},
		{ListRequest{Delimiter: "/"}, []string{"a/", "b", "c/", "d"}},
		{ListRequest{Prefix: "c/", Delimiter: "/"}, []string{"c/x/", "c/y"}},
		{ListRequest{StartAfter: a.prefix + "a/1", MaxKeys: 2}, keys[1:]},
		{ListRequest{StartAfter: a.prefix + "b", Delimiter: "/"}, []string{"c/", "d"}},
		{ListRequest{Prefix: "none/"}, nil},
	}
	for _, c := range cases {
		if got := walk(c.r); sorted(got) != sorted(c.want) {
			t.Errorf("ListPage %+v: %v, want %v", c.r, got, c.want)
		}
	}
}

func acceptOpenObject(t *testing.T, a *acceptance) {
	key := a.key("stream")
	body := pattern(7, 300<<10)
	if err := a.s.PutObject(a.ctx, key, body, PutOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	rc, v, err := a.s.OpenObject(a.ctx, key)
	if err != nil {
		t.Fatalf("OpenObject: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatalf("reading OpenObject's body: %v", err)
	}
	if string(got) != string(body) || v.Size != int64(len(body)) {
		t.Errorf("OpenObject: %d bytes (size %d), want %d", len(got), v.Size, len(body))
	}
	res, err := a.s.ListPage(a.ctx, ListRequest{Prefix: key})
	if err != nil || len(res.Objects) != 1 {
		t.Fatalf("ListPage %s: %+v, %v", key, res, err)
	}
	if unquote(res.Objects[0].ETag) != unquote(v.ETag) || v.ETag == "" {
		t.Errorf("OpenObject ETag %q, the listing says %q", v.ETag, res.Objects[0].ETag)
	}
	_, _, err = a.s.OpenObject(a.ctx, a.key("missing"))
	expectCode(t, "OpenObject of a missing key", err, Permanent, CodeNoSuchKey)
}

func acceptDeleteObject(t *testing.T, a *acceptance) {
	key := a.key("doomed")
	if err := a.s.PutObject(a.ctx, key, []byte("x"), PutOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if err := a.s.DeleteObject(a.ctx, key); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if _, _, err := a.s.GetObject(a.ctx, key); !IsNoSuchKey(err) {
		t.Errorf("GetObject after DeleteObject: %v, want NoSuchKey", err)
	}
	if err := a.s.DeleteObject(a.ctx, key); err != nil {
		t.Errorf("DeleteObject of a missing key: %v, want success", err)
	}
}

func acceptObjectTagging(t *testing.T, a *acceptance) {
	key := a.key("tagged")
	if err := a.s.PutObject(a.ctx, key, []byte("x"), PutOptions{Tagging: "team=sre"}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	tags, err := a.s.GetObjectTagging(a.ctx, key)
	if err != nil || fmt.Sprint(tags) != "map[team:sre]" {
		t.Fatalf("GetObjectTagging: %v, %v; want team=sre", tags, err)
	}
	tags["s3append"] = "taken"
	if err := a.s.PutObjectTagging(a.ctx, key, tags); err != nil {
		t.Fatalf("PutObjectTagging: %v", err)
	}
	if got, err := a.s.GetObjectTagging(a.ctx, key); err != nil || fmt.Sprint(got) != "map[s3append:taken team:sre]" {
		t.Errorf("GetObjectTagging after Put: %v, %v", got, err)
	}
	_, err = a.s.GetObjectTagging(a.ctx, a.key("missing"))
	expectCode(t, "GetObjectTagging of a missing key", err, Permanent, CodeNoSuchKey)
	err = a.s.PutObjectTagging(a.ctx, a.key("missing"), map[string]string{"a": "b"})
	expectCode(t, "PutObjectTagging of a missing key", err, Permanent, CodeNoSuchKey)
}
