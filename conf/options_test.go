package conf

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestOptionTable(t *testing.T) {
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := make(map[string]bool)
	var required []string
	for _, o := range Options() {
		if !name.MatchString(o.Name) {
			t.Errorf("option name %q is not lower_snake_case", o.Name)
		}
		if seen[o.Name] {
			t.Errorf("option %q listed twice", o.Name)
		}
		seen[o.Name] = true
		if o.Description == "" || !strings.HasSuffix(o.Description, ".") {
			t.Errorf("%s: description %q should be a sentence", o.Name, o.Description)
		}
		if o.FluentBitS3 != "-" && o.FluentBitS3 != o.Name {
			t.Errorf("%s: FluentBitS3 is %q, want %q or \"-\"", o.Name, o.FluentBitS3, o.Name)
		}
		if o.Required {
			required = append(required, o.Name)
			if o.Default != "" {
				t.Errorf("%s: required but has default %q", o.Name, o.Default)
			}
		}
	}
	if !reflect.DeepEqual(required, []string{"bucket"}) {
		t.Errorf("required options = %v, want [bucket]", required)
	}
	if len(Options()) != len(specs) {
		t.Errorf("Options() has %d entries, specs %d", len(Options()), len(specs))
	}
}

// samples holds a valid, non-zero value for every option.
var samples = map[string]string{
	"bucket":                       "other-bucket",
	"region":                       "ap-south-1",
	"endpoint":                     "http://minio:9000",
	"use_path_style":               "on",
	"tls_ca_file":                  "testdata/ca.pem",
	"tls_insecure_skip_verify":     "on",
	"profile":                      "logs",
	"role_arn":                     "arn:aws:iam::123456789012:role/logs-writer",
	"external_id":                  "ext-42",
	"sts_endpoint":                 "https://sts.eu-west-1.amazonaws.com",
	"sse":                          "aws:kms",
	"sse_kms_key_id":               "arn:aws:kms:eu-west-1:123456789012:key/k1",
	"canned_acl":                   "bucket-owner-full-control",
	"tags":                         "team=sre,env=prod",
	"send_content_md5":             "on",
	"total_file_size":              "1G",
	"upload_chunk_size":            "64M",
	"upload_timeout":               "1h",
	"store_dir":                    "/data/s3append",
	"store_dir_limit_size":         "10G",
	"s3_key_format":                "/logs/$TAG[0]/%Y%m%d/$INDEX",
	"s3_key_format_tag_delimiters": "._",
	"time_zone":                    "Asia/Kolkata",
	"s3_key_missing_value":         "none",
	"index_format":                 "part-%04x",
	"static_file_path":             "on",
	"compression":                  "snappy",
	"format":                       "parquet",
	"json_date_key":                "ts",
	"json_date_format":             "epoch_ms",
	"log_key":                      "log", // json_lines only: left out of sampleConfig
	"compression_level":            "5",   // snappy has no levels: left out too
	"parquet_schema":               `{"log":"string","status":"int64"}`,
	"parquet_unknown_fields":       "drop",
	"parquet_nested":               "json",
	"parquet_row_group_size":       "16M",
	"parquet_time_unit":            "nanos",
	"content_type":                 "text/plain",
	"storage_class":                "STANDARD_IA",
	"checksum":                     "when_required",
	"sync":                         "none",
	"sync_interval":                "250ms",
	"upload_retry_limit":           "7",
	"dead_letter_prefix":           "dlq/",
	"upload_workers":               "8",
	"on_complete_marker":           ".done",
	"late_data_window":             "5m",
	"max_open_objects":             "50",
	"shutdown_timeout":             "2s",
	"metrics_listen":               "127.0.0.1:0",
	"iceberg_catalog":              "rest",
	"iceberg_catalog_uri":          "https://s3tables.eu-west-1.amazonaws.com/iceberg",
	"iceberg_warehouse":            "arn:aws:s3tables:eu-west-1:123456789012:bucket/logs",
	"iceberg_table":                "logs.app",
	"iceberg_create_table":         "on",
	"iceberg_commit_interval":      "30s",
	"iceberg_commit_max_files":     "100",
	"iceberg_schema_evolution":     "on",
	"iceberg_rest_credential":      "client:secret",
	"iceberg_rest_token":           "t0ken", // not with iceberg_rest_credential: left out of sampleConfig
	"iceberg_rest_sigv4":           "s3tables",
}

// apartFromTheRest are the samples that do not fit with all the others:
// log_key is json_lines only, snappy has no levels, nanos does not fit
// an Iceberg table, and a REST catalog takes a token or a credential.
var apartFromTheRest = []string{"log_key", "compression_level", "parquet_time_unit", "iceberg_rest_token"}

// Each option sets exactly one Config field, and every field but Raw is set
// by some option: a field added without an option (or the reverse) fails here.
func TestEveryOptionSetsItsOwnField(t *testing.T) {
	var zero Config
	all := make(MapSource)
	covered := make(map[string]string)
	for _, s := range specs {
		v, ok := samples[s.Name]
		if !ok {
			t.Errorf("no sample value for %s", s.Name)
			continue
		}
		all[s.Name] = v
		var c Config
		if err := s.apply(&c, v); err != nil {
			t.Errorf("%s %q: %v", s.Name, v, err)
			continue
		}
		changed := changedFields(&zero, &c)
		if len(changed) != 1 {
			t.Errorf("%s %q changed fields %v, want exactly one", s.Name, v, changed)
			continue
		}
		if other, dup := covered[changed[0]]; dup {
			t.Errorf("%s and %s both set %s", other, s.Name, changed[0])
		}
		covered[changed[0]] = s.Name
	}
	ct := reflect.TypeOf(Config{})
	for i := 0; i < ct.NumField(); i++ {
		f := ct.Field(i)
		if f.Type == reflect.TypeOf(Iceberg{}) {
			for j := 0; j < f.Type.NumField(); j++ {
				if sub := f.Name + "." + f.Type.Field(j).Name; covered[sub] == "" {
					t.Errorf("Config.%s is set by no option", sub)
				}
			}
			continue
		}
		if f.Name != "Raw" && covered[f.Name] == "" {
			t.Errorf("Config.%s is set by no option", f.Name)
		}
	}
	for _, k := range apartFromTheRest {
		delete(all, k)
	}
	if _, err := Parse(all); err != nil {
		t.Errorf("all sample values together: %v", err)
	}
}

func changedFields(a, b *Config) []string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	return changedIn("", va, vb)
}

// changedIn lists the fields that differ, looking into the Iceberg group
// (whose fields are options of their own) as Iceberg.Field.
func changedIn(prefix string, va, vb reflect.Value) []string {
	var out []string
	for i := 0; i < va.NumField(); i++ {
		f := va.Type().Field(i)
		if f.Type == reflect.TypeOf(Iceberg{}) {
			out = append(out, changedIn(prefix+f.Name+".", va.Field(i), vb.Field(i))...)
			continue
		}
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, prefix+f.Name)
		}
	}
	return out
}

// show writes a value that apply reads back to the same field, so messages
// quote values a user could paste into a config.
func TestShowRoundTrips(t *testing.T) {
	parquet := MapSource{}
	for k, v := range samples {
		if !slices.Contains(apartFromTheRest, k) {
			parquet[k] = v
		}
	}
	for _, src := range []MapSource{withBucket(), parquet} {
		c, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range specs {
			var back Config
			shown := s.show(c)
			if err := s.apply(&back, shown); err != nil {
				t.Errorf("%s: shown value %q does not parse: %v", s.Name, shown, err)
				continue
			}
			if got := s.show(&back); got != shown {
				t.Errorf("%s: %q reads back as %q", s.Name, shown, got)
			}
		}
	}
}
