package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// ParseParquetSchema reads a declared schema: a JSON object whose members
// are the record fields, each a type name, an object (a group of fields)
// or a one-element array (a list of that element):
//
//	{"level": "string", "status": "int64", "latency": "double",
//	 "kubernetes": {"namespace_name": "string", "labels": "json"},
//	 "tags": ["string"]}
//
// Type names: string, int64 (int, long), double (float), boolean (bool),
// json (any value, as JSON text).
func ParseParquetSchema(text string) (*Field, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text follows the JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be a JSON object of field names and types")
	}
	f, err := declaredField("", obj, 1)
	if err != nil {
		return nil, err
	}
	if len(f.Children) == 0 {
		return nil, fmt.Errorf("declares no fields")
	}
	return f, nil
}

func declaredField(path string, v any, depth int) (*Field, error) {
	switch v.(type) {
	case map[string]any, []any:
		if depth > maxParquetDepth {
			return nil, fmt.Errorf("field %q: nested deeper than %d levels", path, maxParquetDepth)
		}
	}
	switch t := v.(type) {
	case string:
		k, ok := declaredKinds[strings.ToLower(strings.TrimSpace(t))]
		if !ok {
			return nil, fmt.Errorf("field %q: unknown type %q (want string, int64, double, boolean, json, an object of fields or a one-element array)", path, t)
		}
		return &Field{Kind: k}, nil
	case map[string]any:
		// Every bad field is reported, in name order, not just the first.
		g := &Field{Kind: KindGroup}
		var errs []error
		for _, name := range slices.Sorted(maps.Keys(t)) {
			p := name
			if path != "" {
				p = path + "." + name
			}
			if name == "" {
				errs = append(errs, fmt.Errorf("field %q: a field name is empty", path))
				continue
			}
			c, err := declaredField(p, t[name], depth+1)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.Name = name
			g.Children = append(g.Children, c)
		}
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		if len(g.Children) == 0 && path != "" {
			return nil, fmt.Errorf("field %q: an empty object declares no fields (use \"json\" for a map of any shape)", path)
		}
		g.sortChildren()
		return g, nil
	case []any:
		if len(t) != 1 {
			return nil, fmt.Errorf("field %q: a list is declared as an array of exactly one element type, e.g. [\"string\"]", path)
		}
		e, err := declaredField(path+"[]", t[0], depth+1)
		if err != nil {
			return nil, err
		}
		return &Field{Kind: KindList, Elem: e}, nil
	}
	return nil, fmt.Errorf("field %q: %v is not a type name, an object or an array", path, v)
}

var declaredKinds = map[string]Kind{
	"string": KindString, "str": KindString,
	"int64": KindInt, "int": KindInt, "long": KindInt, "integer": KindInt,
	"double": KindDouble, "float": KindDouble, "float64": KindDouble,
	"boolean": KindBool, "bool": KindBool,
	"json": KindJSON, "null": KindNull,
}
