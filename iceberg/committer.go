package iceberg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/utils"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
)

// Snapshot summary properties naming who committed a snapshot: the batch
// ID is how a commit whose reply was lost is recognised.
const (
	PropWriter = "s3append.writer"
	PropBatch  = "s3append.batch"
)

// Logger is where the committer reports.
type Logger interface {
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
	Errorf(format string, args ...any)
}

// Stats are the committer's counters.
type Stats struct {
	Commits        atomic.Int64 // snapshots committed
	FilesCommitted atomic.Int64
	Conflicts      atomic.Int64 // commits refused because another writer committed first
	Retries        atomic.Int64 // commit attempts after a failed one
	Failures       atomic.Int64 // failed attempts other than conflicts: catalog or storage down, schema refused
}

// Committer commits the journal's files to the table, batch by batch, in
// the background.
type Committer struct {
	cfg    *conf.Config
	j      *Journal
	log    Logger
	stats  *Stats
	awsCfg aws.Config
	ident  table.Identifier
	schema *iceberg.Schema
	spec   iceberg.PartitionSpec

	mu  sync.Mutex
	cat catalog.Catalog // opened at the first commit, kept after
	// dataFiles caches each file's Iceberg entry (read from its footer)
	// for the retries of a batch, by path and table schema.
	dataFiles map[string]iceberg.DataFile

	wake chan struct{}
	// stop ends the loop between attempts; ctx is cancelled only when
	// Close's deadline passes, so a commit under way is not cut short.
	stop   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// lastFailLog rate-limits the log of a failing catalog.
	lastFailLog time.Time
	// beforeCommit, when set (tests), runs just before a batch's commit
	// goes to the catalog.
	beforeCommit func()
}

// Start begins committing j's files to the table cfg.Iceberg names, the
// files having the schema pq. The catalog is not contacted yet: one that
// is down must not keep the output from starting; files wait in j.
func Start(cfg *conf.Config, pq *format.ParquetSchema, j *Journal, awsCfg aws.Config, log Logger, stats *Stats) (*Committer, error) {
	schema, err := tableSchema(pq)
	if err != nil {
		return nil, fmt.Errorf("parquet_schema: %w", err)
	}
	spec, notes, err := partitionSpec(schema, cfg.S3KeyFormat, cfg.TimeZone, cfg.JSONDateKey)
	if err != nil {
		return nil, fmt.Errorf("iceberg_create_table: partitions from s3_key_format: %w", err)
	}
	if cfg.Iceberg.CreateTable {
		for _, n := range notes {
			log.Warnf("iceberg_create_table: %s", n)
		}
	}
	ns, name := cfg.Iceberg.Identifier()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Committer{
		cfg: cfg, j: j, log: log, stats: stats, awsCfg: awsCfg,
		ident: append(append(table.Identifier{}, ns...), name), schema: schema, spec: spec,
		dataFiles: map[string]iceberg.DataFile{},
		wake:      make(chan struct{}, 1), stop: make(chan struct{}), ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go c.run()
	return c, nil
}

// Notify tells the committer that files were released: a full batch is
// committed at once rather than at the next interval.
func (c *Committer) Notify() {
	if c.j.ready() >= c.cfg.Iceberg.CommitMaxFiles {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

func (c *Committer) run() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.Iceberg.CommitInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.wake:
		}
		c.commitAll(c.ctx, true, c.stop)
	}
}

// Close commits what is ready, retrying until ctx ends (a catalog that is
// down keeps the rest for the next start), then stops.
func (c *Committer) Close(ctx context.Context) {
	close(c.stop)
	select {
	case <-c.done:
	case <-ctx.Done():
		c.cancel()
		<-c.done
	}
	stop := context.AfterFunc(ctx, c.cancel)
	defer stop()
	c.commitAll(c.ctx, true, nil)
	c.cancel()
}

// commitAll commits batches until none is ready. With retry, a failing
// batch is tried again with backoff until it goes through or ctx ends;
// the batches after it wait, so commits keep the journal's order.
//
// quit, when closed, ends the waits between attempts (nil: never).
func (c *Committer) commitAll(ctx context.Context, retry bool, quit <-chan struct{}) {
	for ctx.Err() == nil {
		select {
		case <-quit:
			return
		default:
		}
		b, files, err := c.j.next(c.cfg.Iceberg.CommitMaxFiles)
		if err != nil {
			c.failed(err)
			return
		}
		if b == nil {
			return
		}
		for attempt := 0; ; attempt++ {
			if attempt > 0 {
				c.stats.Retries.Add(1)
			}
			err := c.commit(ctx, b, files)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return // stopping: the batch waits for the next start
			}
			conflict := isConflict(err)
			if conflict {
				c.stats.Conflicts.Add(1)
			} else {
				c.stats.Failures.Add(1)
				c.failed(fmt.Errorf("commit of %d files to %s: %w", len(files), c.cfg.Iceberg.Table, err))
			}
			if !retry {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return // Close takes the batch over
			case <-time.After(backoff(attempt, conflict)):
			}
		}
		if err := c.j.done(b); err != nil {
			c.failed(err)
			return
		}
		c.mu.Lock()
		clear(c.dataFiles)
		c.mu.Unlock()
	}
}

// isConflict says whether a commit failed because the table moved on
// under it (another writer committed first). REST catalogs answer 409,
// which iceberg-go reports as ErrCommitFailed; its SQL catalog checks the
// commit's requirements against the table it reads and reports a failed
// one as plain "requirement failed: ...".
func isConflict(err error) bool {
	return errors.Is(err, table.ErrCommitFailed) || strings.Contains(err.Error(), "requirement failed")
}

// backoff waits between attempts: conflicts from 100 ms (another writer
// just committed; the next try likely goes through), other failures from
// 1 s, doubling to 30 s, with full jitter so writers that collided do not
// collide again.
func backoff(attempt int, conflict bool) time.Duration {
	base := time.Second
	if conflict {
		base = 100 * time.Millisecond
	}
	d := base << min(attempt, 8)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

// failed logs a failure, at most every 10 s.
func (c *Committer) failed(err error) {
	c.mu.Lock()
	now := time.Now()
	quiet := now.Sub(c.lastFailLog) < 10*time.Second
	if !quiet {
		c.lastFailLog = now
	}
	c.mu.Unlock()
	if !quiet {
		n, oldest := c.j.Waiting()
		c.log.Errorf("iceberg: %v; commits are held, %d objects waiting (the oldest completed %s ago), uploads go on", err, n, time.Since(oldest).Round(time.Second))
	}
}

// commit makes one attempt at committing b. A batch the table already
// holds (its commit went through and the reply was lost) is not committed
// again.
func (c *Committer) commit(ctx context.Context, b *batch, files []File) error {
	ctx = utils.WithAwsConfig(ctx, &c.awsCfg)
	cat, err := c.catalog(ctx)
	if err != nil {
		return err
	}
	tbl, err := c.table(ctx, cat)
	if err != nil {
		return err
	}
	if s := committedIn(tbl, b.ID); s != nil {
		c.log.Infof("iceberg: batch %s (%d files) is already in %s as snapshot %d (the catalog's reply was lost): not committed again", b.ID, len(files), c.cfg.Iceberg.Table, s.SnapshotID)
		return nil
	}
	if len(files) == 0 {
		return nil
	}
	if tbl, err = c.evolve(ctx, tbl); err != nil {
		return err
	}
	dfs, err := c.toDataFiles(ctx, tbl, files)
	if err != nil {
		return err
	}
	tx := tbl.NewTransaction()
	props := iceberg.Properties{PropWriter: c.j.Writer(), PropBatch: b.ID}
	if err := tx.AddDataFiles(ctx, dfs, props, table.WithoutDuplicateCheck()); err != nil {
		return err
	}
	if c.beforeCommit != nil {
		c.beforeCommit()
	}
	next, err := tx.Commit(ctx)
	if err != nil {
		return err
	}
	c.stats.Commits.Add(1)
	c.stats.FilesCommitted.Add(int64(len(files)))
	var records int64
	for _, f := range files {
		records += f.Records
	}
	id := int64(0)
	if s := next.CurrentSnapshot(); s != nil {
		id = s.SnapshotID
	}
	c.log.Infof("iceberg: committed %d objects (%d records) to %s in snapshot %d", len(files), records, c.cfg.Iceberg.Table, id)
	return nil
}

// committedIn finds the snapshot of batch id among the table's snapshots.
func committedIn(tbl *table.Table, id string) *table.Snapshot {
	snaps := tbl.Metadata().Snapshots()
	for i := len(snaps) - 1; i >= 0; i-- {
		if s := snaps[i]; s.Summary != nil && s.Summary.Properties[PropBatch] == id {
			return &s
		}
	}
	return nil
}

func (c *Committer) catalog(ctx context.Context) (catalog.Catalog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat != nil {
		return c.cat, nil
	}
	cat, err := openCatalog(ctx, c.cfg, c.awsCfg)
	if err != nil {
		return nil, err
	}
	c.cat = cat
	return cat, nil
}

// table loads the table, creating it (and its namespace) when
// iceberg_create_table allows; another writer creating it first is fine.
func (c *Committer) table(ctx context.Context, cat catalog.Catalog) (*table.Table, error) {
	tbl, err := cat.LoadTable(ctx, c.ident)
	if err == nil || !errors.Is(err, catalog.ErrNoSuchTable) {
		return tbl, err
	}
	if !c.cfg.Iceberg.CreateTable {
		return nil, fmt.Errorf("table %s does not exist; create it, or set iceberg_create_table on", c.cfg.Iceberg.Table)
	}
	ns := c.ident[:len(c.ident)-1]
	if err := cat.CreateNamespace(ctx, ns, nil); err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
		return nil, fmt.Errorf("creating namespace %s: %w", strings.Join(ns, "."), err)
	}
	tbl, err = cat.CreateTable(ctx, c.ident, c.schema, catalog.WithPartitionSpec(&c.spec))
	if errors.Is(err, catalog.ErrTableAlreadyExists) {
		return cat.LoadTable(ctx, c.ident)
	}
	if err != nil {
		return nil, fmt.Errorf("creating table %s: %w", c.cfg.Iceberg.Table, err)
	}
	c.log.Infof("iceberg: created table %s at %s, partitioned by %s", c.cfg.Iceberg.Table, tbl.Location(), tbl.Spec())
	return tbl, nil
}

// evolve adds the columns of parquet_schema the table lacks, in a commit
// of their own, when iceberg_schema_evolution allows.
func (c *Committer) evolve(ctx context.Context, tbl *table.Table) (*table.Table, error) {
	missing, conflicts := missingColumns(tbl.Schema(), c.schema)
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("parquet_schema does not fit table %s: %s", c.cfg.Iceberg.Table, strings.Join(conflicts, "; "))
	}
	if len(missing) == 0 {
		return tbl, nil
	}
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = strings.Join(m.path, ".")
	}
	if !c.cfg.Iceberg.SchemaEvolution {
		return nil, fmt.Errorf("table %s lacks the columns %s of parquet_schema and iceberg_schema_evolution is off: add them to the table", c.cfg.Iceberg.Table, strings.Join(names, ", "))
	}
	tx := tbl.NewTransaction()
	us := tx.UpdateSchema(true, false)
	for _, m := range missing {
		us = us.AddColumn(m.path, m.typ, "", false, nil)
	}
	if err := us.Commit(); err != nil {
		return nil, fmt.Errorf("adding columns %s to %s: %w", strings.Join(names, ", "), c.cfg.Iceberg.Table, err)
	}
	// The files carry no field IDs: readers find the new columns through
	// the name mapping, which is rewritten for the evolved schema in the
	// same commit.
	if _, has := tbl.Properties()[table.DefaultNameMappingKey]; has {
		staged, err := tx.StagedTable()
		if err != nil {
			return nil, err
		}
		mapping, err := json.Marshal(staged.Schema().NameMapping())
		if err != nil {
			return nil, err
		}
		if err := tx.SetProperties(iceberg.Properties{table.DefaultNameMappingKey: string(mapping)}); err != nil {
			return nil, err
		}
	}
	next, err := tx.Commit(ctx)
	if err != nil {
		return nil, err
	}
	c.log.Infof("iceberg: added the columns %s to table %s", strings.Join(names, ", "), c.cfg.Iceberg.Table)
	return next, nil
}

// toDataFiles reads each file's footer into its Iceberg entry: row count,
// size, column statistics, and the partition values, inferred from the
// bounds of the partition source columns.
func (c *Committer) toDataFiles(ctx context.Context, tbl *table.Table, files []File) ([]iceberg.DataFile, error) {
	fs, err := tbl.FS(ctx)
	if err != nil {
		return nil, err
	}
	schema, spec := tbl.Schema(), tbl.Spec()
	out := make([]iceberg.DataFile, len(files))
	for i, f := range files {
		cacheKey := fmt.Sprintf("%d/%d/%s", schema.ID, spec.ID(), f.Path)
		c.mu.Lock()
		df, ok := c.dataFiles[cacheKey]
		c.mu.Unlock()
		if !ok {
			if df, err = table.FileToDataFile(ctx, fs, f.Path, schema, spec, 0, tbl.Properties()); err != nil {
				return nil, fmt.Errorf("reading %s: %w", f.Path, err)
			}
			c.mu.Lock()
			c.dataFiles[cacheKey] = df
			c.mu.Unlock()
		}
		out[i] = df
	}
	return out, nil
}
