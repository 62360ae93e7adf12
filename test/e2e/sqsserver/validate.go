package sqsserver

import (
	"strings"
)

// SQS's limits, checked here because goaws checks few of them and fails
// badly on some (see the package comment).
const (
	maxBatchEntries = 10
	maxReceiveBatch = 10
	maxWaitSeconds  = 20
	maxVisibility   = 43200 // 12 hours
	maxDelaySeconds = 900
	maxQueueName    = 80
	maxBatchEntryID = 80
	fifoQueueSuffix = ".fifo"
)

// validQueueName reports whether name is a queue name SQS accepts: up to
// 80 letters, digits, hyphens and underscores, a FIFO queue's ending in
// .fifo.
func validQueueName(name string) bool {
	base := strings.TrimSuffix(name, fifoQueueSuffix)
	return base != "" && len(name) <= maxQueueName && onlyIDChars(base)
}

// onlyIDChars reports whether s holds only letters, digits, hyphens and
// underscores, as queue names and batch entry ids must.
func onlyIDChars(s string) bool {
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// validBody reports whether every character of a message body is one SQS
// allows (those XML 1.0 can carry): #x9, #xA, #xD, #x20 to #xD7FF, #xE000
// to #xFFFD, #x10000 to #x10FFFF.
func validBody(body string) bool {
	for _, r := range body {
		switch {
		case r == '\t', r == '\n', r == '\r':
		case 0x20 <= r && r <= 0xD7FF, 0xE000 <= r && r <= 0xFFFD, 0x10000 <= r && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// checkRange fails when a given value lies outside [lo, hi].
func checkRange(param string, v *int32, lo, hi int32) error {
	if v != nil && (*v < lo || *v > hi) {
		return clientError("InvalidParameterValue", "Value %d for parameter %s is invalid. Reason: must be between %d and %d.", *v, param, lo, hi)
	}
	return nil
}

// checkBatch checks a batch's entry ids as SQS does: one to ten entries,
// each id distinct and made of letters, digits, hyphens and underscores.
func checkBatch(ids []string) error {
	switch {
	case len(ids) == 0:
		return clientError("EmptyBatchRequest", "There should be at least one entry in the request.")
	case len(ids) > maxBatchEntries:
		return clientError("TooManyEntriesInBatchRequest", "Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" || len(id) > maxBatchEntryID || !onlyIDChars(id) {
			return clientError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most %d letters long: %q.", maxBatchEntryID, id)
		}
		if seen[id] {
			return clientError("BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}
