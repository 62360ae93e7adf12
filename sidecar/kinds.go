package sidecar

import (
	"github.com/s3append/s3append/source"
	"github.com/s3append/s3append/source/forward"
	"github.com/s3append/s3append/source/httpjson"
	"github.com/s3append/s3append/source/lines"
	"github.com/s3append/s3append/source/otlp"
	"github.com/s3append/s3append/source/s3accesslogs"
)

// Kinds are the source types the sidecar serves.
var Kinds = []source.Kind{forward.Kind, httpjson.Kind, lines.Kind, otlp.Kind, s3accesslogs.Kind}
