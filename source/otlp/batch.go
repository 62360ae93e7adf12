package otlp

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tinylib/msgp/msgp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
)

// batches are one request's events grouped by tag, tags in the order they
// first appear, and the records that could not be represented.
type batches struct {
	tags     []string
	events   [][]byte
	counts   []int64
	index    map[string]int
	records  int64 // every LogRecord of the request
	rejected int64
	why      string // the first rejection's reason
	res      []byte // scratch: a resource's map
	scope    []byte // scratch: a scope's map
}

// batchPool keeps the event buffers between requests: a steady stream of
// requests then appends into memory it already has.
var batchPool = sync.Pool{New: func() any { return &batches{index: map[string]int{}} }}

func getBatches() *batches { return batchPool.Get().(*batches) }

func putBatches(b *batches) {
	clear(b.index)
	b.tags, b.events, b.counts = b.tags[:0], b.events[:0], b.counts[:0]
	b.records, b.rejected, b.why = 0, 0, ""
	batchPool.Put(b)
}

// slot is the index of tag's batch, made on first use.
func (b *batches) slot(tag string) int {
	if i, ok := b.index[tag]; ok {
		return i
	}
	i := len(b.tags)
	b.index[tag] = i
	b.tags, b.counts = append(b.tags, tag), append(b.counts, 0)
	if i < cap(b.events) {
		b.events = b.events[:i+1]
		b.events[i] = b.events[i][:0]
	} else {
		b.events = append(b.events, nil)
	}
	return i
}

func (b *batches) reject(why string) {
	if b.rejected == 0 {
		b.why = why
	}
	b.rejected++
}

// message is partial_success's error_message: empty when nothing was rejected.
func (b *batches) message() string {
	if b.rejected == 0 {
		return ""
	}
	return fmt.Sprintf("%d log record(s) rejected: %s", b.rejected, b.why)
}

const tooDeep = "a value nests kvlists or arrays more than 500 levels deep"

// build appends every LogRecord of req to the batch of its tag.
func (s *Source) build(b *batches, req *collogspb.ExportLogsServiceRequest, arrival time.Time) {
	for _, rl := range req.GetResourceLogs() {
		attrs := uniqueKVs(rl.GetResource().GetAttributes())
		tag := s.tagFor(attrs)
		var res []byte
		resOK := true
		if len(attrs) > 0 {
			b.res, resOK = appendKVMap(b.res[:0], attrs, 0)
			res = b.res
		}
		for _, sl := range rl.GetScopeLogs() {
			var scope []byte
			scopeOK := true
			if sc := sl.GetScope(); sc.GetName() != "" || sc.GetVersion() != "" || len(sc.GetAttributes()) > 0 {
				b.scope, scopeOK = appendScope(b.scope[:0], sc)
				scope = b.scope
			}
			for _, lr := range sl.GetLogRecords() {
				b.records++
				if !resOK || !scopeOK {
					b.reject(tooDeep)
					continue
				}
				i := b.slot(tag)
				var ok bool
				if b.events[i], ok = appendLogRecord(b.events[i], lr, res, scope, arrival); !ok {
					b.reject(tooDeep)
					continue
				}
				b.counts[i]++
			}
		}
	}
}

// appendScope appends the scope as {name, version, attributes}, each only
// when set.
func appendScope(dst []byte, sc *commonpb.InstrumentationScope) (_ []byte, ok bool) {
	attrs := uniqueKVs(sc.GetAttributes())
	n := uint32(0)
	for _, set := range [...]bool{sc.GetName() != "", sc.GetVersion() != "", len(attrs) > 0} {
		if set {
			n++
		}
	}
	dst = msgp.AppendMapHeader(dst, n)
	if sc.GetName() != "" {
		dst = msgp.AppendString(msgp.AppendString(dst, "name"), sc.GetName())
	}
	if sc.GetVersion() != "" {
		dst = msgp.AppendString(msgp.AppendString(dst, "version"), sc.GetVersion())
	}
	if len(attrs) > 0 {
		return appendKVMap(msgp.AppendString(dst, "attributes"), attrs, 0)
	}
	return dst, true
}

// tagFor is the tag of a resource's records: tag, or tag.<value> when
// tag_from_resource names an attribute the resource has with a scalar value.
func (s *Source) tagFor(attrs []*commonpb.KeyValue) string {
	if s.fromRes == "" {
		return s.tag
	}
	for _, kv := range attrs {
		if kv.GetKey() != s.fromRes {
			continue
		}
		var v string
		switch x := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			v = x.StringValue
		case *commonpb.AnyValue_IntValue:
			v = strconv.FormatInt(x.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			v = strconv.FormatBool(x.BoolValue)
		case *commonpb.AnyValue_DoubleValue:
			v = strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
		}
		if v != "" {
			return s.tag + "." + v
		}
		break
	}
	return s.tag
}
