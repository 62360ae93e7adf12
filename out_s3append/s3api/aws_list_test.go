package s3api

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func first(q map[string][]string, name string) string {
	if v := q[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func TestAWSListObjectsFollowsPages(t *testing.T) {
	pages := map[string]string{
		"":   `<IsTruncated>true</IsTruncated><NextContinuationToken>t2</NextContinuationToken><Contents><Key>p/a</Key><Size>1</Size></Contents><Contents><Key>p/b</Key><Size>2</Size></Contents>`,
		"t2": `<IsTruncated>false</IsTruncated><Contents><Key>p/c</Key><Size>3</Size></Contents>`,
	}
	f := newFakeEndpoint(t, func(r recorded) reply {
		return xmlReply(`<ListBucketResult>` + pages[first(r.query, "continuation-token")] + `</ListBucketResult>`)
	})
	got, err := storeFor(t, f, nil).ListObjects(withPageSize(context.Background(), 2), "p/")
	if err != nil {
		t.Fatalf("ListObjects: %v", err)
	}
	if fmt.Sprint(got) != "[{p/a 1} {p/b 2} {p/c 3}]" {
		t.Errorf("ListObjects = %v", got)
	}
	reqs := f.recorded()
	if len(reqs) != 2 || first(reqs[0].query, "prefix") != "p/" || first(reqs[0].query, "max-keys") != "2" ||
		first(reqs[1].query, "continuation-token") != "t2" {
		t.Errorf("requests %+v, want two pages of 2 under p/", reqs)
	}
}

func TestAWSListStopsOnMissingToken(t *testing.T) {
	f := newFakeEndpoint(t, func(recorded) reply {
		return xmlReply(`<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>`)
	})
	if _, err := storeFor(t, f, nil).ListObjects(context.Background(), ""); err == nil {
		t.Error("ListObjects accepted a truncated page without a continuation token")
	}
	if n := len(f.recorded()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestAWSListPartsFollowsPages(t *testing.T) {
	f := newFakeEndpoint(t, func(r recorded) reply {
		if first(r.query, "part-number-marker") == "" {
			return xmlReply(`<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>` +
				`<Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><Size>10</Size></Part>` +
				`<Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><Size>20</Size></Part></ListPartsResult>`)
		}
		return xmlReply(`<ListPartsResult><IsTruncated>false</IsTruncated>` +
			`<Part><PartNumber>3</PartNumber><ETag>"e3"</ETag><Size>5</Size></Part></ListPartsResult>`)
	})
	got, err := storeFor(t, f, nil).ListParts(context.Background(), "k", "u1")
	if err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if fmt.Sprint(got) != `[{1 "e1" 10} {2 "e2" 20} {3 "e3" 5}]` {
		t.Errorf("ListParts = %v", got)
	}
	if reqs := f.recorded(); len(reqs) != 2 || first(reqs[1].query, "part-number-marker") != "2" || first(reqs[1].query, "uploadId") != "u1" {
		t.Errorf("requests %+v, want a second page after part 2 of u1", reqs)
	}
}

func uploadXML(key, id, initiated string) string {
	return `<Upload><Key>` + key + `</Key><UploadId>` + id + `</UploadId><Initiated>` + initiated + `</Initiated></Upload>`
}

func TestAWSListUploadsFollowsPages(t *testing.T) {
	f := newFakeEndpoint(t, func(r recorded) reply {
		if first(r.query, "key-marker") == "" {
			return xmlReply(`<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>` +
				`<NextKeyMarker>p/a</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>` +
				uploadXML("p/a", "u1", "2026-01-01T00:00:01.000Z") + uploadXML("p/a", "u2", "2026-01-01T00:00:02.000Z") +
				`</ListMultipartUploadsResult>`)
		}
		return xmlReply(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>` +
			uploadXML("p/a", "u3", "2026-01-01T00:00:03.000Z") + uploadXML("p/b", "u4", "2026-01-01T00:00:00.000Z") +
			`</ListMultipartUploadsResult>`)
	})
	got, err := storeFor(t, f, nil).ListMultipartUploads(context.Background(), "p/")
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if ids := uploadIDs(got); ids != "p/a:u1 p/a:u2 p/a:u3 p/b:u4" {
		t.Errorf("ListMultipartUploads = %s", ids)
	}
	reqs := f.recorded()
	if len(reqs) != 2 || first(reqs[1].query, "key-marker") != "p/a" || first(reqs[1].query, "upload-id-marker") != "u2" {
		t.Errorf("requests %+v, want the second page after p/a u2", reqs)
	}
	if !got[0].Initiated.Equal(got[1].Initiated.Add(-1e9)) {
		t.Errorf("initiation times %v, %v not decoded", got[0].Initiated, got[1].Initiated)
	}
}

// A service that rejects the upload-ID marker it issued (versitygw 1.8)
// still gets listed completely: the marker key is finished on its own.
func TestAWSListUploadsAroundRejectedMarker(t *testing.T) {
	f := newFakeEndpoint(t, func(r recorded) reply {
		switch {
		case first(r.query, "upload-id-marker") != "":
			return errorReply(400, "InvalidArgument")
		case first(r.query, "prefix") == "p/a":
			return xmlReply(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>` +
				uploadXML("p/a", "u1", "2026-01-01T00:00:01.000Z") + uploadXML("p/a", "u2", "2026-01-01T00:00:02.000Z") +
				uploadXML("p/a", "u3", "2026-01-01T00:00:03.000Z") + uploadXML("p/ab", "u9", "2026-01-01T00:00:03.000Z") +
				`</ListMultipartUploadsResult>`)
		case first(r.query, "key-marker") == "p/a":
			return xmlReply(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>` +
				uploadXML("p/ab", "u9", "2026-01-01T00:00:03.000Z") + `</ListMultipartUploadsResult>`)
		}
		return xmlReply(`<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>` +
			`<NextKeyMarker>p/a</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>` +
			uploadXML("p/a", "u1", "2026-01-01T00:00:01.000Z") + uploadXML("p/a", "u2", "2026-01-01T00:00:02.000Z") +
			`</ListMultipartUploadsResult>`)
	})
	got, err := storeFor(t, f, nil).ListMultipartUploads(withPageSize(context.Background(), 2), "p/")
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if ids := uploadIDs(got); ids != "p/a:u1 p/a:u2 p/a:u3 p/ab:u9" {
		t.Errorf("ListMultipartUploads = %s, want every upload once", ids)
	}
}

func uploadIDs(uploads []Upload) string {
	var s []string
	for _, u := range uploads {
		s = append(s, u.Key+":"+u.UploadID)
	}
	return strings.Join(s, " ")
}
