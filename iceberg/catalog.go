package iceberg

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/glue"
	"github.com/apache/iceberg-go/catalog/rest"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	icebergio "github.com/apache/iceberg-go/io"
	_ "github.com/apache/iceberg-go/io/gocloud/s3" // the s3:// scheme of the table's files
	"github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", no cgo

	"github.com/s3append/s3append/conf"
)

// ioProps are the properties the table's files are read and written
// with: the output's own endpoint, addressing style and checksum mode (its
// credentials travel in the context, see withAWS).
func ioProps(cfg *conf.Config) iceberg.Properties {
	p := iceberg.Properties{icebergio.S3Region: cfg.Region}
	if cfg.Endpoint != "" {
		p[icebergio.S3EndpointURL] = cfg.Endpoint
	}
	p[icebergio.S3ForceVirtualAddressing] = strconv.FormatBool(!cfg.UsePathStyle)
	if cfg.Checksum == conf.ChecksumWhenRequired {
		p[icebergio.S3CompatMode] = "true"
	}
	return p
}

// openCatalog connects to the catalog iceberg_catalog names.
func openCatalog(ctx context.Context, cfg *conf.Config, awsCfg aws.Config) (catalog.Catalog, error) {
	ic := cfg.Iceberg
	props := ioProps(cfg)
	switch ic.Catalog {
	case "sql":
		driver, dialect, dsn := sqlDSN(ic.CatalogURI)
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, fmt.Errorf("iceberg_catalog_uri: %w", err)
		}
		props["warehouse"] = ic.Warehouse
		cat, err := sqlcat.NewCatalog("s3append", db, dialect, props)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("iceberg_catalog sql at %s: %w", ic.CatalogURI, err)
		}
		return cat, nil
	case "rest":
		opts := []rest.Option{rest.WithAwsConfig(awsCfg), rest.WithAdditionalProps(props)}
		if ic.Warehouse != "" {
			opts = append(opts, rest.WithWarehouseLocation(ic.Warehouse))
		}
		if ic.RESTCredential != "" {
			opts = append(opts, rest.WithCredential(ic.RESTCredential))
		}
		if ic.RESTToken != "" {
			opts = append(opts, rest.WithOAuthToken(ic.RESTToken))
		}
		if ic.RESTSigV4Service != "" {
			opts = append(opts, rest.WithSigV4RegionSvc(cfg.Region, ic.RESTSigV4Service))
		}
		cat, err := rest.NewCatalog(ctx, "s3append", ic.CatalogURI, opts...)
		if err != nil {
			return nil, fmt.Errorf("iceberg_catalog rest at %s: %w", ic.CatalogURI, err)
		}
		return cat, nil
	case "glue":
		cat, err := glue.NewCatalog(glue.WithAwsConfig(awsCfg), glue.WithAwsProperties(glue.AwsProperties(props)))
		if err != nil {
			return nil, fmt.Errorf("iceberg_catalog glue: %w", err)
		}
		return cat, nil
	}
	return nil, fmt.Errorf("iceberg_catalog %q is not one of rest, glue, sql", ic.Catalog)
}

// sqlDSN reads iceberg_catalog_uri: a postgres:// URL, or a SQLite file
// opened in WAL mode with a busy timeout, so writers on one machine
// sharing the file wait for each other's commits instead of failing.
func sqlDSN(uri string) (driver string, dialect sqlcat.SupportedDialect, dsn string) {
	if strings.HasPrefix(uri, "postgres://") || strings.HasPrefix(uri, "postgresql://") {
		return "pgx", sqlcat.Postgres, uri
	}
	path := strings.TrimPrefix(uri, "sqlite://")
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_txlock", "immediate")
	return "sqlite", sqlcat.SQLite, "file:" + path + "?" + q.Encode()
}
