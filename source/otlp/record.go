package otlp

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"time"

	"github.com/tinylib/msgp/msgp"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/s3append/s3append/source"
)

// maxNesting bounds how deep kvlists and arrays may nest in a value. The
// engine's JSON encoder refuses records nested past 1000 levels, and OTLP's
// protobuf decoder allows deeper, so a record past this bound is one the
// source cannot represent: it is rejected through partial_success.
const maxNesting = 500

// appendLogRecord appends lr as one event. res and scope are the msgpack
// maps of its resource and scope, nil when empty. ok is false (and dst
// is as it was) when lr cannot be represented.
func appendLogRecord(dst []byte, lr *logspb.LogRecord, res, scope []byte, arrival time.Time) (_ []byte, ok bool) {
	start := len(dst)
	dst = source.AppendEventHead(dst, recordTime(lr, arrival))
	body := lr.GetBody()
	attrs := uniqueKVs(lr.GetAttributes())
	n := uint32(0)
	for _, set := range [...]bool{
		body.GetValue() != nil, lr.GetSeverityText() != "", lr.GetSeverityNumber() != 0,
		len(attrs) > 0, res != nil, scope != nil, len(lr.GetTraceId()) > 0,
		len(lr.GetSpanId()) > 0, lr.GetFlags() != 0, lr.GetEventName() != "",
	} {
		if set {
			n++
		}
	}
	dst = msgp.AppendMapHeader(dst, n)
	if body.GetValue() != nil {
		dst = msgp.AppendString(dst, "body")
		if dst, ok = appendValue(dst, body, 0); !ok {
			return dst[:start], false
		}
	}
	if v := lr.GetSeverityText(); v != "" {
		dst = msgp.AppendString(msgp.AppendString(dst, "severity_text"), v)
	}
	if v := lr.GetSeverityNumber(); v != 0 {
		dst = msgp.AppendInt64(msgp.AppendString(dst, "severity_number"), int64(v))
	}
	if len(attrs) > 0 {
		if dst, ok = appendKVMap(msgp.AppendString(dst, "attributes"), attrs, 0); !ok {
			return dst[:start], false
		}
	}
	if res != nil {
		dst = append(msgp.AppendString(dst, "resource"), res...)
	}
	if scope != nil {
		dst = append(msgp.AppendString(dst, "scope"), scope...)
	}
	dst = appendHex(dst, "trace_id", lr.GetTraceId())
	dst = appendHex(dst, "span_id", lr.GetSpanId())
	if v := lr.GetFlags(); v != 0 {
		dst = msgp.AppendInt64(msgp.AppendString(dst, "flags"), int64(v))
	}
	if v := lr.GetEventName(); v != "" {
		dst = msgp.AppendString(msgp.AppendString(dst, "event_name"), v)
	}
	return dst, true
}

// recordTime is when the record happened: its time, else when it was
// observed, else when the request arrived (both times are optional).
func recordTime(lr *logspb.LogRecord, arrival time.Time) time.Time {
	ns := lr.GetTimeUnixNano()
	if ns == 0 {
		ns = lr.GetObservedTimeUnixNano()
	}
	if ns == 0 {
		return arrival
	}
	if ns > math.MaxInt64 {
		ns = math.MaxInt64 // past 2262: only a broken clock says so
	}
	return time.Unix(0, int64(ns))
}

func appendHex(dst []byte, key string, id []byte) []byte {
	if len(id) == 0 {
		return dst
	}
	var buf [64]byte // room for the usual 16-byte trace and 8-byte span ids
	return msgp.AppendStringFromBytes(msgp.AppendString(dst, key), hex.AppendEncode(buf[:0], id))
}

// appendValue appends an AnyValue as the msgpack value closest to it;
// bytes become base64 text, since a record's consumers (JSON lines,
// Parquet) have no bytes type, and an unset value is nil.
func appendValue(dst []byte, v *commonpb.AnyValue, depth int) (_ []byte, ok bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return msgp.AppendString(dst, x.StringValue), true
	case *commonpb.AnyValue_IntValue:
		return msgp.AppendInt64(dst, x.IntValue), true
	case *commonpb.AnyValue_DoubleValue:
		return msgp.AppendFloat64(dst, x.DoubleValue), true
	case *commonpb.AnyValue_BoolValue:
		return msgp.AppendBool(dst, x.BoolValue), true
	case *commonpb.AnyValue_BytesValue:
		return msgp.AppendStringFromBytes(dst, base64.StdEncoding.AppendEncode(nil, x.BytesValue)), true
	case *commonpb.AnyValue_KvlistValue:
		return appendKVMap(dst, uniqueKVs(x.KvlistValue.GetValues()), depth+1)
	case *commonpb.AnyValue_ArrayValue:
		if depth+1 > maxNesting {
			return dst, false
		}
		vs := x.ArrayValue.GetValues()
		dst = msgp.AppendArrayHeader(dst, uint32(len(vs)))
		for _, e := range vs {
			if dst, ok = appendValue(dst, e, depth+1); !ok {
				return dst, false
			}
		}
		return dst, true
	}
	return msgp.AppendNil(dst), true
}

// appendKVMap appends key-values (keys already unique) as a msgpack map.
func appendKVMap(dst []byte, kvs []*commonpb.KeyValue, depth int) (_ []byte, ok bool) {
	if depth > maxNesting {
		return dst, false
	}
	dst = msgp.AppendMapHeader(dst, uint32(len(kvs)))
	for _, kv := range kvs {
		dst = msgp.AppendString(dst, kv.GetKey())
		if dst, ok = appendValue(dst, kv.GetValue(), depth); !ok {
			return dst, false
		}
	}
	return dst, true
}

// uniqueKVs drops the later of key-values with the same key. OTLP asks
// senders for unique keys but a receiver cannot count on it, and a map
// with a key twice is not one that JSON lines or Parquet can hold. The
// common case, no duplicate, allocates nothing.
func uniqueKVs(kvs []*commonpb.KeyValue) []*commonpb.KeyValue {
	if len(kvs) < 2 {
		return kvs
	}
	if len(kvs) <= 32 && !hasDupSmall(kvs) {
		return kvs
	}
	seen := make(map[string]struct{}, len(kvs))
	out := make([]*commonpb.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		if _, dup := seen[kv.GetKey()]; !dup {
			seen[kv.GetKey()] = struct{}{}
			out = append(out, kv)
		}
	}
	return out
}

func hasDupSmall(kvs []*commonpb.KeyValue) bool {
	for i := 1; i < len(kvs); i++ {
		for j := 0; j < i; j++ {
			if kvs[i].GetKey() == kvs[j].GetKey() {
				return true
			}
		}
	}
	return false
}
