package datagen

import "github.com/s3append/s3append/format"

// Chunks returns Fluent Bit chunks of about chunkSize bytes each, holding n
// records of set in total as current-shape events [[EventTime, {}], record].
// A chunk is closed before the event that would take it past chunkSize, so
// only a chunk holding a single oversized event exceeds it.
//
// rawTextBytes is the size of the same records as raw text: the sum of
// len(Text())+1 over all records, one newline-terminated line each.
func Chunks(set Set, seed uint64, n, chunkSize int) (chunks [][]byte, rawTextBytes int64) {
	g := New(set, seed)
	meta := map[string]any{}
	var chunk, event []byte
	for range n {
		t, record := g.Next()
		rawTextBytes += int64(len(g.Text()) + 1)
		event = format.AppendEvent(event[:0], t, meta, record)
		if len(chunk) > 0 && len(chunk)+len(event) > chunkSize {
			chunks = append(chunks, chunk)
			chunk = nil
		}
		if chunk == nil {
			chunk = make([]byte, 0, max(chunkSize, len(event)))
		}
		chunk = append(chunk, event...)
	}
	if len(chunk) > 0 {
		chunks = append(chunks, chunk)
	}
	return chunks, rawTextBytes
}
