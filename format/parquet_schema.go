package format

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Kind is the type of a Parquet field as records are mapped onto it.
type Kind uint8

const (
	// KindNull: only nulls were seen; written as an all-null STRING column.
	KindNull Kind = iota
	KindBool
	KindInt    // INT64
	KindDouble // DOUBLE
	KindString // STRING; other scalars are written as their text
	KindJSON   // STRING holding any value as JSON text
	KindGroup  // optional group of named fields
	KindList   // LIST of one element type
	// kindTime is the event time column, named by json_date_key.
	kindTime
)

var kindNames = [...]string{
	KindNull: "null", KindBool: "boolean", KindInt: "int64", KindDouble: "double",
	KindString: "string", KindJSON: "json", KindGroup: "group", KindList: "list",
	kindTime: "timestamp",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Field is one node of a Parquet schema as s3append writes it: every field
// is optional, groups are sorted by name (the order parquet-go gives their
// columns), lists have one element field.
type Field struct {
	Name     string
	Kind     Kind
	Children []*Field // KindGroup, sorted by Name
	Elem     *Field   // KindList

	// Set by compile.
	byName   map[string]int // child index by name (KindGroup)
	column   int            // leaf column index
	leaves   []int          // every leaf column at or below this field
	maxDef   int            // definition level when this field is present
	repLevel int            // KindList: repetition level of its elements
	gid      int            // KindGroup: index of its scratch in a RowEncoder
	dict     bool           // leaf: dictionary-encode
	special  bool           // the time or _extra column: no record field maps here
}

// Child returns the child field of a group by name, or nil.
func (f *Field) Child(name string) *Field {
	if i, ok := f.byName[name]; ok {
		return f.Children[i]
	}
	return nil
}

// String renders the field as the declared-schema JSON syntax.
func (f *Field) String() string {
	var b strings.Builder
	f.write(&b, false)
	return b.String()
}

// write renders f as the declared-schema JSON syntax; with dictMarks, a
// '*' follows each dictionary-encoded leaf (for Key).
func (f *Field) write(b *strings.Builder, dictMarks bool) {
	switch f.Kind {
	case KindGroup:
		b.WriteByte('{')
		for i, c := range f.Children {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(appendJSONString(nil, []byte(c.Name), nil))
			b.WriteByte(':')
			c.write(b, dictMarks)
		}
		b.WriteByte('}')
	case KindList:
		b.WriteByte('[')
		f.Elem.write(b, dictMarks)
		b.WriteByte(']')
	default:
		b.Write(appendJSONString(nil, []byte(f.Kind.String()), nil))
		if dictMarks && f.dict {
			b.WriteByte('*')
		}
	}
}

// sortChildren orders a group's children by name, as parquet.Group does.
func (f *Field) sortChildren() {
	slices.SortFunc(f.Children, func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
}

// TimeUnit is the unit of the event time column.
type TimeUnit int

const (
	Micros TimeUnit = iota
	Nanos
)

// ParquetOptions shape the Parquet objects.
type ParquetOptions struct {
	// DateKey names the event time column; "" leaves it out.
	DateKey  string
	TimeUnit TimeUnit
	// DropUnknown drops fields the schema does not declare; otherwise they
	// are kept as JSON text in the _extra column.
	DropUnknown bool
	// NestedJSON makes inference write maps and arrays as JSON text rather
	// than as groups and lists.
	NestedJSON bool
	// Codec compresses the pages: zstd, snappy, gzip or none.
	Codec string
	// Level is the codec's compression level, 0 for its default; as for
	// NewCompressorLevel.
	Level int
}

// ExtraColumn holds, as a JSON object, the fields a record carries beyond
// the schema, and values that do not fit their column.
const ExtraColumn = "_extra"

// ParquetSchema is a compiled schema: the record fields plus the event time
// and _extra columns, with their column indexes and levels.
type ParquetSchema struct {
	root    *Field
	pq      *parquet.Schema
	opts    ParquetOptions
	columns int
	groups  int
	time    *Field // nil without DateKey
	extra   *Field // nil with DropUnknown
	key     string
}

// NewParquetSchema compiles the record fields (a KindGroup) into a Parquet
// schema. A record field named like the time or _extra column is not given
// a column: its values go to _extra.
func NewParquetSchema(fields *Field, o ParquetOptions) (*ParquetSchema, error) {
	if fields == nil || fields.Kind != KindGroup {
		return nil, fmt.Errorf("format: a Parquet schema is a group of fields")
	}
	root := &Field{Kind: KindGroup}
	for _, c := range fields.Children {
		if c.Name == o.DateKey || c.Name == ExtraColumn {
			continue
		}
		root.Children = append(root.Children, c)
	}
	s := &ParquetSchema{root: root, opts: o}
	if o.DateKey != "" {
		s.time = &Field{Name: o.DateKey, Kind: kindTime, special: true}
		root.Children = append(root.Children, s.time)
	}
	if !o.DropUnknown {
		s.extra = &Field{Name: ExtraColumn, Kind: KindJSON, special: true}
		root.Children = append(root.Children, s.extra)
	}
	root.sortChildren()
	if len(root.Children) == 0 {
		return nil, fmt.Errorf("format: the Parquet schema has no columns: declare a field, or keep json_date_key or the _extra column")
	}
	if _, err := ParquetCodec(o.Codec, o.Level); err != nil {
		return nil, err
	}
	group := parquet.Group{}
	for _, c := range root.Children {
		node, err := s.node(c, 1)
		if err != nil {
			return nil, err
		}
		group[c.Name] = node
	}
	s.pq = parquet.NewSchema("record", group)
	var n counts
	compile(root, -1, 0, &n)
	next := n.columns
	s.columns, s.groups = n.columns, n.groups
	if got := len(s.pq.Columns()); got != next {
		return nil, fmt.Errorf("format: Parquet schema has %d columns, expected %d", got, next)
	}
	s.key = schemaKey(root, o)
	return s, nil
}

// node builds the parquet-go node of f at nesting depth.
func (s *ParquetSchema) node(f *Field, depth int) (parquet.Node, error) {
	if depth > maxParquetDepth {
		return nil, fmt.Errorf("format: Parquet field %q is nested deeper than %d levels", f.Name, maxParquetDepth)
	}
	var n parquet.Node
	switch f.Kind {
	case KindBool:
		n = parquet.Leaf(parquet.BooleanType)
	case KindInt:
		n = parquet.Int(64)
	case KindDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case KindNull, KindString, KindJSON:
		n = parquet.String()
	case kindTime:
		unit := parquet.Microsecond
		if s.opts.TimeUnit == Nanos {
			unit = parquet.Nanosecond
		}
		n = parquet.Timestamp(unit)
	case KindGroup:
		if len(f.Children) == 0 {
			return nil, fmt.Errorf("format: Parquet group %q has no fields", f.Name)
		}
		g := parquet.Group{}
		for _, c := range f.Children {
			cn, err := s.node(c, depth+1)
			if err != nil {
				return nil, err
			}
			g[c.Name] = cn
		}
		n = g
	case KindList:
		en, err := s.node(f.Elem, depth+1)
		if err != nil {
			return nil, err
		}
		return parquet.Optional(parquet.List(en)), nil
	default:
		return nil, fmt.Errorf("format: Parquet field %q has unknown kind %v", f.Name, f.Kind)
	}
	if f.dict {
		n = parquet.Encoded(n, &parquet.RLEDictionary)
	}
	return parquet.Optional(n), nil
}

// maxParquetDepth bounds nesting in a schema; inference writes deeper
// values as JSON text.
const maxParquetDepth = 16

// compile assigns column indexes (depth-first, children in name order, as
// parquet-go numbers leaves) and the definition and repetition levels.
// def and rep are the levels of the parent.
func compile(f *Field, def, rep int, next *counts) {
	f.leaves = f.leaves[:0]
	switch f.Kind {
	case KindGroup:
		f.maxDef = def + 1 // the root (def -1) is required: 0
		f.gid = next.groups
		next.groups++
		f.byName = make(map[string]int, len(f.Children))
		for i, c := range f.Children {
			f.byName[c.Name] = i
			compile(c, f.maxDef, rep, next)
			f.leaves = append(f.leaves, c.leaves...)
		}
	case KindList:
		// optional group (LIST) { repeated group list { optional element } }
		f.maxDef = def + 1
		f.repLevel = rep + 1
		f.Elem.Name = "element"
		compile(f.Elem, def+2, rep+1, next)
		f.leaves = append(f.leaves, f.Elem.leaves...)
	default:
		f.maxDef = def + 1
		f.column = next.columns
		next.columns++
		f.leaves = append(f.leaves, f.column)
	}
}

type counts struct{ columns, groups int }

// Schema returns the parquet-go schema.
func (s *ParquetSchema) Schema() *parquet.Schema { return s.pq }

// Fields returns the record fields (the root group, including the time and
// _extra columns).
func (s *ParquetSchema) Fields() *Field { return s.root }

// Root is the schema's top group: the record fields, the event time column
// and _extra, sorted by name as the files hold them.
func (s *ParquetSchema) Root() *Field { return s.root }

// IsTime says whether the field is the event time column (a UTC TIMESTAMP
// in the schema's TimeUnit).
func (f *Field) IsTime() bool { return f.Kind == kindTime }
