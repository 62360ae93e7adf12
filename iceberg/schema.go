package iceberg

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/iceberg-go"

	"github.com/s3append/s3append/format"
)

// tableSchema is the Iceberg schema of the Parquet files a declared schema
// gives: every column optional, named as in the files (the table's name
// mapping matches them, since the files carry no field IDs), the event
// time a timestamptz (microseconds, UTC) and _extra a string. IDs are
// numbered depth first; a catalog creating the table may renumber them.
func tableSchema(s *format.ParquetSchema) (*iceberg.Schema, error) {
	next := 0
	id := func() int { next++; return next }
	var fields func(f *format.Field) ([]iceberg.NestedField, error)
	var typeOf func(f *format.Field) (iceberg.Type, error)
	typeOf = func(f *format.Field) (iceberg.Type, error) {
		switch {
		case f.IsTime():
			return iceberg.PrimitiveTypes.TimestampTz, nil
		case f.Kind == format.KindBool:
			return iceberg.PrimitiveTypes.Bool, nil
		case f.Kind == format.KindInt:
			return iceberg.PrimitiveTypes.Int64, nil
		case f.Kind == format.KindDouble:
			return iceberg.PrimitiveTypes.Float64, nil
		case f.Kind == format.KindString, f.Kind == format.KindJSON, f.Kind == format.KindNull:
			return iceberg.PrimitiveTypes.String, nil
		case f.Kind == format.KindGroup:
			fs, err := fields(f)
			if err != nil {
				return nil, err
			}
			return &iceberg.StructType{FieldList: fs}, nil
		case f.Kind == format.KindList:
			elemID := id()
			t, err := typeOf(f.Elem)
			if err != nil {
				return nil, err
			}
			return &iceberg.ListType{ElementID: elemID, Element: t}, nil
		}
		return nil, fmt.Errorf("column %s: no Iceberg type for %s", f.Name, f.Kind)
	}
	fields = func(g *format.Field) ([]iceberg.NestedField, error) {
		// IDs of a group's fields first, then of their children, as
		// Iceberg numbers a fresh schema.
		ids := make([]int, len(g.Children))
		for i := range g.Children {
			ids[i] = id()
		}
		out := make([]iceberg.NestedField, len(g.Children))
		for i, c := range g.Children {
			t, err := typeOf(c)
			if err != nil {
				return nil, err
			}
			out[i] = iceberg.NestedField{ID: ids[i], Name: c.Name, Type: t}
		}
		return out, nil
	}
	top, err := fields(s.Root())
	if err != nil {
		return nil, err
	}
	return iceberg.NewSchema(0, top...), nil
}

// missingColumns lists, as dotted paths, the columns of want the table's
// schema lacks, with their types, outermost first: what schema evolution
// adds. A column present with another type is a conflict no evolution
// resolves.
func missingColumns(table, want *iceberg.Schema) (missing []addColumn, conflicts []string) {
	var walk func(prefix []string, fs []iceberg.NestedField)
	walk = func(prefix []string, fs []iceberg.NestedField) {
		for _, f := range fs {
			path := append(slices.Clone(prefix), f.Name)
			name := strings.Join(path, ".")
			have, ok := table.FindFieldByName(name)
			if !ok {
				missing = append(missing, addColumn{path: path, typ: f.Type})
				continue // the whole field is added, children and all
			}
			if st, isStruct := f.Type.(*iceberg.StructType); isStruct {
				if _, same := have.Type.(*iceberg.StructType); !same {
					conflicts = append(conflicts, fmt.Sprintf("%s is %s in the table, struct in parquet_schema", name, have.Type))
					continue
				}
				walk(path, st.FieldList)
				continue
			}
			if !sameType(have.Type, f.Type) {
				conflicts = append(conflicts, fmt.Sprintf("%s is %s in the table, %s in parquet_schema", name, have.Type, f.Type))
			}
		}
	}
	walk(nil, want.Fields())
	return missing, conflicts
}

type addColumn struct {
	path []string
	typ  iceberg.Type
}

// sameType compares types leaving out field IDs, which differ between a
// table and a schema built here.
func sameType(a, b iceberg.Type) bool {
	la, aList := a.(*iceberg.ListType)
	lb, bList := b.(*iceberg.ListType)
	if aList || bList {
		return aList && bList && sameType(la.Element, lb.Element)
	}
	return a.String() == b.String()
}
