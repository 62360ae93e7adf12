/* Log lines in Fluent Bit's format: "[2026/11/22 10:00:00] [ info] msg". */
#include "host.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int log_level_global = LOG_INFO;

int log_level_parse(const char *s)
{
    static const struct { const char *name; int level; } names[] = {
        {"off", LOG_OFF}, {"error", LOG_ERROR}, {"warn", LOG_WARN},
        {"warning", LOG_WARN}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
        {"trace", LOG_TRACE},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            return names[i].level;
        }
    }
    return -1;
}

static size_t stamp(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return strftime(buf, cap, "[%Y/%m/%d %H:%M:%S] ", &tm);
}

/* One write(2) per line so lines from several threads never interleave. */
static void emit(char *buf, size_t len, size_t cap)
{
    if (len >= cap - 1) {
        len = cap - 2;
    }
    buf[len++] = '\n';
    ssize_t n = write(STDERR_FILENO, buf, len);
    (void) n;
}

void flog_v(int level, const char *fmt, va_list ap)
{
    static const char *tags[] = {"", "[error] ", "[ warn] ", "[ info] ",
                                 "[debug] ", "[trace] "};
    char buf[4096];
    size_t n;
    int m;

    if (level <= LOG_OFF || level > LOG_TRACE || level > log_level_global) {
        return;
    }
    n = stamp(buf, sizeof(buf));
    n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s", tags[level]);
    m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    if (m > 0) {
        n += (size_t) m;
    }
    emit(buf, n, sizeof(buf));
}

void flog(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flog_v(level, fmt, ap);
    va_end(ap);
}

void flog_plain(const char *fmt, ...)
{
    char buf[1024];
    size_t n = stamp(buf, sizeof(buf));
    va_list ap;
    int m;

    va_start(ap, fmt);
    m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    va_end(ap);
    if (m > 0) {
        n += (size_t) m;
    }
    emit(buf, n, sizeof(buf));
}

uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}
