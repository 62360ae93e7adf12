package iceberg

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
)

var hour0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// tableFiles lists the data files of the table's current snapshot and
// counts the rows a scan reads.
func tableFiles(t *testing.T, c *Committer) (paths []string, rows int64, tbl *table.Table) {
	t.Helper()
	ctx := context.Background()
	cat, err := c.catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err = cat.LoadTable(ctx, c.ident)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		paths = append(paths, task.File.FilePath())
	}
	sort.Strings(paths)
	at, err := tbl.Scan().ToArrowTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer at.Release()
	return paths, at.NumRows(), tbl
}

func TestCommitCreatesPartitionedTable(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	j, err := OpenJournal(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	log := &testLog{}
	c, stats := startCommitter(t, cfg, j, log)
	s := testSchema(t, cfg)
	var want []string
	for i, f := range []File{
		writeFile(t, s, dir, "a.parquet", "api", hour0, 100),
		writeFile(t, s, dir, "b.parquet", "api", hour0.Add(time.Hour), 50),
		writeFile(t, s, dir, "c.parquet", "web", hour0, 7),
	} {
		if err := j.Add(f); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			j.Release(f.Key)
		}
		want = append(want, f.Path)
	}
	c.commitAll(context.Background(), false, nil)
	got, rows, _ := tableFiles(t, c)
	if !slices.Equal(got, want[:2]) || rows != 150 {
		t.Fatalf("after the first commit: files %v, rows %d; want %v (the held file left out), 150\n%s", got, rows, want[:2], log)
	}
	j.Release("c.parquet")
	c.commitAll(context.Background(), false, nil)
	got, rows, tbl := tableFiles(t, c)
	if !slices.Equal(got, want) || rows != 157 {
		t.Fatalf("files %v, rows %d; want %v, 157\n%s", got, rows, want, log)
	}
	if n, _ := j.Waiting(); n != 0 {
		t.Errorf("%d files still waiting", n)
	}
	if stats.Commits.Load() != 2 || stats.FilesCommitted.Load() != 3 {
		t.Errorf("commits %d, files %d", stats.Commits.Load(), stats.FilesCommitted.Load())
	}
	if spec := tbl.Spec().String(); !strings.Contains(spec, "hour") || !strings.Contains(spec, "service") {
		t.Errorf("spec %s: want hour(time) and identity(service)", spec)
	}
	if f, ok := tbl.Schema().FindFieldByName("time"); !ok || f.Type.String() != "timestamptz" {
		t.Errorf("time column %v", f)
	}
	// Each file's partition is its service and hour.
	tasks, err := tbl.Scan().PlanFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		p := task.File.Partition()
		if len(p) != 2 {
			t.Errorf("%s: partition %v", task.File.FilePath(), p)
		}
	}
}

// A commit that went through but whose reply was lost (here: the process
// stopped before the journal forgot the batch) is found by its batch ID
// and not made twice.
func TestLostReplyIsNotCommittedTwice(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	jdir := filepath.Join(dir, "journal")
	j, err := OpenJournal(jdir)
	if err != nil {
		t.Fatal(err)
	}
	log := &testLog{}
	c, _ := startCommitter(t, cfg, j, log)
	s := testSchema(t, cfg)
	f := writeFile(t, s, dir, "a.parquet", "api", hour0, 10)
	if err := j.Add(f); err != nil {
		t.Fatal(err)
	}
	j.ReleaseAll()
	b, files, err := j.next(10)
	if err != nil || b == nil {
		t.Fatal(b, err)
	}
	if err := c.commit(context.Background(), b, files); err != nil {
		t.Fatal(err)
	}
	// The journal as the crash left it.
	j2, err := OpenJournal(jdir)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := j2.Waiting(); n != 1 {
		t.Fatalf("reopened journal: %d waiting, want 1", n)
	}
	j2.ReleaseAll()
	c2, stats2 := startCommitter(t, cfg, j2, log)
	c2.commitAll(context.Background(), false, nil)
	got, rows, tbl := tableFiles(t, c2)
	if len(got) != 1 || rows != 10 || len(tbl.Metadata().Snapshots()) != 1 {
		t.Fatalf("files %v rows %d snapshots %d: want the file once\n%s", got, rows, len(tbl.Metadata().Snapshots()), log)
	}
	if stats2.Commits.Load() != 0 {
		t.Errorf("committed again")
	}
	if n, _ := j2.Waiting(); n != 0 {
		t.Errorf("%d still waiting", n)
	}
	if !strings.Contains(log.String(), "reply was lost") {
		t.Errorf("log lacks the lost reply: %s", log)
	}
}
