package iceberg

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/iceberg-go"

	"github.com/s3append/s3append/conf"
)

// partitionSpec derives a created table's partitions from s3_key_format,
// so that every object, which holds one key's records, is in exactly one
// partition (Iceberg infers a file's partition from its column bounds and
// refuses a file spanning two):
//
//   - the event time by hour for %H, by day for %d or %j, by month for %m,
//     by year for %Y: Iceberg's transforms cut time in UTC, so with another
//     time_zone only a zone a whole number of hours from UTC all year keeps
//     an hour inside one partition, and coarser cuts are left out;
//   - identity of each $RECORD field the schema declares as a top-level
//     column.
//
// notes says what was left out and why, for the log.
func partitionSpec(schema *iceberg.Schema, tmpl *conf.KeyTemplate, zone *time.Location, timeColumn string) (spec iceberg.PartitionSpec, notes []string, err error) {
	var opts []iceberg.PartitionOption
	if timeColumn != "" {
		if t, name := timeTransform(tmpl); t != nil {
			utc := zone == nil || zone == time.UTC || zone.String() == "UTC"
			switch {
			case utc:
				opts = append(opts, iceberg.AddPartitionFieldByName(timeColumn, timeColumn+"_"+name, t, schema, nil))
			case wholeHours(zone):
				opts = append(opts, iceberg.AddPartitionFieldByName(timeColumn, timeColumn+"_hour", iceberg.HourTransform{}, schema, nil))
				if name != "hour" {
					notes = append(notes, fmt.Sprintf("the table is partitioned by the hour of %s, not by %s: Iceberg cuts days in UTC and time_zone is %s", timeColumn, name, zone))
				}
			default:
				notes = append(notes, fmt.Sprintf("the table is not partitioned by %s: time_zone %s is not a whole number of hours from UTC, and Iceberg cuts time in UTC", timeColumn, zone))
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range tmpl.Parts {
		if p.Kind != conf.KeyRecord {
			continue
		}
		name := strings.Join(p.Path, ".")
		if seen[name] {
			continue
		}
		seen[name] = true
		if len(p.Path) > 1 {
			// iceberg-go reads no bounds of a column inside a struct from
			// a file's footer, so it cannot infer such a partition value.
			notes = append(notes, fmt.Sprintf("$RECORD field %s is inside a group: the table is not partitioned by it (only top-level columns are)", name))
			continue
		}
		f, ok := schema.FindFieldByName(name)
		if !ok {
			notes = append(notes, fmt.Sprintf("$RECORD field %s is not a column of parquet_schema: the table is not partitioned by it", name))
			continue
		}
		if _, primitive := f.Type.(iceberg.PrimitiveType); !primitive {
			notes = append(notes, fmt.Sprintf("$RECORD field %s is not a scalar column: the table is not partitioned by it", name))
			continue
		}
		opts = append(opts, iceberg.AddPartitionFieldByName(name, strings.ReplaceAll(name, ".", "_"), iceberg.IdentityTransform{}, schema, nil))
	}
	spec, err = iceberg.NewPartitionSpecOpts(opts...)
	return spec, notes, err
}

// timeTransform is the finest time cut the key template makes.
func timeTransform(tmpl *conf.KeyTemplate) (iceberg.Transform, string) {
	has := map[byte]bool{}
	for _, p := range tmpl.Parts {
		if p.Kind == conf.KeyStrftime {
			has[p.Conv] = true
		}
	}
	switch {
	case has['M'] || has['S'] || has['s']:
		// Finer than an hour: still within one hour.
		return iceberg.HourTransform{}, "hour"
	case has['H']:
		return iceberg.HourTransform{}, "hour"
	case has['d'] || has['j']:
		return iceberg.DayTransform{}, "day"
	case has['m'] || has['b']:
		return iceberg.MonthTransform{}, "month"
	case has['Y'] || has['y']:
		return iceberg.YearTransform{}, "year"
	}
	return nil, ""
}

// wholeHours says whether zone is a whole number of hours from UTC in
// both halves of the year, so each of its hours is one UTC hour.
func wholeHours(zone *time.Location) bool {
	for _, m := range []time.Month{time.January, time.July} {
		_, off := time.Date(time.Now().Year(), m, 1, 0, 0, 0, 0, zone).Zone()
		if off%3600 != 0 {
			return false
		}
	}
	return true
}
