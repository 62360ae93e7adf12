package conf

import (
	"os"
	"strings"
	"testing"
)

// The README's Iceberg configurations are complete: each one parses and
// validates as written.
func TestReadmeIcebergConfigurations(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Iceberg tables\n")
	if start < 0 {
		t.Fatal("README.md has no section Iceberg tables")
	}
	section := text[start+1:]
	section = section[:strings.Index(section, "\n## ")]
	blocks := 0
	for _, part := range strings.Split(section, "```ini\n")[1:] {
		block := part[:strings.Index(part, "```")]
		src := MapSource{}
		for _, line := range strings.Split(block, "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
			if k == "" || k == "[OUTPUT]" || IsFluentBitOutputKey(k) {
				continue
			}
			src[k] = strings.TrimSpace(v)
		}
		if _, err := Parse(src); err != nil {
			t.Errorf("README configuration:\n%s\n%v", block, err)
		}
		blocks++
	}
	if blocks < 3 {
		t.Errorf("found %d configurations, want the SQL, S3 Tables and Glue ones", blocks)
	}
}
