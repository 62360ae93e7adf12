// Package conf parses and validates the options of the s3append output.
//
// Fluent Bit hands options to a Go plugin one key at a time, so parsing
// starts from a Source that answers one key, and tests need no cgo. Parse
// reports every problem at once, each naming the option as written in the
// Fluent Bit configuration, so a user fixes a config in one round trip.
package conf
