package sidecar

import "github.com/s3append/s3append/source"

// Kinds are the source types the sidecar serves.
var Kinds = []source.Kind{}
