package format

import (
	"fmt"
	"slices"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// AppendEvent appends one event in the current Fluent Bit shape
// [[EventTime, meta], record]. A nil meta is written as an empty map.
//
// Values may be string, []byte, bool, nil, any Go integer or float type,
// map[string]any or []any, nested freely; map keys are written sorted so
// the output is deterministic. Any other value type is a programming error
// and panics. t must lie within the uint32 seconds of EventTime (1970–2106).
func AppendEvent(dst []byte, t time.Time, meta map[string]any, record map[string]any) []byte {
	dst = msgp.AppendArrayHeader(dst, 2)
	dst = msgp.AppendArrayHeader(dst, 2)
	dst = appendTime(dst, t)
	dst = appendMap(dst, meta)
	return appendMap(dst, record)
}

// AppendLegacyEvent appends one event in the legacy shape [EventTime, record].
func AppendLegacyEvent(dst []byte, t time.Time, record map[string]any) []byte {
	dst = msgp.AppendArrayHeader(dst, 2)
	dst = appendTime(dst, t)
	return appendMap(dst, record)
}

func appendTime(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	if sec < 0 || sec > 1<<32-1 {
		panic(fmt.Sprintf("format: event time %s does not fit an EventTime", t))
	}
	return appendEventTime(dst, sec, int32(t.Nanosecond()))
}

func appendMap(dst []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = msgp.AppendMapHeader(dst, uint32(len(keys)))
	for _, k := range keys {
		dst = msgp.AppendString(dst, k)
		dst = appendAny(dst, k, m[k])
	}
	return dst
}

// appendAny appends one value; key names the field for the panic message.
func appendAny(dst []byte, key string, v any) []byte {
	switch v := v.(type) {
	case nil:
		return msgp.AppendNil(dst)
	case string:
		return msgp.AppendString(dst, v)
	case []byte:
		return msgp.AppendBytes(dst, v)
	case bool:
		return msgp.AppendBool(dst, v)
	case int:
		return msgp.AppendInt(dst, v)
	case int8:
		return msgp.AppendInt8(dst, v)
	case int16:
		return msgp.AppendInt16(dst, v)
	case int32:
		return msgp.AppendInt32(dst, v)
	case int64:
		return msgp.AppendInt64(dst, v)
	case uint:
		return msgp.AppendUint(dst, v)
	case uint8:
		return msgp.AppendUint8(dst, v)
	case uint16:
		return msgp.AppendUint16(dst, v)
	case uint32:
		return msgp.AppendUint32(dst, v)
	case uint64:
		return msgp.AppendUint64(dst, v)
	case float32:
		return msgp.AppendFloat32(dst, v)
	case float64:
		return msgp.AppendFloat64(dst, v)
	case map[string]any:
		return appendMap(dst, v)
	case []any:
		dst = msgp.AppendArrayHeader(dst, uint32(len(v)))
		for _, e := range v {
			dst = appendAny(dst, key, e)
		}
		return dst
	default:
		panic(fmt.Sprintf("format: field %q: unsupported value type %T", key, v))
	}
}
