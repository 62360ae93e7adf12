/*
 * flbhost: runs Go output plugins the way Fluent Bit does, fed from a file.
 *
 *   flbhost [-e plugin.so]... -c fluent-bit.conf [-f feed.bin | -f -]
 *           [-a acks.log] [-g grace_seconds] [-R retry_base_ms]
 *           [-m mem_limit_mib] [-x reload_after_entries]
 *
 * Exit status: 0 after a clean stop (end of feed drained, or a signal and
 * the exit callbacks finished within the grace period); 1 on a
 * configuration, plugin load, plugin init or feed error; 2 when the
 * shutdown outlasted the grace period or a second signal arrived.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct options {
    const char **plugins;           /* -e, in order */
    size_t nplugins;
    const char *config;
    const char *feed;
    const char *acks;
    int grace;                      /* -1: from [SERVICE] or 5 */
    unsigned retry_base_ms;
    size_t mem_limit;
};

static struct flb_plugin_proxy *proxies;
static struct output_instance **outs;
static size_t nouts;

static pthread_mutex_t shutdown_mu = PTHREAD_MUTEX_INITIALIZER;
static int shutdown_done;
static int grace_seconds = 5;
static sigset_t stop_signals;

static void usage(void)
{
    fprintf(stderr,
            "usage: flbhost [-e plugin.so]... -c fluent-bit.conf "
            "[-f feed | -f -] [-a acks.log]\n"
            "               [-g grace_seconds] [-R retry_base_ms] "
            "[-m mem_limit_mib] [-x reload_after_entries]\n");
    exit(1);
}

static long parse_num(const char *flag, const char *v, long min, long max)
{
    char *end;
    long n;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || n < min || n > max) {
        flog(LOG_ERROR, "[flbhost] option %s: '%s' is not an integer from "
             "%ld to %ld", flag, v, min, max);
        exit(1);
    }
    return n;
}

static void parse_args(int argc, char **argv, struct options *o)
{
    int c;
    memset(o, 0, sizeof(*o));
    o->grace = -1;
    o->retry_base_ms = 50;
    o->mem_limit = (size_t) 256 << 20;
    while ((c = getopt(argc, argv, "e:c:f:a:g:R:m:x:h")) != -1) {
        switch (c) {
        case 'e':
            o->plugins = realloc(o->plugins,
                                 (o->nplugins + 1) * sizeof(*o->plugins));
            if (!o->plugins) {
                exit(1);
            }
            o->plugins[o->nplugins++] = optarg;
            break;
        case 'c': o->config = optarg; break;
        case 'f': o->feed = optarg; break;
        case 'a': o->acks = optarg; break;
        case 'g': o->grace = (int) parse_num("-g", optarg, 0, 3600); break;
        case 'R':
            o->retry_base_ms = (unsigned) parse_num("-R", optarg, 1, 60000);
            break;
        case 'm':
            o->mem_limit = (size_t) parse_num("-m", optarg, 1, 1 << 20) << 20;
            break;
        case 'x':
            reload_after = parse_num("-x", optarg, 1, 1L << 40);
            break;
        default:
            usage();
        }
    }
    if (optind != argc || !o->config) {
        usage();
    }
}

/* ---- configuration ---- */

static void load_plugin(const char *path)
{
    struct flb_plugin_proxy *p = proxy_load(path), **tail = &proxies;
    if (!p) {
        flog(LOG_ERROR, "[plugin] error loading proxy plugin %s", path);
        exit(1);
    }
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = p;
}

/* [PLUGINS] Path entries, relative to the directory of their file. */
static void load_plugins_section(const struct section *s)
{
    char *dir = conf_dirname(s->file);
    for (size_t i = 0; i < s->nkvs; i++) {
        if (strcasecmp(s->kvs[i].key, "path") != 0 || !s->kvs[i].val) {
            flog(LOG_ERROR, "[config] %s:%d: [PLUGINS] accepts only 'Path "
                 "<file.so>'", s->file, s->kvs[i].line);
            exit(1);
        }
        char *path = conf_join(dir, s->kvs[i].val);
        load_plugin(path);
        free(path);
    }
    free(dir);
}

static void load_plugins_file(const char *config, const char *value)
{
    char *dir = conf_dirname(config);
    char *path = conf_join(dir, value);
    struct conf_file pf;

    if (conf_parse(path, &pf) != 0) {
        exit(1);
    }
    for (size_t i = 0; i < pf.nsections; i++) {
        if (strcmp(pf.sections[i].name, "plugins") != 0) {
            flog(LOG_ERROR, "[config] %s:%d: plugins file section [%s] is "
                 "not [PLUGINS]", path, pf.sections[i].line,
                 pf.sections[i].name);
            exit(1);
        }
        load_plugins_section(&pf.sections[i]);
    }
    free(path);
    free(dir);
}

static void apply_service(const struct section *s, const char *config,
                          int grace_from_cli)
{
    for (size_t i = 0; i < s->nkvs; i++) {
        const struct kv *kv = &s->kvs[i];
        if (!kv->val) {
            continue;
        }
        if (strcasecmp(kv->key, "plugins_file") == 0) {
            load_plugins_file(config, kv->val);
        }
        else if (strcasecmp(kv->key, "grace") == 0 && !grace_from_cli) {
            grace_seconds = (int) parse_num("Grace", kv->val, 0, 3600);
        }
        else if (strcasecmp(kv->key, "log_level") == 0) {
            int level = log_level_parse(kv->val);
            if (level < 0) {
                flog(LOG_ERROR, "[config] %s:%d: invalid log_level '%s'",
                     s->file, kv->line, kv->val);
                exit(1);
            }
            log_level_global = level;
        }
        else {
            flog(LOG_DEBUG, "[config] [SERVICE] %s ignored by this host",
                 kv->key);
        }
    }
}

static void load_config(const struct options *o)
{
    struct conf_file cf;
    int n = 0;

    if (conf_parse(o->config, &cf) != 0) {
        exit(1);
    }
    if (o->grace >= 0) {
        grace_seconds = o->grace;
    }
    for (size_t i = 0; i < cf.nsections; i++) {
        if (strcmp(cf.sections[i].name, "service") == 0) {
            apply_service(&cf.sections[i], o->config, o->grace >= 0);
        }
    }
    for (size_t i = 0; i < o->nplugins; i++) {
        load_plugin(o->plugins[i]);
    }
    for (size_t i = 0; i < cf.nsections; i++) {
        const struct section *s = &cf.sections[i];
        if (strcmp(s->name, "plugins") == 0) {
            load_plugins_section(s);
        }
    }
    for (size_t i = 0; i < cf.nsections; i++) {
        const struct section *s = &cf.sections[i];
        if (strcmp(s->name, "output") == 0) {
            struct output_instance *ins = output_create(s, n++, proxies);
            if (!ins) {
                exit(1);
            }
            outs = realloc(outs, (nouts + 1) * sizeof(*outs));
            if (!outs) {
                exit(1);
            }
            outs[nouts++] = ins;
        }
        else if (strcmp(s->name, "input") == 0 ||
                 strcmp(s->name, "filter") == 0 ||
                 strcmp(s->name, "parser") == 0 ||
                 strcmp(s->name, "multiline_parser") == 0 ||
                 strcmp(s->name, "custom") == 0) {
            flog(LOG_INFO, "[config] %s:%d: [%s] section ignored: data comes "
                 "from the feed", s->file, s->line, s->name);
        }
        else if (strcmp(s->name, "service") != 0 &&
                 strcmp(s->name, "plugins") != 0) {
            flog(LOG_ERROR, "[config] %s:%d: unknown section [%s]", s->file,
                 s->line, s->name);
            exit(1);
        }
    }
    if (!proxies) {
        flog(LOG_ERROR, "[config] no plugin loaded: pass -e or set "
             "plugins_file in [SERVICE]");
        exit(1);
    }
    if (nouts == 0) {
        flog(LOG_ERROR, "[config] %s has no [OUTPUT] section", o->config);
        exit(1);
    }
}

/* ---- hot reload ---- */

long reload_after;

/* Called on the feed thread, which routes nothing meanwhile. An output
 * that fails to start again stops the host, as a failed reload stops
 * Fluent Bit. */
void host_reload(void)
{
    flog(LOG_INFO, "[reload] reloading after %ld entries: flushing what "
         "was routed", reload_after);
    engine_drain();
    if (engine_stop_requested()) {
        return;
    }
    for (size_t i = 0; i < nouts; i++) {
        if (outs[i]->initialized) {
            proxy_output_exit(outs[i], 1);
            outs[i]->initialized = 0;
        }
    }
    for (size_t i = 0; i < nouts; i++) {
        if (proxy_output_init(outs[i]) != 0) {
            flog(LOG_ERROR, "[reload] output %s failed to start again",
                 output_label(outs[i]));
            _exit(1);
        }
    }
    for (size_t i = 0; i < nouts; i++) {
        proxy_output_pre_run(outs[i]);
    }
    flog(LOG_INFO, "[reload] done: %zu outputs started again", nouts);
}

/* ---- shutdown ---- */

static void exit_outputs(void)
{
    for (size_t i = 0; i < nouts; i++) {
        if (outs[i]->initialized) {
            proxy_output_exit(outs[i], 0);
        }
    }
    while (proxies) {
        struct flb_plugin_proxy *next = proxies->next;
        proxy_unload(proxies);
        proxies = next;
    }
}

/* peak_rss_kb returns the process's resident-set high-water mark from
 * /proc/self/status, or -1. Unlike getrusage's ru_maxrss it does not carry
 * over the memory of the process that forked this one. */
static long peak_rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}

static void finish(int status)
{
    flog(LOG_INFO, "[flbhost] peak RSS %ld kB", peak_rss_kb());
    pthread_mutex_lock(&shutdown_mu);
    shutdown_done = 1;
    pthread_mutex_unlock(&shutdown_mu);
    exit(status);
}

/* Exits with status 2 unless main already finished. */
static void abandon(const char *why)
{
    pthread_mutex_lock(&shutdown_mu);
    if (!shutdown_done) {
        flog(LOG_ERROR, "[engine] %s, exiting now", why);
        _exit(2);
    }
    pthread_mutex_unlock(&shutdown_mu);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal";
    }
}

/* The only thread with the stop signals deliverable (via sigwait); it also
 * enforces the grace period once a stop began. */
static void *signal_main(void *arg)
{
    int sig = 0;
    uint64_t deadline;
    char why[128];
    (void) arg;

    while (sigwait(&stop_signals, &sig) != 0) {
    }
    flog_plain("[engine] caught signal (%s)", signal_name(sig));
    flog(LOG_WARN, "[engine] service will stop in %d seconds", grace_seconds);
    deadline = now_ms() + (uint64_t) grace_seconds * 1000u;
    engine_request_stop();
    for (;;) {
        uint64_t now = now_ms();
        struct timespec ts;
        if (now >= deadline) {
            snprintf(why, sizeof(why), "shutdown did not finish within the "
                     "grace period of %d seconds", grace_seconds);
            abandon(why);
            return NULL;
        }
        ts.tv_sec = (time_t) ((deadline - now) / 1000);
        ts.tv_nsec = (long) ((deadline - now) % 1000) * 1000000L;
        sig = sigtimedwait(&stop_signals, NULL, &ts);
        if (sig > 0) {
            snprintf(why, sizeof(why), "caught signal (%s) again",
                     signal_name(sig));
            abandon(why);
            return NULL;
        }
    }
}

static void start_signal_thread(void)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, signal_main, NULL);
    if (rc != 0) {
        flog(LOG_ERROR, "[engine] cannot start signal thread: %s",
             strerror(rc));
        exit(1);
    }
    pthread_setname_np(t, "flb-signal");
    pthread_detach(t);
}

int main(int argc, char **argv)
{
    struct options o;
    struct engine_opts eo = {.ack_fd = -1};
    int feed_fd = -1;
    size_t pending;

    /* Blocked before any thread exists (the Go runtime's included) so
     * only the signal thread ever receives them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    parse_args(argc, argv, &o);
    flog(LOG_INFO, "[fluent bit] flbhost, Go proxy plugin host (pid=%d)",
         (int) getpid());
    load_config(&o);

    if (o.acks) {
        eo.ack_fd = open(o.acks, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                         0644);
        if (eo.ack_fd < 0) {
            flog(LOG_ERROR, "[flbhost] cannot open ack file %s: %s", o.acks,
                 strerror(errno));
            return 1;
        }
    }
    if (o.feed && (feed_fd = feed_open(o.feed)) < 0) {
        return 1;
    }
    eo.retry_base_ms = o.retry_base_ms;
    eo.mem_limit = o.mem_limit;

    start_signal_thread();

    for (size_t i = 0; i < nouts; i++) {
        if (proxy_output_init(outs[i]) != 0) {
            exit_outputs();
            finish(1);
        }
    }
    for (size_t i = 0; i < nouts; i++) {
        proxy_output_pre_run(outs[i]);
    }
    if (engine_start(outs, nouts, &eo) != 0) {
        finish(1);
    }
    flog(LOG_INFO, "[engine] started (pid=%d)", (int) getpid());
    if (feed_fd >= 0 && feed_start(feed_fd, o.feed) != 0) {
        engine_feed_done(1);
    }

    engine_wait_idle();
    pending = engine_stop();
    exit_outputs();
    flog(LOG_INFO, "[engine] service has stopped (%zu pending tasks)",
         pending);
    finish(engine_feed_failed() ? 1 : 0);
}
