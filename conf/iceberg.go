package conf

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Iceberg is where completed Parquet objects are committed as data files
// of an Apache Iceberg table. Catalog "" means no table.
type Iceberg struct {
	Catalog    string // "", rest, glue or sql
	CatalogURI string
	Warehouse  string
	// Table is iceberg_table: namespace.table, the namespace dotted when
	// nested.
	Table           string
	CreateTable     bool
	CommitInterval  time.Duration
	CommitMaxFiles  int
	SchemaEvolution bool
	// RESTCredential is an OAuth2 client_id:client_secret, RESTToken a
	// bearer token, RESTSigV4Service the service name requests to a REST
	// catalog are signed for (s3tables, glue); "" signs nothing.
	RESTCredential   string
	RESTToken        string
	RESTSigV4Service string
}

// Enabled says whether objects are committed to a table.
func (i Iceberg) Enabled() bool { return i.Catalog != "" }

// Identifier splits Table into the namespace's levels and the table's
// name, its last part.
func (i Iceberg) Identifier() (namespace []string, name string) {
	parts := strings.Split(i.Table, ".")
	return parts[:len(parts)-1], parts[len(parts)-1]
}

var icebergSpecs = []optionSpec{
	{
		Option: Option{Name: "iceberg_catalog", FluentBitS3: "-",
			Description: "With format parquet and a parquet_schema: commit every completed object as a data file of an Apache Iceberg table, through this catalog: rest (an Iceberg REST catalog: S3 Tables, Glue's REST endpoint, Polaris, Nessie, Lakekeeper), glue (the AWS Glue Data Catalog) or sql (a SQLite file or a PostgreSQL database). Unset, objects are only written to S3."},
		apply: func(c *Config, v string) error { c.Iceberg.Catalog = strings.ToLower(v); return nil },
		show:  func(c *Config) string { return c.Iceberg.Catalog },
	},
	{
		Option: Option{Name: "iceberg_catalog_uri", FluentBitS3: "-",
			Description: "With iceberg_catalog rest: the catalog's URL (e.g. https://s3tables.us-east-1.amazonaws.com/iceberg). With sql: the path of a SQLite file, or a postgres:// URL. Unused with glue."},
		apply: func(c *Config, v string) error { c.Iceberg.CatalogURI = v; return nil },
		show:  func(c *Config) string { return c.Iceberg.CatalogURI },
	},
	{
		Option: Option{Name: "iceberg_warehouse", FluentBitS3: "-",
			Description: "Where the catalog keeps new tables: an s3:// location for sql and glue (e.g. s3://my-bucket/warehouse), read and written with this output's own S3 settings; for rest, the warehouse the catalog names (for S3 Tables, the table bucket's ARN)."},
		apply: func(c *Config, v string) error { c.Iceberg.Warehouse = v; return nil },
		show:  func(c *Config) string { return c.Iceberg.Warehouse },
	},
	{
		Option: Option{Name: "iceberg_table", FluentBitS3: "-",
			Description: "The table, as namespace.table (a nested namespace as a.b.table)."},
		apply: func(c *Config, v string) error { c.Iceberg.Table = v; return nil },
		show:  func(c *Config) string { return c.Iceberg.Table },
	},
	{
		Option: Option{Name: "iceberg_create_table", Default: "off", FluentBitS3: "-",
			Description: "Create the table (and its namespace) when it does not exist, with the columns of parquet_schema, the event time column as a timestamptz and _extra, partitioned as s3_key_format is: day or hour of the event time for %d or %H (in UTC: with another time_zone, by hour when the zone is whole hours from UTC), identity for $RECORD fields."},
		apply: func(c *Config, v string) (err error) { c.Iceberg.CreateTable, err = parseBool(v); return err },
		show:  func(c *Config) string { return strconv.FormatBool(c.Iceberg.CreateTable) },
	},
	{
		Option: Option{Name: "iceberg_commit_interval", Default: "60s", FluentBitS3: "-",
			Description: "How often completed objects are committed, all of them in one snapshot (up to iceberg_commit_max_files): fewer snapshots for the catalog, at the cost of that much delay before a query sees them."},
		apply: func(c *Config, v string) (err error) { c.Iceberg.CommitInterval, err = parseDuration(v); return err },
		show:  func(c *Config) string { return formatDuration(c.Iceberg.CommitInterval) },
	},
	{
		Option: Option{Name: "iceberg_commit_max_files", Default: "500", FluentBitS3: "-",
			Description: "Most data files in one commit; more waiting are committed in further snapshots at once."},
		apply: func(c *Config, v string) (err error) { c.Iceberg.CommitMaxFiles, err = strconv.Atoi(v); return err },
		show:  func(c *Config) string { return strconv.Itoa(c.Iceberg.CommitMaxFiles) },
	},
	{
		Option: Option{Name: "iceberg_schema_evolution", Default: "on", FluentBitS3: "-",
			Description: "When parquet_schema has columns the table lacks, add them to the table (as optional columns) before committing; off refuses such files and holds their commits, with an error naming the columns."},
		apply: func(c *Config, v string) (err error) { c.Iceberg.SchemaEvolution, err = parseBool(v); return err },
		show:  func(c *Config) string { return strconv.FormatBool(c.Iceberg.SchemaEvolution) },
	},
	{
		Option: Option{Name: "iceberg_rest_credential", FluentBitS3: "-",
			Description: "With iceberg_catalog rest: an OAuth2 client credential, client_id:client_secret, exchanged for a token at the catalog."},
		apply:  func(c *Config, v string) error { c.Iceberg.RESTCredential = v; return nil },
		show:   func(c *Config) string { return redacted(c.Iceberg.RESTCredential) },
		secret: true,
	},
	{
		Option: Option{Name: "iceberg_rest_token", FluentBitS3: "-",
			Description: "With iceberg_catalog rest: a bearer token sent with every request."},
		apply:  func(c *Config, v string) error { c.Iceberg.RESTToken = v; return nil },
		show:   func(c *Config) string { return redacted(c.Iceberg.RESTToken) },
		secret: true,
	},
	{
		Option: Option{Name: "iceberg_rest_sigv4", FluentBitS3: "-",
			Description: "With iceberg_catalog rest: sign requests with AWS SigV4 for this service, with the output's credentials and region: s3tables for S3 Tables, glue for Glue's Iceberg REST endpoint. Unset, requests are not signed."},
		apply: func(c *Config, v string) error { c.Iceberg.RESTSigV4Service = strings.ToLower(v); return nil },
		show:  func(c *Config) string { return c.Iceberg.RESTSigV4Service },
	},
}

func init() { specs = append(specs, icebergSpecs...) }

// redacted shows that a secret is set without showing it.
func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "(set)"
}

// icebergProblems checks the iceberg_* options and how they fit the rest.
func (c *Config) icebergProblems(bad func(option, reason string, also ...string)) {
	ic := c.Iceberg
	if !ic.Enabled() {
		for _, s := range icebergSpecs[1:] {
			if _, set := c.Raw[s.Name]; set {
				bad(s.Name, "has no effect without iceberg_catalog", "iceberg_catalog")
			}
		}
		return
	}
	switch ic.Catalog {
	case "rest", "glue", "sql":
	default:
		bad("iceberg_catalog", "is not one of rest, glue, sql")
		return
	}
	if c.Format != FormatParquet {
		bad("iceberg_catalog", "needs format parquet: an Iceberg table's data files are Parquet here", "format")
	} else if c.ParquetSchema.Text == "" {
		bad("iceberg_catalog", "needs parquet_schema: an inferred schema gives each object the columns its records happen to have, and a table has one schema for all its files; declare the columns (or name a shipped schema)", "parquet_schema")
	}
	if c.Format == FormatParquet && c.ParquetTimeUnit == "nanos" {
		bad("parquet_time_unit", "must be micros with iceberg_catalog: an Iceberg timestamptz column holds microseconds", "iceberg_catalog")
	}
	switch ic.Catalog {
	case "rest":
		if ic.CatalogURI == "" {
			bad("iceberg_catalog_uri", "must be set with iceberg_catalog rest: the catalog's URL", "iceberg_catalog")
		} else if !strings.HasPrefix(ic.CatalogURI, "http://") && !strings.HasPrefix(ic.CatalogURI, "https://") {
			bad("iceberg_catalog_uri", "is not an http:// or https:// URL", "iceberg_catalog")
		}
		if ic.RESTCredential != "" && ic.RESTToken != "" {
			bad("iceberg_rest_token", "and iceberg_rest_credential are both set; give one", "iceberg_rest_credential")
		}
		if ic.RESTCredential != "" && !strings.Contains(ic.RESTCredential, ":") {
			bad("iceberg_rest_credential", "must be client_id:client_secret")
		}
	case "sql":
		if ic.CatalogURI == "" {
			bad("iceberg_catalog_uri", "must be set with iceberg_catalog sql: a SQLite file's path or a postgres:// URL", "iceberg_catalog")
		}
	}
	if ic.Catalog != "rest" {
		for _, o := range []string{"iceberg_rest_credential", "iceberg_rest_token", "iceberg_rest_sigv4"} {
			if _, set := c.Raw[o]; set {
				bad(o, "is for iceberg_catalog rest only", "iceberg_catalog")
			}
		}
	}
	if ic.Catalog != "rest" && ic.Warehouse != "" && !strings.HasPrefix(ic.Warehouse, "s3://") {
		bad("iceberg_warehouse", "must be an s3:// location, e.g. s3://"+c.Bucket+"/warehouse")
	}
	if ic.Catalog == "sql" && ic.Warehouse == "" {
		bad("iceberg_warehouse", "must be set with iceberg_catalog sql: the s3:// location new tables go under", "iceberg_catalog")
	}
	ns, name := ic.Identifier()
	switch {
	case ic.Table == "":
		bad("iceberg_table", "must be set with iceberg_catalog: namespace.table", "iceberg_catalog")
	case len(ns) == 0:
		bad("iceberg_table", "must name a namespace too: namespace.table")
	case name == "" || slices.Contains(ns, ""):
		bad("iceberg_table", "has an empty part: write namespace.table")
	}
	if ic.CommitInterval <= 0 {
		bad("iceberg_commit_interval", "must be more than 0")
	}
	if ic.CommitMaxFiles < 1 {
		bad("iceberg_commit_max_files", "must be at least 1")
	}
	if s := ic.RESTSigV4Service; s != "" && strings.ContainsAny(s, " /:") {
		bad("iceberg_rest_sigv4", "is not a service name such as s3tables or glue")
	}
}
