/*
 * flbhost: loads a Go output plugin through Fluent Bit's Go-proxy ABI and
 * feeds it msgpack chunks read from a feed file, the way Fluent Bit's engine
 * would. Shared declarations.
 */
#ifndef FLBHOST_HOST_H
#define FLBHOST_HOST_H

#define _GNU_SOURCE
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"

/* ---- log.c: Fluent Bit's log line format on stderr ---- */

enum log_level {
    LOG_OFF = 0, LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3,
    LOG_DEBUG = 4, LOG_TRACE = 5
};

extern int log_level_global;
int log_level_parse(const char *s);
void flog(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void flog_v(int level, const char *fmt, va_list ap);
/* A line without a level tag, as Fluent Bit prints for caught signals. */
void flog_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- conf.c: classic configuration file ---- */

struct kv {
    char *key;
    char *val;          /* NULL when the value is empty */
    int line;
};

struct section {
    char *name;         /* lower-cased */
    char *file;
    int line;
    struct kv *kvs;
    size_t nkvs;
};

struct conf_file {
    struct section *sections;
    size_t nsections;
};

/* Parses path; returns 0 or -1 after logging what is wrong and where. */
int conf_parse(const char *path, struct conf_file *out);
/* Directory part of path, malloc'd. */
char *conf_dirname(const char *path);
/* dir/path unless path is absolute, malloc'd. */
char *conf_join(const char *dir, const char *path);

/* ---- output.c: output instances ---- */

#define RETRY_UNLIMITED (-1)
#define RETRY_NONE      0

struct executor;

struct output_instance {
    int id;
    char name[96];                  /* "<plugin>.<id>" */
    char *alias;
    struct flb_plugin_proxy *proxy;
    struct flb_plugin_proxy_context *context;
    struct kv *props;               /* plugin-visible properties */
    size_t nprops;
    char *match;
    int has_match_regex;
    regex_t match_regex;
    int workers;
    int retry_limit;
    int log_level;                  /* -1: the service level */
    int initialized;
    struct executor *exec;
};

/* Creates the instance described by an [OUTPUT] section. */
struct output_instance *output_create(const struct section *s, int id,
                                      struct flb_plugin_proxy *proxies);
const char *output_get_property(const char *key, struct output_instance *ins);
const char *output_label(const struct output_instance *ins);
int output_matches(const struct output_instance *ins, const char *tag,
                   size_t tag_len);

/* ---- proxy.c: the Go proxy ---- */

struct flb_plugin_proxy *proxy_load(const char *path);
struct flb_plugin_proxy *proxy_find(struct flb_plugin_proxy *list,
                                    const char *name);
int proxy_output_init(struct output_instance *ins);
void proxy_output_pre_run(struct output_instance *ins);
int proxy_output_flush(struct output_instance *ins, const void *data,
                       size_t size, const char *tag, size_t tag_len);
/* reloading: the exit is part of a hot reload (FLBPluginOutputPreExit). */
void proxy_output_exit(struct output_instance *ins, int reloading);
void proxy_unload(struct flb_plugin_proxy *proxy);

/* ---- engine.c: routing, queues, workers, retries, acks ---- */

struct entry {
    uint64_t seq;
    char *tag;
    size_t tag_len;
    void *data;
    size_t size;
    int refs;
};

struct engine_opts {
    int ack_fd;                     /* -1: no acks */
    unsigned retry_base_ms;
    size_t mem_limit;
};

int engine_start(struct output_instance **outs, size_t nouts,
                 const struct engine_opts *opts);
/* Waits for memory, then routes e. Returns -1 once the engine stops. */
int engine_dispatch(struct entry *e);
/* The feed ended; failed != 0 when it ended on an error. */
void engine_feed_done(int failed);
/* Blocks until the feed is done and drained, or engine_request_stop. */
void engine_wait_idle(void);
void engine_request_stop(void);
/* Blocks until every routed entry has a final outcome, or a stop. */
void engine_drain(void);
int engine_stop_requested(void);
/* Stops taking work, waits for in-flight flushes; returns pending jobs. */
size_t engine_stop(void);
int engine_feed_failed(void);

/* ---- host.c: hot reload ---- */

/* After this many feed entries (0: never) the host reloads, as Fluent
 * Bit's hot reload does: it waits for the entries routed so far to be
 * flushed, calls every output's exit callback, then initializes them all
 * again in the same process (the plugin stays loaded). */
extern long reload_after;
void host_reload(void);

/* ---- feed.c ---- */

#define FEED_MAX_TAG   65535u
#define FEED_MAX_CHUNK (1u << 30)

/* Opens path ("-" for stdin); -1 after logging on failure. */
int feed_open(const char *path);
int feed_start(int fd, const char *name);

/* ---- time helpers ---- */
uint64_t now_ms(void);

#endif
