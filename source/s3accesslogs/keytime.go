package s3accesslogs

import "time"

// nameLayout is the time at the start of a log object's name, as S3
// writes it: YYYY-mm-DD-HH-MM-SS, then -UniqueString.
const nameLayout = "2006-01-02-15-04-05"

// dayLayout is the date folder of the date-based layout: YYYY/MM/DD/.
const dayLayout = "2006/01/02/"

// parseName reads the time of a log object's name (the key's last part:
// YYYY-mm-DD-HH-MM-SS-UniqueString), in UTC as S3 writes it. Anything else
// is not a log object of S3's: ok is false. The fields are read by hand,
// exactly two or four digits each, because time.Parse also takes one
// digit where the layout has two, and a name that sorted out of place
// would break the ordering the listing relies on.
func parseName(name string) (t time.Time, ok bool) {
	if len(name) < len(nameLayout)+2 || name[len(nameLayout)] != '-' {
		return time.Time{}, false
	}
	var v [6]int
	pos := 0
	for i, width := range [6]int{4, 2, 2, 2, 2, 2} {
		if i > 0 {
			if name[pos] != '-' {
				return time.Time{}, false
			}
			pos++
		}
		n := 0
		for _, c := range []byte(name[pos : pos+width]) {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			n = n*10 + int(c-'0')
		}
		v[i] = n
		pos += width
	}
	t = time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.UTC)
	// time.Date normalises 2024-02-30 to March: such a name is not S3's.
	if t.Year() != v[0] || int(t.Month()) != v[1] || t.Day() != v[2] || t.Hour() != v[3] || t.Minute() != v[4] || t.Second() != v[5] {
		return time.Time{}, false
	}
	return t, true
}

// simpleKeyTime is the time of key in the simple layout under prefix
// (prefix, then the name, no folder); ok is false for any other key.
func simpleKeyTime(prefix, key string) (time.Time, bool) {
	if len(key) <= len(prefix) || key[:len(prefix)] != prefix {
		return time.Time{}, false
	}
	name := key[len(prefix):]
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return time.Time{}, false
		}
	}
	return parseName(name)
}

// datedKeyTime is the time of key in the date-based layout under root
// (prefix/SourceAccountId/SourceRegion/SourceBucket/): YYYY/MM/DD/ then the
// name. The folder's date is not checked against the name's: with
// event-time partitions S3 names the objects of a day after the day, with
// delivery-time ones after the delivery; both sort by the name's time.
func datedKeyTime(root, key string) (time.Time, bool) {
	if len(key) <= len(root)+len(dayLayout) || key[:len(root)] != root {
		return time.Time{}, false
	}
	rest := key[len(root):]
	for i, c := range []byte(rest[:len(dayLayout)]) {
		if dayLayout[i] == '/' {
			if c != '/' {
				return time.Time{}, false
			}
		} else if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	name := rest[len(dayLayout):]
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return time.Time{}, false
		}
	}
	return parseName(name)
}

// simpleStartAfter is the StartAfter of a listing of the simple layout
// that returns every object whose time is from on: a key of time from
// sorts after it (it is that key's beginning), one of an earlier time
// before it.
func simpleStartAfter(prefix string, from time.Time) string {
	return prefix + from.UTC().Format(nameLayout)
}

// datedStartAfter is simpleStartAfter for a date-based root.
func datedStartAfter(root string, from time.Time) string {
	from = from.UTC()
	return root + from.Format(dayLayout) + from.Format(nameLayout)
}
