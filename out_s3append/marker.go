package out_s3append

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// completionMarker is the body of the on_complete_marker object: written
// only once its object is complete in S3, so a downstream job that sees
// the marker can read the object.
type completionMarker struct {
	Key       string `json:"key"`
	Size      int64  `json:"size"`
	Records   *int64 `json:"records,omitempty"` // unknown when parts of an earlier run were kept
	Format    string `json:"format"`
	Completed string `json:"completed"`
}

// writeMarker puts the marker of a completed object, when on_complete_marker
// asks for one. A redone object (after a crash) rewrites the same marker.
func (in *Instance) writeMarker(o *object) error {
	if in.cfg.OnCompleteMarker == "" || !o.landed || strings.HasPrefix(o.route, deadMarker) {
		return nil
	}
	m := completionMarker{Key: o.key, Size: o.uploaded.Load(), Format: "json_lines", Completed: time.Now().UTC().Format(time.RFC3339Nano)}
	if o.parquet {
		m.Format = "parquet"
	}
	if !o.recordsUnknown {
		n := o.sentRecords
		m.Records = &n
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	put := in.putOptions(o)
	put.ContentType, put.ContentEncoding = "application/json", ""
	return in.s3Call(o, "PutObject", func(ctx context.Context) error {
		return in.s3.PutObject(ctx, o.key+in.cfg.OnCompleteMarker, append(body, '\n'), put)
	})
}
