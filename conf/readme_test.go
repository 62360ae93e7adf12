package conf

import (
	"os"
	"strings"
	"testing"
)

// The README's option table lists every option with its default, so the
// documentation cannot drift from the code.
func TestReadmeListsEveryOption(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, o := range Options() {
		def := o.Default
		if o.Required {
			def = "(required)"
		}
		if def == "" {
			def = "—"
		}
		row := "| `" + o.Name + "` | `" + def + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md has no option row starting %s", row)
		}
	}
}
