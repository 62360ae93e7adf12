/*
 * Output instances built from [OUTPUT] sections, with Fluent Bit's split
 * between core properties (consumed by the engine, invisible to the plugin)
 * and plugin properties (answered by output_get_property).
 */
#include "host.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_WORKERS 256

static int key_is(const char *key, const char *want)
{
    return strcasecmp(key, want) == 0;
}

static int key_has_prefix(const char *key, const char *prefix)
{
    return strncasecmp(key, prefix, strlen(prefix)) == 0;
}

static void add_prop(struct output_instance *ins, const struct kv *kv)
{
    ins->props = realloc(ins->props, (ins->nprops + 1) * sizeof(*ins->props));
    if (!ins->props) {
        flog(LOG_ERROR, "[config] out of memory");
        exit(1);
    }
    ins->props[ins->nprops].key = kv->key;
    ins->props[ins->nprops].val = kv->val;
    ins->props[ins->nprops].line = kv->line;
    ins->nprops++;
}

/* Fluent Bit: no_limits/false/off = unlimited, no_retries = none, else
 * atoi with anything <= 0 replaced by the default 1 and a warning. */
static int parse_retry_limit(const char *v)
{
    int n;
    if (!v) {
        return 1;
    }
    if (strcasecmp(v, "no_limits") == 0 || strcasecmp(v, "false") == 0 ||
        strcasecmp(v, "off") == 0) {
        return RETRY_UNLIMITED;
    }
    if (strcasecmp(v, "no_retries") == 0) {
        return RETRY_NONE;
    }
    n = atoi(v);
    if (n <= 0) {
        flog(LOG_WARN, "[config] invalid retry_limit. set default.");
        return 1;
    }
    return n;
}

static int parse_workers(const struct section *s, const struct kv *kv)
{
    char *end;
    long n;
    errno = 0;
    n = strtol(kv->val, &end, 10);
    if (errno != 0 || *end != '\0' || end == kv->val || n < 0 ||
        n > MAX_WORKERS) {
        flog(LOG_ERROR, "[config] %s:%d: workers '%s' must be an integer "
             "from 0 to %d", s->file, kv->line, kv->val, MAX_WORKERS);
        return -1;
    }
    return (int) n;
}

/* Applies one key; returns -1 on an invalid core value. */
static int set_property(struct output_instance *ins, const struct section *s,
                        const struct kv *kv)
{
    const char *k = kv->key, *v = kv->val;
    int rc;

    if (key_is(k, "match")) {
        free(ins->match);
        ins->match = v ? strdup(v) : NULL;
    }
    else if (key_is(k, "match_regex") && v) {
        if (ins->has_match_regex) {
            regfree(&ins->match_regex);
        }
        rc = regcomp(&ins->match_regex, v, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            flog(LOG_ERROR, "[config] %s:%d: invalid match_regex '%s'",
                 s->file, kv->line, v);
            return -1;
        }
        ins->has_match_regex = 1;
    }
    else if (key_is(k, "alias") && v) {
        free(ins->alias);
        ins->alias = strdup(v);
    }
    else if (key_is(k, "log_level") && v) {
        rc = log_level_parse(v);
        if (rc < 0) {
            flog(LOG_ERROR, "[config] %s:%d: invalid log_level '%s'",
                 s->file, kv->line, v);
            return -1;
        }
        ins->log_level = rc;
    }
    else if (key_is(k, "retry_limit")) {
        ins->retry_limit = parse_retry_limit(v);
    }
    else if (key_is(k, "workers") && v) {
        rc = parse_workers(s, kv);
        if (rc < 0) {
            return -1;
        }
        ins->workers = rc;
    }
    else if (key_is(k, "host") || key_is(k, "port") ||
             (key_is(k, "log_suppress_interval") && v) ||
             (key_is(k, "ipv6") && v) ||
             (key_is(k, "storage.total_limit_size") && v) ||
             (key_has_prefix(k, "net.") && v) ||
             key_is(k, "tls") || key_has_prefix(k, "tls.")) {
        /* Core properties this host does not act on; still hidden. */
        flog(LOG_DEBUG, "[config] core property '%s' on %s ignored",
             k, ins->name);
    }
    else {
        add_prop(ins, kv);
    }
    return 0;
}

struct output_instance *output_create(const struct section *s, int id,
                                      struct flb_plugin_proxy *proxies)
{
    const char *pname = NULL;
    struct flb_plugin_proxy *proxy;
    struct output_instance *ins;

    for (size_t i = 0; i < s->nkvs; i++) {
        if (key_is(s->kvs[i].key, "name")) {
            pname = s->kvs[i].val;
            break;
        }
    }
    if (!pname) {
        flog(LOG_ERROR, "[config] %s:%d: section 'output' is missing the "
             "'name' property", s->file, s->line);
        return NULL;
    }
    proxy = proxy_find(proxies, pname);
    if (!proxy) {
        flog(LOG_ERROR, "[config] %s:%d: section 'output' tried to instance "
             "a plugin name that doesn't exist: %s", s->file, s->line, pname);
        return NULL;
    }

    ins = calloc(1, sizeof(*ins));
    if (!ins) {
        return NULL;
    }
    ins->id = id;
    ins->proxy = proxy;
    ins->retry_limit = 1;
    ins->log_level = -1;
    snprintf(ins->name, sizeof(ins->name), "%s.%d", proxy->def->name, id);
    ins->context = calloc(1, sizeof(*ins->context));
    if (!ins->context) {
        free(ins);
        return NULL;
    }
    ins->context->proxy = proxy;

    for (size_t i = 0; i < s->nkvs; i++) {
        if (key_is(s->kvs[i].key, "name")) {
            continue;
        }
        if (set_property(ins, s, &s->kvs[i]) != 0) {
            return NULL;
        }
    }
    if (!ins->match && !ins->has_match_regex) {
        flog(LOG_WARN, "[config] output '%s' has no 'match' property and "
             "will receive no data", output_label(ins));
    }
    return ins;
}

const char *output_get_property(const char *key, struct output_instance *ins)
{
    size_t len;
    if (!key || !ins) {
        return NULL;
    }
    len = strlen(key);
    if (len == 0) {
        return NULL;
    }
    for (size_t i = 0; i < ins->nprops; i++) {
        if (strlen(ins->props[i].key) == len &&
            strncasecmp(ins->props[i].key, key, len) == 0) {
            return ins->props[i].val;
        }
    }
    return NULL;
}

const char *output_label(const struct output_instance *ins)
{
    return ins->alias ? ins->alias : ins->name;
}

/* Fluent Bit's tag pattern: '*' matches any run of bytes, the rest is
 * compared byte for byte (case-sensitive). Iterative with one backtrack
 * point, which is enough for a pattern made only of '*' wildcards. */
static int wildcard_match(const char *pat, const char *tag, size_t tag_len)
{
    size_t t = 0, star_t = 0;
    const char *star = NULL;

    while (t < tag_len) {
        if (*pat == '*') {
            star = ++pat;
            star_t = t;
        }
        else if (*pat != '\0' && *pat == tag[t]) {
            pat++;
            t++;
        }
        else if (star) {
            pat = star;
            t = ++star_t;
        }
        else {
            return 0;
        }
    }
    while (*pat == '*') {
        pat++;
    }
    return *pat == '\0';
}

int output_matches(const struct output_instance *ins, const char *tag,
                   size_t tag_len)
{
    if (ins->has_match_regex) {
        /* Tags never contain NUL (the feed reader rejects them). */
        return regexec(&ins->match_regex, tag, 0, NULL, 0) == 0;
    }
    if (!ins->match) {
        return 0;
    }
    return wildcard_match(ins->match, tag, tag_len);
}
