package conf

import (
	"slices"
	"strings"
	"testing"
)

// icebergSQL is a valid configuration committing to a SQL catalog.
func icebergSQL(kv ...string) MapSource {
	return withBucket(append([]string{
		"format", "parquet", "parquet_schema", `{"level":"string"}`,
		"iceberg_catalog", "sql", "iceberg_catalog_uri", "/var/lib/catalog.db",
		"iceberg_warehouse", "s3://my-bucket/warehouse", "iceberg_table", "logs.app",
	}, kv...)...)
}

func TestIcebergAccepted(t *testing.T) {
	c, err := Parse(icebergSQL())
	if err != nil {
		t.Fatal(err)
	}
	ns, name := c.Iceberg.Identifier()
	if !slices.Equal(ns, []string{"logs"}) || name != "app" || !c.Iceberg.Enabled() {
		t.Errorf("identifier %v %q, enabled %v", ns, name, c.Iceberg.Enabled())
	}
	c, err = Parse(icebergSQL("iceberg_table", "a.b.c"))
	if err != nil {
		t.Fatal(err)
	}
	if ns, name := c.Iceberg.Identifier(); !slices.Equal(ns, []string{"a", "b"}) || name != "c" {
		t.Errorf("nested identifier %v %q", ns, name)
	}
}

// Every misfit is named with the options involved, all at once.
func TestIcebergProblems(t *testing.T) {
	cases := []struct {
		src  MapSource
		want []string
	}{
		{withBucket("iceberg_table", "logs.app"), []string{"iceberg_table: \"logs.app\" has no effect without iceberg_catalog"}},
		{withBucket("iceberg_catalog", "hive"), []string{`iceberg_catalog: "hive" is not one of rest, glue, sql`}},
		{withBucket("iceberg_catalog", "glue", "iceberg_table", "logs.app"), []string{"iceberg_catalog: \"glue\" needs format parquet"}},
		{withBucket("format", "parquet", "iceberg_catalog", "glue", "iceberg_table", "logs.app"), []string{"iceberg_catalog: \"glue\" needs parquet_schema: an inferred schema"}},
		{icebergSQL("parquet_time_unit", "nanos"), []string{"parquet_time_unit: \"nanos\" must be micros with iceberg_catalog"}},
		{icebergSQL("iceberg_catalog_uri", ""), []string{"iceberg_catalog_uri: must be set with iceberg_catalog sql"}},
		{icebergSQL("iceberg_warehouse", "/tmp/wh"), []string{`iceberg_warehouse: "/tmp/wh" must be an s3:// location`}},
		{icebergSQL("iceberg_table", "app"), []string{`iceberg_table: "app" must name a namespace too`}},
		{icebergSQL("iceberg_table", "logs..app"), []string{`iceberg_table: "logs..app" has an empty part`}},
		{icebergSQL("iceberg_commit_max_files", "0", "iceberg_commit_interval", "0s"), []string{
			`iceberg_commit_interval: "0s" must be more than 0`, `iceberg_commit_max_files: "0" must be at least 1`}},
		{icebergSQL("iceberg_rest_token", "x"), []string{`iceberg_rest_token: "(set)" is for iceberg_catalog rest only`}},
		{icebergSQL("iceberg_catalog", "rest", "iceberg_catalog_uri", "catalog:8181"), []string{`iceberg_catalog_uri: "catalog:8181" is not an http:// or https:// URL`}},
		{icebergSQL("iceberg_catalog", "rest", "iceberg_catalog_uri", "http://c:8181", "iceberg_rest_token", "t", "iceberg_rest_credential", "nocolon"), []string{
			"iceberg_rest_token: \"(set)\" and iceberg_rest_credential are both set", "iceberg_rest_credential: \"(set)\" must be client_id:client_secret"}},
	}
	for _, tc := range cases {
		_, err := Parse(tc.src)
		if err == nil {
			t.Errorf("%v: accepted", tc.src)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v:\n%v\nlacks %q", tc.src, err, w)
			}
		}
	}
}
