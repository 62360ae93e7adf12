package out_s3append

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Logger writes lines in Fluent Bit's own format, so the plugin's messages
// read like the rest of the agent's log:
//
//	[2026/11/22 10:00:00.121514599] [ warn] [output:s3append:s3append.0] message
//
// Lines above the instance's log_level are not written.
type Logger struct {
	prefix string
	level  atomic.Int32 // the most verbose Level written
	mu     sync.Mutex
	w      io.Writer
	now    func() time.Time
	// repeats limits messages that could otherwise flood the log.
	repeats map[string]*repeat
	// secrets are the credentials no line may show; redactor replaces them.
	secrets  map[string]bool
	redactor *strings.Replacer
}

// Level is a log level, numbered as Fluent Bit numbers them.
type Level int32

const (
	LevelOff Level = iota
	LevelError
	LevelWarn
	LevelInfo
	LevelDebug
	LevelTrace
)

var levelNames = [...]string{"off", "error", "warn", "info", "debug", "trace"}

func (l Level) String() string {
	if l < LevelOff || l > LevelTrace {
		return fmt.Sprintf("level(%d)", int32(l))
	}
	return levelNames[l]
}

type repeat struct {
	last       time.Time
	suppressed int
}

// LogTimeFormat is the time stamp of Fluent Bit 4's log lines, to the
// nanosecond, so the plugin's lines sort among Fluent Bit's own and its
// log parsers read them.
const LogTimeFormat = "2006/01/02 15:04:05.000000000"

// repeatWindow is how long a rate-limited message stays quiet after it was
// written.
const repeatWindow = 10 * time.Second

// NewLogger writes to w (stderr when nil) for the instance named name.
func NewLogger(w io.Writer, name string) *Logger {
	return NewComponentLogger(w, "output:s3append:"+name)
}

// NewComponentLogger writes to w (stderr when nil) lines of the part of
// the process named component, as Fluent Bit names its own: e.g.
// input:forward:forward.0 for a source of the sidecar, or sidecar.
func NewComponentLogger(w io.Writer, component string) *Logger {
	if w == nil {
		w = os.Stderr
	}
	l := &Logger{prefix: "[" + component + "]", w: w, now: time.Now, repeats: map[string]*repeat{}}
	level := LevelInfo
	if debugEnv {
		level = LevelDebug
	}
	l.level.Store(int32(level))
	return l
}

// SetLevel makes l write lines up to level: the output's log_level, which
// Fluent Bit keeps to itself and answers about through its API.
// S3APPEND_DEBUG in the environment keeps debug lines on whatever it is.
func (l *Logger) SetLevel(level Level) {
	if debugEnv && level < LevelDebug {
		level = LevelDebug
	}
	l.level.Store(int32(level))
}

// Enabled says whether lines at level are written.
func (l *Logger) Enabled(level Level) bool { return level > LevelOff && int32(level) <= l.level.Load() }

func (l *Logger) write(level Level, msg string) {
	if !l.Enabled(level) {
		return
	}
	line := fmt.Sprintf("[%s] [%5s] %s %s\n", l.now().Format(LogTimeFormat), level, l.prefix, msg)
	l.mu.Lock()
	if l.redactor != nil {
		line = l.redactor.Replace(line)
	}
	io.WriteString(l.w, line)
	l.mu.Unlock()
}

// minSecretLen is the shortest value Redact takes for a credential: real
// AWS access key IDs have 16 characters or more and secrets 40, while
// hiding every occurrence of a short word would garble the log.
const minSecretLen = 8

// Redact makes every later line show [redacted] in place of each secret.
// The S3 client calls it with each credential it obtains, before signing
// with it, so neither an error a server echoes nor a debug line leaks one.
func (l *Logger) Redact(secrets ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	added := false
	for _, s := range secrets {
		if len(s) >= minSecretLen && !l.secrets[s] {
			if l.secrets == nil {
				l.secrets = map[string]bool{}
			}
			l.secrets[s] = true
			added = true
		}
	}
	if !added {
		return
	}
	all := make([]string, 0, len(l.secrets))
	for s := range l.secrets {
		all = append(all, s)
	}
	// Longest first, so a secret that contains another is hidden whole.
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) || len(all[i]) == len(all[j]) && all[i] < all[j] })
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, "[redacted]")
	}
	l.redactor = strings.NewReplacer(pairs...)
}

func (l *Logger) Infof(format string, a ...any)  { l.logf(LevelInfo, format, a...) }
func (l *Logger) Warnf(format string, a ...any)  { l.logf(LevelWarn, format, a...) }
func (l *Logger) Errorf(format string, a ...any) { l.logf(LevelError, format, a...) }
func (l *Logger) Debugf(format string, a ...any) { l.logf(LevelDebug, format, a...) }

// logf formats only lines that are written: debug lines cost nothing
// unless asked for.
func (l *Logger) logf(level Level, format string, a ...any) {
	if l.Enabled(level) {
		l.write(level, fmt.Sprintf(format, a...))
	}
}

// debugEnv turns debug lines on for hosts that cannot say the output's
// log_level.
var debugEnv = os.Getenv("S3APPEND_DEBUG") != ""

// Limitedf logs at level at most once per repeatWindow for the same key,
// and says how many lines it held back.
func (l *Logger) Limitedf(level Level, key, format string, a ...any) {
	if !l.Enabled(level) {
		return
	}
	l.mu.Lock()
	r := l.repeats[key]
	now := l.now()
	if r != nil && now.Sub(r.last) < repeatWindow {
		r.suppressed++
		l.mu.Unlock()
		return
	}
	if r == nil {
		r = &repeat{}
		l.repeats[key] = r
	}
	held := r.suppressed
	r.last, r.suppressed = now, 0
	l.mu.Unlock()
	msg := fmt.Sprintf(format, a...)
	if held > 0 {
		msg += fmt.Sprintf(" (%d similar messages suppressed)", held)
	}
	l.write(level, msg)
}
