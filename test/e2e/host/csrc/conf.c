/*
 * The subset of Fluent Bit's classic configuration format the host needs:
 * [SECTION] headers, "Key Value" entries, full-line # comments, @SET and
 * ${VAR} substitution in values (from @SET first, then the environment).
 */
#include "host.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct var {
    char *name;
    char *value;
};

static struct var *vars;
static size_t nvars;

static char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p) {
        flog(LOG_ERROR, "[config] out of memory");
        exit(1);
    }
    return p;
}

static char *trim(char *s)
{
    char *end;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
                       end[-1] == '\r' || end[-1] == '\n')) {
        *--end = '\0';
    }
    return s;
}

static const char *var_get(const char *name)
{
    for (size_t i = 0; i < nvars; i++) {
        if (strcmp(vars[i].name, name) == 0) {
            return vars[i].value;
        }
    }
    return getenv(name);
}

static void var_set(const char *name, const char *value)
{
    for (size_t i = 0; i < nvars; i++) {
        if (strcmp(vars[i].name, name) == 0) {
            free(vars[i].value);
            vars[i].value = xstrndup(value, strlen(value));
            return;
        }
    }
    vars = realloc(vars, (nvars + 1) * sizeof(*vars));
    if (!vars) {
        flog(LOG_ERROR, "[config] out of memory");
        exit(1);
    }
    vars[nvars].name = xstrndup(name, strlen(name));
    vars[nvars].value = xstrndup(value, strlen(value));
    nvars++;
}

static void append(char **out, size_t *len, size_t *cap, const char *s,
                   size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *out = realloc(*out, *cap);
        if (!*out) {
            flog(LOG_ERROR, "[config] out of memory");
            exit(1);
        }
    }
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = '\0';
}

/* Replaces every ${NAME}; an unset variable becomes the empty string. */
static char *translate(const char *in, const char *file, int line)
{
    size_t len = 0, cap = 0;
    char *out = NULL;
    const char *p = in;

    append(&out, &len, &cap, "", 0);
    while (*p) {
        const char *close;
        if (p[0] == '$' && p[1] == '{' && (close = strchr(p + 2, '}'))) {
            char *name = xstrndup(p + 2, (size_t) (close - p - 2));
            const char *rep = var_get(name);
            if (!rep) {
                flog(LOG_WARN, "[env] variable ${%s} is used but not set "
                     "(%s:%d)", name, file, line);
                rep = "";
            }
            append(&out, &len, &cap, rep, strlen(rep));
            free(name);
            p = close + 1;
            continue;
        }
        append(&out, &len, &cap, p, 1);
        p++;
    }
    return out;
}

static int add_section(struct conf_file *cf, const char *name,
                       const char *file, int line)
{
    struct section *s;
    cf->sections = realloc(cf->sections,
                           (cf->nsections + 1) * sizeof(*cf->sections));
    if (!cf->sections) {
        return -1;
    }
    s = &cf->sections[cf->nsections++];
    memset(s, 0, sizeof(*s));
    s->name = xstrndup(name, strlen(name));
    for (char *c = s->name; *c; c++) {
        *c = (char) tolower((unsigned char) *c);
    }
    s->file = xstrndup(file, strlen(file));
    s->line = line;
    return 0;
}

static int add_entry(struct section *s, const char *key, char *val, int line)
{
    s->kvs = realloc(s->kvs, (s->nkvs + 1) * sizeof(*s->kvs));
    if (!s->kvs) {
        return -1;
    }
    s->kvs[s->nkvs].key = xstrndup(key, strlen(key));
    if (val[0] == '\0') {
        free(val);
        val = NULL;
    }
    s->kvs[s->nkvs].val = val;
    s->kvs[s->nkvs].line = line;
    s->nkvs++;
    return 0;
}

static int directive(char *l, const char *path, int lineno)
{
    if (strncasecmp(l, "@SET", 4) == 0 && (l[4] == ' ' || l[4] == '\t')) {
        char *def = trim(l + 4);
        char *eq = strchr(def, '=');
        if (!eq || eq == def) {
            flog(LOG_ERROR, "[config] %s:%d: @SET needs KEY=VALUE, got '%s'",
                 path, lineno, def);
            return -1;
        }
        *eq = '\0';
        var_set(trim(def), trim(eq + 1));
        return 0;
    }
    flog(LOG_ERROR, "[config] %s:%d: directive '%s' is not supported by this "
         "host (only @SET)", path, lineno, l);
    return -1;
}

int conf_parse(const char *path, struct conf_file *cf)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;

    memset(cf, 0, sizeof(*cf));
    if (!f) {
        flog(LOG_ERROR, "[config] cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while (getline(&buf, &cap, f) != -1) {
        char *l = trim(buf);
        lineno++;
        if (*l == '\0' || *l == '#') {
            continue;
        }
        if (*l == '@') {
            if (directive(l, path, lineno) != 0) {
                rc = -1;
                break;
            }
            continue;
        }
        if (*l == '[') {
            size_t n = strlen(l);
            if (n < 3 || l[n - 1] != ']') {
                flog(LOG_ERROR, "[config] %s:%d: malformed section header "
                     "'%s'", path, lineno, l);
                rc = -1;
                break;
            }
            l[n - 1] = '\0';
            if (add_section(cf, trim(l + 1), path, lineno) != 0) {
                rc = -1;
                break;
            }
            continue;
        }
        if (cf->nsections == 0) {
            flog(LOG_ERROR, "[config] %s:%d: entry '%s' outside of any "
                 "section", path, lineno, l);
            rc = -1;
            break;
        }
        size_t klen = strcspn(l, " \t");
        char *key = xstrndup(l, klen);
        char *raw = trim(l + klen);
        if (*raw == '\0') {
            flog(LOG_ERROR, "[config] %s:%d: key '%s' has no value",
                 path, lineno, key);
            free(key);
            rc = -1;
            break;
        }
        char *val = translate(raw, path, lineno);
        if (add_entry(&cf->sections[cf->nsections - 1], key, val,
                      lineno) != 0) {
            free(key);
            rc = -1;
            break;
        }
        free(key);
    }
    free(buf);
    fclose(f);
    return rc;
}

char *conf_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        return xstrndup(".", 1);
    }
    if (slash == path) {
        return xstrndup("/", 1);
    }
    return xstrndup(path, (size_t) (slash - path));
}

char *conf_join(const char *dir, const char *path)
{
    size_t n;
    char *out;
    if (path[0] == '/') {
        return xstrndup(path, strlen(path));
    }
    n = strlen(dir) + strlen(path) + 2;
    out = malloc(n);
    if (!out) {
        flog(LOG_ERROR, "[config] out of memory");
        exit(1);
    }
    snprintf(out, n, "%s/%s", dir, path);
    return out;
}
