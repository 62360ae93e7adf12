package iceberg

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Another writer committing between our table load and our commit makes
// ours a conflict: it is retried on the new table, and both files are in
// the table once.
func TestConflictRetried(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	s := testSchema(t, cfg)
	log := &testLog{}
	ja, _ := OpenJournal(filepath.Join(dir, "a"))
	jb, _ := OpenJournal(filepath.Join(dir, "b"))
	a, statsA := startCommitter(t, cfg, ja, log)
	b, _ := startCommitter(t, cfg, jb, log)
	fa := writeFile(t, s, dir, "a.parquet", "api", hour0, 5)
	fb := writeFile(t, s, dir, "b.parquet", "api", hour0, 6)
	for _, x := range []struct {
		j *Journal
		f File
	}{{ja, fa}, {jb, fb}} {
		if err := x.j.Add(x.f); err != nil {
			t.Fatal(err)
		}
		x.j.ReleaseAll()
	}
	// The table exists before either writer starts, so that b's commit is
	// an ordinary append racing a's.
	b.commitAll(context.Background(), false, nil)
	fb2 := writeFile(t, s, dir, "b2.parquet", "web", hour0, 1)
	if err := jb.Add(fb2); err != nil {
		t.Fatal(err)
	}
	jb.ReleaseAll()
	var once sync.Once
	a.beforeCommit = func() { once.Do(func() { b.commitAll(context.Background(), false, nil) }) }
	a.commitAll(context.Background(), true, nil)
	got, rows, _ := tableFiles(t, a)
	if len(got) != 3 || rows != 12 {
		t.Fatalf("files %v rows %d, want 3 files, 12 rows\n%s", got, rows, log)
	}
	if statsA.Conflicts.Load() != 1 || statsA.Retries.Load() != 1 || statsA.Commits.Load() != 1 {
		t.Errorf("conflicts %d retries %d commits %d, want 1 1 1\n%s", statsA.Conflicts.Load(), statsA.Retries.Load(), statsA.Commits.Load(), log)
	}
}

// Writers committing at once, a file per snapshot: every file once.
func TestWritersAtOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, "iceberg_commit_max_files", "1")
	s := testSchema(t, cfg)
	log := &testLog{}
	const writers, each = 3, 6
	var cs []*Committer
	var stats []*Stats
	for w := 0; w < writers; w++ {
		j, err := OpenJournal(filepath.Join(dir, fmt.Sprint("j", w)))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < each; i++ {
			if err := j.Add(writeFile(t, s, dir, fmt.Sprintf("w%d-%d.parquet", w, i), "api", hour0, 2)); err != nil {
				t.Fatal(err)
			}
		}
		j.ReleaseAll()
		c, st := startCommitter(t, cfg, j, log)
		cs, stats = append(cs, c), append(stats, st)
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); c.commitAll(context.Background(), true, nil) }()
	}
	wg.Wait()
	got, rows, _ := tableFiles(t, cs[0])
	seen := map[string]int{}
	for _, p := range got {
		seen[p]++
	}
	var conflicts int64
	for _, st := range stats {
		conflicts += st.Conflicts.Load()
	}
	if len(seen) != writers*each || len(got) != writers*each || rows != 2*writers*each {
		t.Fatalf("%d files (%d distinct), %d rows; want %d once each\n%s", len(got), len(seen), rows, writers*each, log)
	}
	t.Logf("%d conflicts retried", conflicts)
}

// parquet_schema with columns the table lacks: added when
// iceberg_schema_evolution is on; held with an error naming them when off.
func TestSchemaEvolution(t *testing.T) {
	dir := t.TempDir()
	narrow := testConfig(t, dir, "parquet_schema", `{"level":"string","service":"string"}`)
	log := &testLog{}
	j, _ := OpenJournal(filepath.Join(dir, "j"))
	c, _ := startCommitter(t, narrow, j, log)
	if err := j.Add(writeFile(t, testSchema(t, narrow), dir, "n.parquet", "api", hour0, 3)); err != nil {
		t.Fatal(err)
	}
	j.ReleaseAll()
	c.commitAll(context.Background(), false, nil)

	off := testConfig(t, dir, "iceberg_schema_evolution", "off")
	j2, _ := OpenJournal(filepath.Join(dir, "j2"))
	c2, stats2 := startCommitter(t, off, j2, log)
	if err := j2.Add(writeFile(t, testSchema(t, off), dir, "w.parquet", "api", hour0, 4)); err != nil {
		t.Fatal(err)
	}
	j2.ReleaseAll()
	c2.commitAll(context.Background(), false, nil)
	if n, _ := j2.Waiting(); n != 1 || stats2.Failures.Load() != 1 || !strings.Contains(log.String(), "lacks the columns status of parquet_schema") {
		t.Fatalf("with evolution off: waiting %d, failures %d\n%s", n, stats2.Failures.Load(), log)
	}

	on := testConfig(t, dir)
	c3, _ := startCommitter(t, on, j2, log)
	c3.commitAll(context.Background(), false, nil)
	got, rows, tbl := tableFiles(t, c3)
	if len(got) != 2 || rows != 7 {
		t.Fatalf("files %v rows %d\n%s", got, rows, log)
	}
	if f, ok := tbl.Schema().FindFieldByName("status"); !ok || f.Type.String() != "long" {
		t.Errorf("status column: %v %v", f, ok)
	}
}
