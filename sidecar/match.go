package sidecar

// matchTag says whether tag matches pattern as Fluent Bit's Match does:
// '*' stands for any run of characters (dots included), everything else
// matches itself.
func matchTag(pattern, tag string) bool {
	// Iterative glob with one backtrack point: linear in practice.
	p, t := 0, 0
	star, mark := -1, 0
	for t < len(tag) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, t
			p++
		case p < len(pattern) && pattern[p] == tag[t]:
			p++
			t++
		case star >= 0:
			p = star + 1
			mark++
			t = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
