package format

import (
	"github.com/tinylib/msgp/msgp"
)

// Misfit describes a record field whose value a schema's column cannot
// hold: the object's schema would have to change type.
type Misfit struct {
	Field string // dotted path
	Want  Kind   // the column's kind
	Got   Kind   // the value's kind
}

// Misfit returns the first field of record that s cannot hold, or nil.
// Fields s does not declare are not misfits: they go to _extra. A value
// that cannot be read counts as fitting here; the encoder reports it.
func (s *ParquetSchema) Misfit(record []byte) *Misfit {
	if kindOf(record) != KindGroup {
		return nil // not a record: the encoder reports it
	}
	return misfit(s.root, record, false)
}

func prefixed(name, rest string) string {
	if rest == "" {
		return name
	}
	if rest[0] == '[' {
		return name + rest
	}
	return name + "." + rest
}

// misfit checks v against f; the path it returns is below f. With strict,
// a member f does not declare is a misfit too (Got is KindNull then). A
// value that cannot be read counts as fitting: the encoder reports it.
func misfit(f *Field, v []byte, strict bool) *Misfit {
	k := kindOf(v)
	if !holds(f.Kind, k) {
		return &Misfit{Want: f.Kind, Got: k}
	}
	switch {
	case k == KindGroup && f.Kind == KindGroup:
		n, b, err := msgp.ReadMapHeaderBytes(v)
		if err != nil {
			return nil
		}
		for i := uint32(0); i < n; i++ {
			key, rest, ok, err := readKey(b)
			if err != nil {
				return nil
			}
			end, err := skip(rest)
			if err != nil {
				return nil
			}
			c := f.Child(string(key))
			if !ok || c == nil || c.special {
				if strict {
					return &Misfit{Field: string(key)}
				}
			} else if m := misfit(c, rest[:len(rest)-len(end)], strict); m != nil {
				m.Field = prefixed(c.Name, m.Field)
				return m
			}
			b = end
		}
	case k == KindList && f.Kind == KindList:
		n, b, err := msgp.ReadArrayHeaderBytes(v)
		if err != nil {
			return nil
		}
		for i := uint32(0); i < n; i++ {
			end, err := skip(b)
			if err != nil {
				return nil
			}
			if m := misfit(f.Elem, b[:len(b)-len(end)], strict); m != nil {
				m.Field = prefixed("[]", m.Field)
				return m
			}
			b = end
		}
	}
	return nil
}
