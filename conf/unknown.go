package conf

import (
	"strings"

	"github.com/s3append/s3append/conf/fbfile"
)

// fluentBitOutputKeys are the properties Fluent Bit itself reads from
// every output (flb_output_set_property), besides those starting with
// net., tls. and _debug.: they are not the plugin's options, and the
// plugin never sees them.
var fluentBitOutputKeys = map[string]bool{
	"name": true, "alias": true, "match": true, "match_regex": true, "retry_limit": true,
	"workers": true, "log_level": true, "log_suppress_interval": true,
	"storage.total_limit_size": true, "host": true, "port": true, "ipv6": true, "tls": true,
	// YAML only: an output's processors.
	"processors": true,
}

// IsFluentBitOutputKey says whether key is a property Fluent Bit reads
// from every output itself.
func IsFluentBitOutputKey(key string) bool {
	k := strings.ToLower(key)
	return fluentBitOutputKeys[k] || strings.HasPrefix(k, "net.") || strings.HasPrefix(k, "tls.") || strings.HasPrefix(k, "_debug.")
}

// IsOption says whether key names an option of the plugin.
func IsOption(key string) bool { return specByName(strings.ToLower(key)) != nil }

// UnknownKey says whether key, set in an output of the plugin, is neither
// one of its options nor a property Fluent Bit reads itself: a typo, most
// likely, that leaves its option at the default without a word. nearest
// is the option meant, when one is near enough.
func UnknownKey(key string) (unknown bool, nearest string) {
	if IsOption(key) || IsFluentBitOutputKey(key) {
		return false, ""
	}
	return true, nearestOption(key)
}

// OutputSection picks, among the sections of s3append outputs in file
// order, the one of the output Fluent Bit started slot-th, checked against
// what Fluent Bit handed it (raw: the options it set, as Parse kept them):
// every option the section sets must have that value, and every option
// set must be in it. When the slot-th section differs (a file that has
// changed since, an output set on the command line), the one section that
// matches is taken, if exactly one does.
func OutputSection(sections []fbfile.Section, slot int, raw map[string]string) (fbfile.Section, bool) {
	if slot < len(sections) && sectionMatches(sections[slot], raw) {
		return sections[slot], true
	}
	var found []fbfile.Section
	for _, s := range sections {
		if sectionMatches(s, raw) {
			found = append(found, s)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return fbfile.Section{}, false
}

func sectionMatches(s fbfile.Section, raw map[string]string) bool {
	seen := 0
	for _, e := range s.Entries {
		if !IsOption(e.Key) {
			continue
		}
		v := strings.TrimSpace(e.Value)
		if v == "" {
			continue // unset, as far as the plugin can tell
		}
		if raw[strings.ToLower(e.Key)] != v {
			return false
		}
		seen++
	}
	return seen == len(raw)
}

// nearestOption is the option name closest to key in edits, when it is
// within a third of the key's length (at least 1, at most 3 edits).
func nearestOption(key string) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return Nearest(key, names)
}

// Nearest is the name among names closest to key in edits, when it is
// within a third of the key's length (at least 1, at most 3 edits); "" if
// none is.
func Nearest(key string, names []string) string {
	key = strings.ToLower(key)
	best, bestD := "", min(3, max(1, len(key)/3))+1
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the number of single-byte insertions, deletions,
// substitutions and swaps of neighbours that turn a into b (optimal
// string alignment distance).
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
