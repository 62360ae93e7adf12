package format

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/tinylib/msgp/msgp"
)

// RowEncoder transcodes msgpack records straight into Parquet values (with
// their repetition and definition levels), column by column, with no
// intermediate maps. Fields the schema lacks, and values that do not fit
// their column, go to the _extra column as JSON text, so nothing a record
// carries is lost; inside a list, a misfit sends the whole list there.
//
// Values alias the records and the encoder's scratch: they stay valid until
// Release. An encoder must not be used by two goroutines at once.
type RowEncoder struct {
	s    *ParquetSchema
	json *JSONEncoder
	// cols gathers the values of the rows encoded since resetColumns, by
	// column, so that they go to each column writer in one call.
	cols  [][]parquet.Value
	marks []int      // len(cols[c]) before the record being encoded
	slots [][][]byte // by group id: the value of each child
	order [][]int    // by group id: the child each member was last time
	arena arena
	tmp   []byte
	path  [][]byte // raw msgpack keys from the root to the current group
	extra extraWriter
	// Misfits counts values written to _extra because their column could
	// not hold them (or dropped, without _extra).
	Misfits int
}

// NewRowEncoder returns an encoder for rows of s.
func (s *ParquetSchema) NewRowEncoder() *RowEncoder {
	e := &RowEncoder{
		s:     s,
		json:  NewJSONEncoder(JSONOptions{}),
		cols:  make([][]parquet.Value, s.columns),
		marks: make([]int, s.columns),
		slots: make([][][]byte, s.groups),
		order: make([][]int, s.groups),
	}
	var size func(f *Field)
	size = func(f *Field) {
		switch f.Kind {
		case KindGroup:
			e.slots[f.gid] = make([][]byte, len(f.Children))
			e.order[f.gid] = make([]int, 0, len(f.Children))
			for _, c := range f.Children {
				size(c)
			}
		case KindList:
			size(f.Elem)
		}
	}
	size(s.root)
	return e
}

// InvalidUTF8 is the number of invalid UTF-8 sequences replaced by U+FFFD.
func (e *RowEncoder) InvalidUTF8() int { return e.json.InvalidUTF8() }

// Release frees the scratch the rows returned so far refer to.
func (e *RowEncoder) Release() { e.arena.reset() }

// AppendRow appends the row of ev to row, its values in column order. On
// error (a malformed record) row is returned unchanged. It uses the
// columns a RowGroupWriter gathers rows in, so it is not for the encoder
// of one.
func (e *RowEncoder) AppendRow(row parquet.Row, ev *Event) (parquet.Row, error) {
	e.resetColumns()
	if err := e.appendColumns(ev); err != nil {
		return row, err
	}
	for _, vs := range e.cols {
		row = append(row, vs...)
	}
	return row, nil
}

// appendColumns appends the values of ev's row to the gathered columns.
// A record that cannot be read leaves every column as it was: a row
// group must not receive part of a row.
func (e *RowEncoder) appendColumns(ev *Event) error {
	for c, vs := range e.cols {
		e.marks[c] = len(vs)
	}
	e.extra.reset()
	e.path = e.path[:0]
	e.json.record = ev.Record
	err := e.record(ev)
	e.json.record = nil
	if err != nil {
		for c, m := range e.marks {
			e.cols[c] = e.cols[c][:m]
		}
	}
	return err
}

// resetColumns empties the gathered columns, keeping their capacity.
func (e *RowEncoder) resetColumns() {
	for c := range e.cols {
		e.cols[c] = e.cols[c][:0]
	}
}

// forgetColumns empties the gathered columns and drops what their old
// values point to (records, scratch), so that an idle encoder pins none.
func (e *RowEncoder) forgetColumns() {
	for c, vs := range e.cols {
		clear(vs[:cap(vs)])
		e.cols[c] = vs[:0]
	}
}

func (e *RowEncoder) record(ev *Event) error {
	root := e.s.root
	if t := msgp.NextType(ev.Record); t != msgp.MapType {
		return e.json.malformed(ev.Record, fmt.Errorf("record is a msgpack %s, not a map", t))
	}
	if err := e.members(root, ev.Record, 0); err != nil {
		return err
	}
	for i, c := range root.Children {
		switch {
		case c == e.s.time:
			e.put(c, e.timeValue(ev), 0)
		case c == e.s.extra:
		default:
			if err := e.field(c, e.slots[root.gid][i], 0, 0); err != nil {
				return err
			}
		}
	}
	if x := e.s.extra; x != nil {
		if e.extra.empty() {
			e.null(x, 0, 0)
		} else {
			var err error
			if e.tmp, err = e.extra.render(e.tmp[:0], e.json); err != nil {
				return err
			}
			e.put(x, parquet.ByteArrayValue(e.arena.copy(e.tmp)), 0)
		}
	}
	return nil
}

func (e *RowEncoder) timeValue(ev *Event) parquet.Value {
	if e.s.opts.TimeUnit == Nanos {
		return parquet.Int64Value(ev.Sec*1e9 + int64(ev.Nsec))
	}
	return parquet.Int64Value(ev.Sec*1e6 + int64(ev.Nsec)/1e3)
}

// members reads the map at b into the slots of group g; members g has no
// field for go to _extra under the current path.
//
// Records from one source mostly carry their fields in the same order, so
// the child the i-th member matched last time is tried before the name
// lookup; and then the few children after the one the member before
// matched, for records whose keys are sorted as the children are, with
// some fields absent.
func (e *RowEncoder) members(g *Field, b []byte, depth int) error {
	n, b, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return e.json.malformed(b, err)
	}
	slots := e.slots[g.gid]
	clear(slots)
	order := e.order[g.gid]
	prev := -1
	for i := range int(n) {
		rawKey := b
		j, rest, err := e.member(g, b, order, i, prev)
		if err != nil {
			return e.json.malformed(b, err)
		}
		rawKey = rawKey[:len(rawKey)-len(rest)]
		end, err := skip(rest)
		if err != nil {
			return e.json.malformed(rest, err)
		}
		v := rest[:len(rest)-len(end)]
		b = end
		if j >= 0 {
			prev = j
			if i < cap(order) {
				if i >= len(order) {
					order = order[:i+1]
				}
				order[i] = j
			}
			if slots[j] != nil {
				e.toExtra(rawKey, slots[j]) // a duplicate key
			}
			slots[j] = v
			continue
		}
		e.toExtra(rawKey, v)
	}
	e.order[g.gid] = order
	return nil
}

// lookAhead is how many children past the last match a key is compared
// with before the name lookup.
const lookAhead = 4

// member reads the key at b and returns the index of g's child it names,
// or -1 when g has no such record field. prev is the child the member
// before named, or -1.
func (e *RowEncoder) member(g *Field, b []byte, order []int, i, prev int) (int, []byte, error) {
	if key, rest, ok := strPayload(b); ok {
		// A match is a schema name, valid UTF-8, and never a special
		// child: no record field maps to those.
		if i < len(order) {
			if j := order[i]; g.Children[j].Name == string(key) {
				return j, rest, nil
			}
		}
		for j := prev + 1; j < min(len(g.Children), prev+1+lookAhead); j++ {
			if g.Children[j].Name == string(key) && !g.Children[j].special {
				return j, rest, nil
			}
		}
	}
	key, rest, ok, err := readKey(b)
	if err != nil || !ok {
		return -1, rest, err
	}
	if j, found := g.byName[string(key)]; found && !g.Children[j].special {
		return j, rest, nil
	}
	return -1, rest, nil
}

// toExtra keeps a value the schema has no place for.
func (e *RowEncoder) toExtra(rawKey, v []byte) {
	if e.s.extra != nil {
		e.extra.add(e.path, rawKey, v)
	}
}

// field emits the values of f for the msgpack value v (nil: absent). rep
// is the repetition level of f's first value; def the definition level
// of f's parent.
func (e *RowEncoder) field(f *Field, v []byte, rep, def int) error {
	if v == nil || msgp.IsNil(v) {
		e.null(f, rep, def)
		return nil
	}
	switch f.Kind {
	case KindGroup:
		if kindOf(v) != KindGroup {
			return e.misfit(f, v, rep, def)
		}
		e.path = append(e.path, e.rawName(f))
		if err := e.members(f, v, len(e.path)); err != nil {
			return err
		}
		slots := e.slots[f.gid]
		for i, c := range f.Children {
			if err := e.field(c, slots[i], rep, f.maxDef); err != nil {
				return err
			}
		}
		e.path = e.path[:len(e.path)-1]
		return nil
	case KindList:
		if kindOf(v) != KindList || misfit(f, v, true) != nil {
			return e.misfit(f, v, rep, def)
		}
		n, b, err := msgp.ReadArrayHeaderBytes(v)
		if err != nil {
			return e.json.malformed(v, err)
		}
		if n == 0 {
			e.null(f.Elem, rep, f.maxDef)
			return nil
		}
		for i := uint32(0); i < n; i++ {
			end, err := skip(b)
			if err != nil {
				return e.json.malformed(b, err)
			}
			r := rep
			if i > 0 {
				r = f.repLevel
			}
			if err := e.field(f.Elem, b[:len(b)-len(end)], r, f.maxDef+1); err != nil {
				return err
			}
			b = end
		}
		return nil
	}
	val, ok, err := e.leaf(f, v)
	if err != nil {
		return err
	}
	if !ok {
		return e.misfit(f, v, rep, def)
	}
	e.put(f, val, rep)
	return nil
}

// misfit writes nulls for f and keeps its value in _extra.
func (e *RowEncoder) misfit(f *Field, v []byte, rep, def int) error {
	e.Misfits++
	e.null(f, rep, def)
	e.toExtra(e.rawName(f), v)
	return nil
}

// rawName is f's name as a msgpack string, for _extra paths.
func (e *RowEncoder) rawName(f *Field) []byte {
	e.tmp = msgp.AppendString(e.tmp[:0], f.Name)
	return e.arena.copy(e.tmp)
}

func (e *RowEncoder) put(f *Field, v parquet.Value, rep int) {
	e.cols[f.column] = appendLeveled(e.cols[f.column], v, rep, f.maxDef, f.column)
}

// null writes a null at every leaf column of f.
func (e *RowEncoder) null(f *Field, rep, def int) {
	for _, c := range f.leaves {
		e.cols[c] = appendLeveled(e.cols[c], parquet.Value{}, rep, def, c)
	}
}

// leaf converts v for the leaf column f; ok is false when it cannot hold v.
func (e *RowEncoder) leaf(f *Field, v []byte) (parquet.Value, bool, error) {
	if f.Kind == KindString {
		// Most values are strings in string columns: straight to their bytes.
		if s, _, ok := strPayload(v); ok {
			if !utf8.Valid(s) {
				e.tmp = appendValidUTF8(e.tmp[:0], s, &e.json.invalidUTF8)
				s = e.arena.copy(e.tmp)
			}
			return parquet.ByteArrayValue(s), true, nil
		}
	}
	k := kindOf(v)
	if !holds(f.Kind, k) {
		return parquet.Value{}, false, nil
	}
	switch f.Kind {
	case KindBool:
		b, _, err := msgp.ReadBoolBytes(v)
		return parquet.BooleanValue(b), err == nil, e.check(v, err)
	case KindInt:
		i, _, err := readInt(v)
		return parquet.Int64Value(i), err == nil, e.check(v, err)
	case KindDouble:
		d, _, err := readNumber(v)
		return parquet.DoubleValue(d), err == nil, e.check(v, err)
	case KindJSON:
		return e.jsonText(v)
	}
	// A string column: strings as they are, other values as text.
	switch k {
	case KindString:
		s, err := stringBytes(v)
		if err != nil {
			return parquet.Value{}, false, e.check(v, err)
		}
		if !utf8.Valid(s) {
			e.tmp = appendValidUTF8(e.tmp[:0], s, &e.json.invalidUTF8)
			s = e.arena.copy(e.tmp)
		}
		return parquet.ByteArrayValue(s), true, nil
	case KindInt:
		if msgp.NextType(v) == msgp.UintType {
			u, _, err := msgp.ReadUint64Bytes(v)
			e.tmp = strconv.AppendUint(e.tmp[:0], u, 10)
			return parquet.ByteArrayValue(e.arena.copy(e.tmp)), err == nil, e.check(v, err)
		}
		i, _, err := msgp.ReadInt64Bytes(v)
		e.tmp = strconv.AppendInt(e.tmp[:0], i, 10)
		return parquet.ByteArrayValue(e.arena.copy(e.tmp)), err == nil, e.check(v, err)
	}
	return e.jsonText(v)
}

func (e *RowEncoder) check(v []byte, err error) error {
	if err != nil {
		return e.json.malformed(v, err)
	}
	return nil
}

// jsonText writes v as JSON text.
func (e *RowEncoder) jsonText(v []byte) (parquet.Value, bool, error) {
	var err error
	e.tmp, _, err = e.json.appendValue(e.tmp[:0], v, 2)
	if err != nil {
		return parquet.Value{}, false, err
	}
	return parquet.ByteArrayValue(e.arena.copy(e.tmp)), true, nil
}

// strPayload returns the bytes of the msgpack string at the start of v,
// and what follows it; ok is false for any other value, or a string cut
// short.
func strPayload(v []byte) (s, rest []byte, ok bool) {
	if len(v) == 0 {
		return nil, nil, false
	}
	var head, n int
	switch c := v[0]; {
	case c >= 0xa0 && c <= 0xbf: // fixstr
		head, n = 1, int(c&0x1f)
	case c == 0xd9 && len(v) >= 2: // str8
		head, n = 2, int(v[1])
	case c == 0xda && len(v) >= 3: // str16
		head, n = 3, int(binary.BigEndian.Uint16(v[1:]))
	case c == 0xdb && len(v) >= 5: // str32
		head, n = 5, int(binary.BigEndian.Uint32(v[1:]))
	default:
		return nil, nil, false
	}
	if n > len(v)-head {
		return nil, nil, false
	}
	return v[head : head+n : head+n], v[head+n:], true
}

func stringBytes(v []byte) ([]byte, error) {
	if msgp.NextType(v) == msgp.BinType {
		s, _, err := msgp.ReadBytesZC(v)
		return s, err
	}
	s, _, err := msgp.ReadStringZC(v)
	return s, err
}

// appendValidUTF8 copies s with each invalid sequence replaced by U+FFFD.
func appendValidUTF8(dst, s []byte, invalid *int) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
			*invalid++
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// arena hands out copies that stay put until reset: rows refer to them
// until they are written.
type arena struct {
	blocks [][]byte
	cur    int
}

const arenaBlock = 64 << 10

func (a *arena) copy(b []byte) []byte {
	if len(b) > arenaBlock/4 {
		return append([]byte(nil), b...)
	}
	if len(a.blocks) == 0 {
		a.blocks = append(a.blocks, make([]byte, 0, arenaBlock))
	}
	if blk := a.blocks[a.cur]; cap(blk)-len(blk) < len(b) {
		a.cur++
		if a.cur == len(a.blocks) {
			a.blocks = append(a.blocks, make([]byte, 0, arenaBlock))
		}
	}
	blk := a.blocks[a.cur]
	start := len(blk)
	blk = append(blk, b...)
	a.blocks[a.cur] = blk
	return blk[start:len(blk):len(blk)]
}

func (a *arena) reset() {
	for i := 0; i <= a.cur && i < len(a.blocks); i++ {
		a.blocks[i] = a.blocks[i][:0]
	}
	a.cur = 0
}
