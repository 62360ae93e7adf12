// Package format holds the plugin's hot-path codecs: a zero-copy reader for
// the msgpack events in a Fluent Bit chunk, a transcoder from msgpack records
// to JSON lines, the streaming compressors applied to uploaded objects, and
// the Parquet encoder.
//
// Nothing here allocates per event in steady state: events are slices of the
// chunk, and the JSON encoder appends to a buffer its caller owns.
//
// A Parquet object is one byte stream, "PAR1", its row groups, then its page
// index and footer, cut into parts as it grows. Its schema (ParquetSchema) is
// declared or learnt from records (Inferrer). A RowGroupWriter encodes
// records straight into columns and holds all the costly state of encoding,
// for one row group at a time, so a few serve many open objects; the object
// keeps only a ParquetFile, the compact footer entries of the row groups
// already in its stream, and gets each row group's bytes from
// ParquetFile.AppendRowGroup and the end of the stream from AppendFooter.
// ParquetWriter puts the two together to stream one object to an io.Writer.
package format
