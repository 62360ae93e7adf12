package lint

import (
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3append/s3append/conf"
)

// fbConfig is a classic Fluent Bit configuration with ${NAME} replaced, and
// its s3append output as the plugin reads it.
type fbConfig struct {
	file     string
	sections []section         // values expanded
	output   map[string]string // the s3append [OUTPUT], keys in lower case
	plugin   *conf.Config      // nil when conf.Parse refused the output
	grace    time.Duration     // [SERVICE] Grace, 5 s when unset
}

// firstSection returns the first section called name whose Name is
// plugin ("" for any).
func (c *fbConfig) firstSection(name, plugin string) (section, bool) {
	for _, s := range c.sections {
		n, _ := s.get("Name")
		if s.name == name && (plugin == "" || strings.EqualFold(n, plugin)) {
			return s, true
		}
	}
	return section{}, false
}

// fluentBitDefaultGrace is Fluent Bit's Grace when [SERVICE] sets none.
const fluentBitDefaultGrace = 5 * time.Second

// checkFluentBitConfig reads a classic configuration that runs in the
// s3append image, replaces ${NAME} from env as Fluent Bit would where it
// runs, and checks what every shipped configuration must get right: the
// plugin is loaded from the image's plugins file, there is one s3append
// output, its options are all known and pass the plugin's own conf.Parse,
// Fluent Bit never gives up on its chunks, the buffer is not under /tmp,
// and the plugin's shutdown fits in Fluent Bit's Grace.
func checkFluentBitConfig(file, text string, env map[string]string) (*fbConfig, problems) {
	secs, found := parseClassic(file, text)
	c := &fbConfig{file: file, grace: fluentBitDefaultGrace}
	for _, s := range secs {
		for i := range s.entries {
			s.entries[i].value = expandEnv(file, s.entries[i], env, &found)
		}
		c.sections = append(c.sections, s)
	}

	service, ok := c.firstSection("SERVICE", "")
	if !ok {
		found.add("%s: no [SERVICE] section", file)
	}
	if p, _ := service.get("Plugins_File"); p != imagePluginsFile {
		found.add("%s: [SERVICE] Plugins_File is %q, want the image's %s, which loads the plugin", file, p, imagePluginsFile)
	}
	if g, ok := service.get("Grace"); ok {
		secs, err := strconv.Atoi(g)
		if err != nil || secs <= 0 {
			found.add("%s: [SERVICE] Grace %q is not a whole number of seconds", file, g)
		}
		c.grace = time.Duration(secs) * time.Second
	}

	var outputs []section
	for _, s := range c.sections {
		if n, _ := s.get("Name"); s.name == "OUTPUT" && strings.EqualFold(n, "s3append") {
			outputs = append(outputs, s)
		}
	}
	if len(outputs) != 1 {
		found.add("%s: %d [OUTPUT] sections with Name s3append, want 1", file, len(outputs))
		return c, found
	}
	out := outputs[0]
	c.output = map[string]string{}
	known := map[string]bool{}
	for _, o := range conf.Options() {
		known[o.Name] = true
	}
	for _, e := range out.entries {
		key := strings.ToLower(e.key)
		if _, dup := c.output[key]; dup {
			found.add("%s:%d: %s is set twice in the s3append [OUTPUT]", file, e.line, e.key)
		}
		if !known[key] && !conf.IsFluentBitOutputKey(key) {
			found.add("%s:%d: %s is neither an s3append option nor a Fluent Bit output property", file, e.line, e.key)
		}
		c.output[key] = e.value
	}
	if rl := c.output["retry_limit"]; !strings.EqualFold(rl, "no_limits") {
		found.add("%s:%d: the s3append [OUTPUT] has Retry_Limit %q, want no_limits: Fluent Bit drops a chunk at its retry limit", file, out.line, rl)
	}
	pc, err := conf.Parse(conf.MapSource(c.output))
	if err != nil {
		found.add("%s:%d: the s3append [OUTPUT] is refused by conf.Parse: %s", file, out.line, strings.ReplaceAll(err.Error(), "\n", "; "))
		return c, found
	}
	c.plugin = pc
	if d := path.Clean(pc.StoreDir); d == "/tmp" || strings.HasPrefix(d, "/tmp/") {
		found.add("%s:%d: store_dir %s is under /tmp, which does not outlive the container", file, out.line, pc.StoreDir)
	}
	if pc.ShutdownTimeout >= c.grace {
		found.add("%s:%d: shutdown_timeout %v is not below [SERVICE] Grace %v", file, out.line, pc.ShutdownTimeout, c.grace)
	}
	return c, found
}

// validConfig is a minimal configuration that passes every check.
const validConfig = `[SERVICE]
    Grace         10
    Plugins_File  /fluent-bit/etc/plugins.conf

[INPUT]
    Name  tail
    Path  /var/log/app/*.log

[OUTPUT]
    Name              s3append
    Match             *
    bucket            ${BUCKET}
    store_dir         /var/lib/fluent-bit/s3append
    shutdown_timeout  8s
    metrics_listen    0.0.0.0:2021
    Retry_Limit       no_limits
`

func TestFluentBitConfigCheck(t *testing.T) {
	env := map[string]string{"BUCKET": "logs"}
	c, found := checkFluentBitConfig("valid.conf", validConfig, env)
	expectClean(t, "valid configuration", found)
	if c.plugin == nil || c.plugin.Bucket != "logs" || c.grace != 10*time.Second {
		t.Fatalf("read as %+v", c)
	}
	for _, r := range []refusal{
		{"no plugins file", "    Plugins_File  /fluent-bit/etc/plugins.conf\n", "", "Plugins_File is \"\""},
		{"other plugins file", "/fluent-bit/etc/plugins.conf", "plugins.conf", "want the image's /fluent-bit/etc/plugins.conf"},
		{"no service", "[SERVICE]", "[PARSER]", "no [SERVICE] section"},
		{"bad grace", "Grace         10", "Grace 10s", "Grace \"10s\" is not a whole number"},
		{"no output", "s3append", "stdout", "0 [OUTPUT] sections with Name s3append"},
		{"unset variable", "${BUCKET}", "${S3_BUCKET}", "${S3_BUCKET} of bucket is not set"},
		{"no bucket", "    bucket            ${BUCKET}\n", "", "conf.Parse: bucket: must be set"},
		{"bad option value", "shutdown_timeout  8s", "shutdown_timeout  soon", "conf.Parse: shutdown_timeout: \"soon\" is not a duration"},
		{"bad metrics_listen", "0.0.0.0:2021", "2021", "conf.Parse: metrics_listen: \"2021\" must be host:port"},
		{"unknown option", "Match             *", "Match *\n    bucket_name x", "bucket_name is neither an s3append option"},
		{"twice", "Match             *", "Match *\n    bucket other", "bucket is set twice"},
		{"retry limit", "Retry_Limit       no_limits", "Retry_Limit 5", "Retry_Limit \"5\", want no_limits"},
		{"no retry limit", "    Retry_Limit       no_limits\n", "", "Retry_Limit \"\", want no_limits"},
		{"store_dir in tmp", "/var/lib/fluent-bit/s3append", "/tmp/s3append", "store_dir /tmp/s3append is under /tmp"},
		{"store_dir default", "    store_dir         /var/lib/fluent-bit/s3append\n", "", "store_dir /tmp/fluent-bit/s3append is under /tmp"},
		{"shutdown too long", "shutdown_timeout  8s", "shutdown_timeout  10s", "shutdown_timeout 10s is not below [SERVICE] Grace 10s"},
		{"unindented", "    Match             *", "Match *", "entry \"Match *\" of [OUTPUT] must be indented"},
	} {
		_, found := checkFluentBitConfig("broken.conf", mutate(t, validConfig, r.old, r.new), env)
		expectRefusal(t, r.name, found, r.want)
	}
	_, found = checkFluentBitConfig("valid.conf", validConfig+"\n[OUTPUT]\n    Name s3append\n", env)
	expectRefusal(t, "two outputs", found, "2 [OUTPUT] sections with Name s3append")
}
