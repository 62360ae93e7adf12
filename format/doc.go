// Package format holds the plugin's hot-path codecs: a zero-copy reader for
// the msgpack events in a Fluent Bit chunk, a transcoder from msgpack records
// to JSON lines, and the streaming compressors applied to uploaded objects.
//
// Nothing here allocates per event in steady state: events are slices of the
// chunk, and the JSON encoder appends to a buffer its caller owns.
package format
