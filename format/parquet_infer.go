package format

import (
	"fmt"
	"hash/maphash"

	"github.com/tinylib/msgp/msgp"
)

// Inferrer learns a Parquet schema from records. Kinds are only ever
// widened (int to double, differing scalars to string, shapes that change
// to JSON text), so one odd record changes a column's type rather than
// failing. A map becomes a group when its keys are stable across records,
// and JSON text when they vary (label maps, say); an array becomes a list
// when its elements share a kind.
//
// The inferrer also counts distinct values per column, which decides
// where dictionary encoding pays.
type Inferrer struct {
	root       *inferNode
	nestedJSON bool
	skip       [2]string // the time and _extra column names
	seed       maphash.Seed
	records    int
}

type inferNode struct {
	kind     Kind
	seen     int // non-null values
	children []*inferNode
	byName   map[string]int
	name     string
	keys     int // members counted over every map value seen
	elem     *inferNode
	distinct map[uint64]struct{}
	capped   bool
}

// maxDistinct bounds the distinct values remembered per column; a column
// past it is not dictionary-encoded.
const maxDistinct = 1024

// maxGroupFields bounds the fields of an inferred group: a map with more
// distinct keys is written as JSON text.
const maxGroupFields = 64

// NewInferrer returns an inferrer for objects written with o.
func NewInferrer(o ParquetOptions) *Inferrer {
	in := &Inferrer{nestedJSON: o.NestedJSON, seed: maphash.MakeSeed()}
	in.skip = [2]string{o.DateKey, ExtraColumn}
	in.Reset()
	return in
}

// Reset forgets every record seen.
func (in *Inferrer) Reset() {
	in.root = &inferNode{kind: KindGroup}
	in.records = 0
}

// Records is the number of records added since the last Reset.
func (in *Inferrer) Records() int { return in.records }

// Add learns from one record (a msgpack map).
func (in *Inferrer) Add(record []byte) error {
	if msgp.NextType(record) != msgp.MapType {
		return fmt.Errorf("format: record is a msgpack %s, not a map", msgp.NextType(record))
	}
	n, b, err := msgp.ReadMapHeaderBytes(record)
	if err != nil {
		return err
	}
	in.root.seen++
	in.root.keys += int(n)
	for i := uint32(0); i < n; i++ {
		var key []byte
		var ok bool
		if key, b, ok, err = readKey(b); err != nil {
			return err
		}
		if !ok || len(key) == 0 || string(key) == in.skip[0] || string(key) == in.skip[1] {
			// No column: the value goes to _extra.
			if b, err = skip(b); err != nil {
				return err
			}
			continue
		}
		if b, err = in.observe(in.root.child(key), b, 2); err != nil {
			return err
		}
	}
	in.records++
	return nil
}

func (nd *inferNode) child(key []byte) *inferNode {
	if i, ok := nd.byName[string(key)]; ok {
		return nd.children[i]
	}
	if nd.byName == nil {
		nd.byName = map[string]int{}
	}
	c := &inferNode{name: string(key)}
	nd.byName[c.name] = len(nd.children)
	nd.children = append(nd.children, c)
	return c
}

// observe folds the value at b into nd and returns the rest of b.
func (in *Inferrer) observe(nd *inferNode, b []byte, depth int) ([]byte, error) {
	k := kindOf(b)
	if (k == KindGroup || k == KindList) && (in.nestedJSON || depth > maxParquetDepth) {
		k = KindJSON
	}
	nd.kind = widen(nd.kind, k)
	if k == KindNull {
		return skip(b)
	}
	nd.seen++
	switch {
	case k == KindGroup && nd.kind == KindGroup:
		n, rest, err := msgp.ReadMapHeaderBytes(b)
		if err != nil {
			return b, err
		}
		nd.keys += int(n)
		for i := uint32(0); i < n; i++ {
			var key []byte
			var ok bool
			if key, rest, ok, err = readKey(rest); err != nil {
				return rest, err
			}
			if !ok || len(key) == 0 || len(nd.children) >= maxGroupFields && !nd.has(key) {
				// A non-string key, or too many fields: JSON text.
				nd.kind = KindJSON
				return skip(b)
			}
			if rest, err = in.observe(nd.child(key), rest, depth+1); err != nil {
				return rest, err
			}
		}
		return rest, nil
	case k == KindList && nd.kind == KindList:
		n, rest, err := msgp.ReadArrayHeaderBytes(b)
		if err != nil {
			return b, err
		}
		if nd.elem == nil {
			nd.elem = &inferNode{name: "element"}
		}
		for i := uint32(0); i < n; i++ {
			if rest, err = in.observe(nd.elem, rest, depth+1); err != nil {
				return rest, err
			}
		}
		return rest, nil
	}
	rest, err := skip(b)
	if err != nil {
		return b, err
	}
	if !nd.capped && nd.kind != KindJSON {
		if nd.distinct == nil {
			nd.distinct = map[uint64]struct{}{}
		}
		nd.distinct[maphash.Bytes(in.seed, b[:len(b)-len(rest)])] = struct{}{}
		if len(nd.distinct) > maxDistinct {
			nd.capped, nd.distinct = true, nil
		}
	}
	return rest, nil
}

func (nd *inferNode) has(key []byte) bool {
	_, ok := nd.byName[string(key)]
	return ok
}

// Fields returns the schema learnt so far, as the record fields of a
// ParquetSchema.
func (in *Inferrer) Fields() *Field {
	f := &Field{Kind: KindGroup}
	for _, c := range in.root.children {
		f.Children = append(f.Children, c.field())
	}
	f.sortChildren()
	return f
}

func (nd *inferNode) field() *Field {
	f := &Field{Name: nd.name, Kind: nd.kind}
	switch nd.kind {
	case KindGroup:
		if !nd.stable() {
			f.Kind = KindJSON
			return f
		}
		for _, c := range nd.children {
			f.Children = append(f.Children, c.field())
		}
		f.sortChildren()
	case KindList:
		if nd.elem == nil || nd.elem.kind == KindNull {
			f.Elem = &Field{Kind: KindNull}
			break
		}
		f.Elem = nd.elem.field()
		if f.Elem.Kind == KindJSON {
			// Elements of differing shapes: the list as a whole is JSON.
			f.Kind, f.Elem = KindJSON, nil
		}
	default:
		f.dict = nd.paysForDictionary()
	}
	return f
}

// stable says whether a map's keys repeat enough across records to make
// columns of them: not when it has few fields per value but many
// different ones over all (labels, say), nor none at all.
func (nd *inferNode) stable() bool {
	n := len(nd.children)
	if n == 0 || n > maxGroupFields {
		return false
	}
	mean := float64(nd.keys) / float64(max(nd.seen, 1))
	return float64(n) <= 2*mean+2
}

// paysForDictionary: a column with few distinct values among many.
func (nd *inferNode) paysForDictionary() bool {
	switch nd.kind {
	case KindString, KindInt, KindDouble:
	default:
		return false
	}
	return !nd.capped && nd.seen >= 16 && 2*len(nd.distinct) <= nd.seen
}

// ApplyStats marks the columns of a declared schema that pay for
// dictionary encoding, from the values this inferrer has seen.
func (in *Inferrer) ApplyStats(declared *Field) {
	applyStats(declared, in.root)
}

func applyStats(f *Field, nd *inferNode) {
	if nd == nil {
		return
	}
	switch f.Kind {
	case KindGroup:
		for _, c := range f.Children {
			if i, ok := nd.byName[c.Name]; ok {
				applyStats(c, nd.children[i])
			}
		}
	case KindList:
		applyStats(f.Elem, nd.elem)
	case KindString, KindInt, KindDouble:
		if widen(f.Kind, nd.kind) == f.Kind {
			f.dict = nd.paysForDictionary()
		}
	}
}
