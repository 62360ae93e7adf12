package out_s3append

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3append/s3append/format"
	"github.com/s3append/s3append/iceberg"
)

// Objects of an output with iceberg_catalog are committed as data files
// of the table once complete in S3. The engine's part is the handover, in
// this order (iceberg/JOURNAL.md has the whole contract):
//
//  1. the object completes in S3 (finish);
//  2. it is recorded in the journal, durably, before its buffer goes;
//  3. its buffer is removed, and only then is it released to the
//     committer.
//
// At start, a recovered buffer whose object the journal holds is
// removed without uploading again: the object is already in S3, and
// uploading it again could change the bytes a table already lists.

// icebergDir is the journal's directory inside the instance's store.
func icebergDir(storeDir string) string { return filepath.Join(storeDir, "iceberg") }

// openJournal opens the journal when the output commits to a table.
func (in *Instance) openJournal() error {
	if !in.cfg.Iceberg.Enabled() || !in.parquet {
		return nil
	}
	j, err := iceberg.OpenJournal(icebergDir(in.store.Dir()))
	if err != nil {
		return err
	}
	in.journal = j
	return nil
}

// committed says whether a recovered object was already complete in S3
// and recorded for its commit; its buffer is then dropped.
func (in *Instance) alreadyComplete(key string) bool {
	return in.journal != nil && in.journal.Holds(key)
}

// recordForCommit is step 2: done once per object.
func (in *Instance) recordForCommit(o *object) error {
	if in.journal == nil || !o.landed || o.journaled || strings.HasPrefix(o.route, deadMarker) {
		return nil
	}
	f := iceberg.File{
		Key:       o.key,
		Path:      "s3://" + in.cfg.Bucket + "/" + strings.TrimPrefix(o.key, "/"),
		Records:   o.sentRecords,
		Size:      o.uploaded.Load(),
		Completed: time.Now().UTC(),
	}
	if err := in.journal.Add(f); err != nil {
		return fmt.Errorf("recording the object for its Iceberg commit: %w", err)
	}
	o.journaled = true
	return nil
}

// releaseForCommit is the end of step 3.
func (in *Instance) releaseForCommit(o *object) {
	if in.journal == nil || !o.journaled {
		return
	}
	in.journal.Release(o.key)
	if in.committer != nil {
		in.committer.Notify()
	}
}

// startCommitter starts committing to the table, with the output's own
// AWS configuration (credentials chain, role, TLS) for the catalog and the
// table's files.
func (in *Instance) startCommitter(awsCfg aws.Config) error {
	if in.journal == nil {
		return nil
	}
	pq, err := format.NewParquetSchema(in.pqFields, in.pqOpts)
	if err != nil {
		return fmt.Errorf("parquet_schema: %w", err)
	}
	c, err := iceberg.Start(in.cfg, pq, in.journal, awsCfg, in.log, &in.stats.Iceberg)
	if err != nil {
		return err
	}
	in.committer = c
	in.log.Infof("objects are committed to Iceberg table %s (catalog %s) every %s", in.cfg.Iceberg.Table, in.cfg.Iceberg.Catalog, in.cfg.Iceberg.CommitInterval)
	return nil
}

// closeCommitter commits what is ready until deadline, then stops.
func (in *Instance) closeCommitter(deadline time.Time) {
	if in.committer == nil {
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	in.committer.Close(ctx)
}
