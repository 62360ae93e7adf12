/*
 * The engine: routes feed entries to matching outputs, runs flushes on
 * executors (one shared "engine thread" for outputs with Workers 0, a pool
 * of N threads per output with Workers N), retries FLB_RETRY with
 * exponential backoff and jitter up to Retry_Limit, and records each
 * outcome in the ack file as one line "<KIND> <output index> <entry seq>",
 * KIND being OK (written only after the flush returned FLB_OK), ERROR,
 * DROP (retries exhausted or no_retries) or RETRY (another attempt
 * scheduled). Each line is a single write(2) on an O_APPEND descriptor, so
 * lines are whole even if the host is killed.
 *
 * One mutex guards all engine state; flushes and ack writes run unlocked.
 */
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RETRY_CAP_MS 2000u

struct job {
    struct output_instance *ins;
    struct entry *e;
    int attempts;                   /* retries done so far */
    uint64_t due_ms;
    struct job *next;
};

struct executor {
    pthread_cond_t cv;
    struct job *qhead, *qtail;      /* FIFO of first attempts */
    struct job *retries;            /* sorted by due_ms */
    int nthreads;
    pthread_t *threads;
    char label[64];
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t idle_cv;         /* engine_wait_idle */
    pthread_cond_t mem_cv;          /* engine_dispatch waiting for memory */
    struct executor **execs;
    size_t nexecs;
    struct output_instance **outs;
    size_t nouts;
    struct engine_opts opts;
    size_t outstanding;             /* jobs without a final outcome */
    size_t bytes_alive;             /* chunk bytes held by those jobs */
    int feed_done;
    int feed_failed;
    int stop;
    uint64_t rng;
} eng = {.mu = PTHREAD_MUTEX_INITIALIZER,
         .idle_cv = PTHREAD_COND_INITIALIZER,
         .mem_cv = PTHREAD_COND_INITIALIZER};

static void cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

static void cond_wait_until(pthread_cond_t *cv, uint64_t due_ms)
{
    struct timespec ts = {.tv_sec = (time_t) (due_ms / 1000),
                          .tv_nsec = (long) (due_ms % 1000) * 1000000L};
    pthread_cond_timedwait(cv, &eng.mu, &ts);
}

/* ---- outcomes ---- */

static void write_ack(const char *kind, const struct job *j)
{
    char line[96];
    int n;
    if (eng.opts.ack_fd < 0) {
        return;
    }
    n = snprintf(line, sizeof(line), "%s %d %llu\n", kind, j->ins->id,
                 (unsigned long long) j->e->seq);
    if (write(eng.opts.ack_fd, line, (size_t) n) != n) {
        flog(LOG_ERROR, "[engine] could not write ack line '%s %d %llu': %s",
             kind, j->ins->id, (unsigned long long) j->e->seq,
             strerror(errno));
    }
}

/* Locked. */
static void entry_release(struct entry *e)
{
    if (--e->refs > 0) {
        return;
    }
    eng.bytes_alive -= e->size;
    pthread_cond_broadcast(&eng.mem_cv);
    free(e->tag);
    free(e->data);
    free(e);
}

/* Locked. */
static void job_finish(struct job *j)
{
    entry_release(j->e);
    free(j);
    if (--eng.outstanding == 0) {
        pthread_cond_broadcast(&eng.idle_cv);
    }
}

/* Locked. Full jitter between base and base * 2^attempts, capped. */
static uint64_t backoff_ms(int attempts)
{
    uint64_t base = eng.opts.retry_base_ms ? eng.opts.retry_base_ms : 1;
    uint64_t upper = base;
    if (base > RETRY_CAP_MS) {
        base = RETRY_CAP_MS;
    }
    for (int i = 0; i < attempts && upper < RETRY_CAP_MS; i++) {
        upper *= 2;
    }
    if (upper > RETRY_CAP_MS) {
        upper = RETRY_CAP_MS;
    }
    eng.rng ^= eng.rng << 13;
    eng.rng ^= eng.rng >> 7;
    eng.rng ^= eng.rng << 17;
    return base + eng.rng % (upper - base + 1);
}

/* Locked. */
static void schedule_retry(struct executor *ex, struct job *j)
{
    struct job **p = &ex->retries;
    while (*p && (*p)->due_ms <= j->due_ms) {
        p = &(*p)->next;
    }
    j->next = *p;
    *p = j;
    pthread_cond_broadcast(&ex->cv);
}

/* Called unlocked with the flush's return value; returns locked. */
static void handle_result(struct executor *ex, struct job *j, int ret)
{
    const char *out = output_label(j->ins);
    unsigned long long seq = (unsigned long long) j->e->seq;
    int limit = j->ins->retry_limit;

    if (ret != FLB_OK && ret != FLB_RETRY && ret != FLB_ERROR) {
        flog(LOG_WARN, "[engine] output=%s returned invalid code %d for "
             "chunk '%llu.flb', treated as FLB_ERROR", out, ret, seq);
        ret = FLB_ERROR;
    }
    if (ret == FLB_OK) {
        if (j->attempts > 0) {
            flog(LOG_INFO, "[engine] flush chunk '%llu.flb' succeeded at "
                 "retry %d: task_id=%llu, input=feed > output=%s "
                 "(out_id=%d)", seq, j->attempts, seq, out, j->ins->id);
        }
        write_ack("OK", j);
    }
    else if (ret == FLB_ERROR) {
        flog(LOG_ERROR, "[engine] chunk '%llu.flb' flush failed with "
             "FLB_ERROR, dropped: task_id=%llu, input=feed > output=%s "
             "(out_id=%d)", seq, seq, out, j->ins->id);
        write_ack("ERROR", j);
    }
    else if (limit == RETRY_NONE) {
        flog(LOG_INFO, "[engine] chunk '%llu.flb' is not retried (no retry "
             "config): task_id=%llu, input=feed > output=%s (out_id=%d)",
             seq, seq, out, j->ins->id);
        write_ack("DROP", j);
    }
    else if (limit != RETRY_UNLIMITED && j->attempts >= limit) {
        flog(LOG_DEBUG, "[task] task_id=%llu reached retry-attempts limit "
             "%d/%d", seq, j->attempts, limit);
        flog(LOG_ERROR, "[engine] chunk '%llu.flb' cannot be retried: "
             "task_id=%llu, input=feed > output=%s", seq, seq, out);
        write_ack("DROP", j);
    }
    else {
        write_ack("RETRY", j);
        pthread_mutex_lock(&eng.mu);
        j->attempts++;
        uint64_t delay = backoff_ms(j->attempts);
        j->due_ms = now_ms() + delay;
        flog(LOG_WARN, "[engine] failed to flush chunk '%llu.flb', retry in "
             "%.3f seconds: task_id=%llu, input=feed > output=%s "
             "(out_id=%d)", seq, (double) delay / 1000.0, seq, out,
             j->ins->id);
        schedule_retry(ex, j);
        return;
    }
    pthread_mutex_lock(&eng.mu);
    job_finish(j);
}

/* ---- executors ---- */

/* Locked. A due retry first, then the oldest first attempt. */
static struct job *take_job(struct executor *ex, uint64_t *wake_ms)
{
    struct job *j;
    uint64_t now = now_ms();

    *wake_ms = 0;
    if (ex->retries && ex->retries->due_ms <= now) {
        j = ex->retries;
        ex->retries = j->next;
        return j;
    }
    if (ex->qhead) {
        j = ex->qhead;
        ex->qhead = j->next;
        if (!ex->qhead) {
            ex->qtail = NULL;
        }
        return j;
    }
    if (ex->retries) {
        *wake_ms = ex->retries->due_ms;
    }
    return NULL;
}

static void *executor_main(void *arg)
{
    struct executor *ex = arg;
    uint64_t wake_ms;

    pthread_mutex_lock(&eng.mu);
    while (!eng.stop) {
        struct job *j = take_job(ex, &wake_ms);
        if (!j) {
            if (wake_ms) {
                cond_wait_until(&ex->cv, wake_ms);
            }
            else {
                pthread_cond_wait(&ex->cv, &eng.mu);
            }
            continue;
        }
        pthread_mutex_unlock(&eng.mu);
        int ret = proxy_output_flush(j->ins, j->e->data, j->e->size,
                                     j->e->tag, j->e->tag_len);
        handle_result(ex, j, ret);
    }
    pthread_mutex_unlock(&eng.mu);
    return NULL;
}

static struct executor *executor_new(const char *label, int nthreads)
{
    struct executor *ex = calloc(1, sizeof(*ex));
    if (!ex) {
        return NULL;
    }
    cond_init(&ex->cv);
    ex->nthreads = nthreads;
    snprintf(ex->label, sizeof(ex->label), "%s", label);
    eng.execs = realloc(eng.execs, (eng.nexecs + 1) * sizeof(*eng.execs));
    if (!eng.execs) {
        return NULL;
    }
    eng.execs[eng.nexecs++] = ex;
    return ex;
}

static int executor_start(struct executor *ex)
{
    ex->threads = calloc((size_t) ex->nthreads, sizeof(pthread_t));
    if (!ex->threads) {
        return -1;
    }
    for (int i = 0; i < ex->nthreads; i++) {
        char name[32];
        int rc = pthread_create(&ex->threads[i], NULL, executor_main, ex);
        if (rc != 0) {
            flog(LOG_ERROR, "[engine] cannot start thread for %s: %s",
                 ex->label, strerror(rc));
            return -1;
        }
        snprintf(name, sizeof(name), "flb-%.6s-%d", ex->label, i);
        name[15] = '\0';           /* the kernel's limit */
        pthread_setname_np(ex->threads[i], name);
    }
    return 0;
}

int engine_start(struct output_instance **outs, size_t nouts,
                 const struct engine_opts *opts)
{
    struct executor *shared = NULL;
    int rc = -1;

    /* Held throughout so a concurrent engine_request_stop sees either no
     * executors or all of them; the new threads wait for it. */
    pthread_mutex_lock(&eng.mu);
    eng.outs = outs;
    eng.nouts = nouts;
    eng.opts = *opts;
    eng.rng = (uint64_t) now_ms() * 2654435761u ^ (uint64_t) getpid();
    if (eng.rng == 0) {
        eng.rng = 1;
    }
    for (size_t i = 0; i < nouts; i++) {
        struct output_instance *ins = outs[i];
        if (ins->workers == 0) {
            if (!shared && !(shared = executor_new("pipeline", 1))) {
                goto out;
            }
            ins->exec = shared;
            continue;
        }
        ins->exec = executor_new(ins->name, ins->workers);
        if (!ins->exec) {
            goto out;
        }
        flog(LOG_INFO, "[output:%s] %d workers started", output_label(ins),
             ins->workers);
    }
    for (size_t i = 0; i < eng.nexecs; i++) {
        if (executor_start(eng.execs[i]) != 0) {
            goto out;
        }
    }
    rc = 0;
out:
    pthread_mutex_unlock(&eng.mu);
    return rc;
}

/* ---- feed side ---- */

int engine_dispatch(struct entry *e)
{
    pthread_mutex_lock(&eng.mu);
    while (!eng.stop && eng.bytes_alive > 0 &&
           eng.bytes_alive + e->size > eng.opts.mem_limit) {
        pthread_cond_wait(&eng.mem_cv, &eng.mu);
    }
    if (eng.stop) {
        pthread_mutex_unlock(&eng.mu);
        free(e->tag);
        free(e->data);
        free(e);
        return -1;
    }
    e->refs = 0;
    for (size_t i = 0; i < eng.nouts; i++) {
        struct output_instance *ins = eng.outs[i];
        struct executor *ex = ins->exec;
        struct job *j;

        if (!output_matches(ins, e->tag, e->tag_len)) {
            continue;
        }
        j = calloc(1, sizeof(*j));
        if (!j) {
            flog(LOG_ERROR, "[engine] out of memory routing entry %llu",
                 (unsigned long long) e->seq);
            exit(1);
        }
        j->ins = ins;
        j->e = e;
        if (ex->qtail) {
            ex->qtail->next = j;
        }
        else {
            ex->qhead = j;
        }
        ex->qtail = j;
        e->refs++;
        eng.outstanding++;
        pthread_cond_signal(&ex->cv);
    }
    if (e->refs == 0) {
        flog(LOG_DEBUG, "[router] entry %llu with tag '%s' matches no output",
             (unsigned long long) e->seq, e->tag);
        free(e->tag);
        free(e->data);
        free(e);
    }
    else {
        eng.bytes_alive += e->size;
    }
    pthread_mutex_unlock(&eng.mu);
    return 0;
}

void engine_feed_done(int failed)
{
    pthread_mutex_lock(&eng.mu);
    eng.feed_done = 1;
    eng.feed_failed = failed;
    pthread_cond_broadcast(&eng.idle_cv);
    pthread_mutex_unlock(&eng.mu);
}

int engine_feed_failed(void)
{
    int failed;
    pthread_mutex_lock(&eng.mu);
    failed = eng.feed_failed;
    pthread_mutex_unlock(&eng.mu);
    return failed;
}

/* ---- lifecycle ---- */

void engine_wait_idle(void)
{
    pthread_mutex_lock(&eng.mu);
    while (!eng.stop && !(eng.feed_done && eng.outstanding == 0)) {
        pthread_cond_wait(&eng.idle_cv, &eng.mu);
    }
    pthread_mutex_unlock(&eng.mu);
}

void engine_drain(void)
{
    pthread_mutex_lock(&eng.mu);
    while (!eng.stop && eng.outstanding > 0) {
        pthread_cond_wait(&eng.idle_cv, &eng.mu);
    }
    pthread_mutex_unlock(&eng.mu);
}

void engine_request_stop(void)
{
    pthread_mutex_lock(&eng.mu);
    eng.stop = 1;
    for (size_t i = 0; i < eng.nexecs; i++) {
        pthread_cond_broadcast(&eng.execs[i]->cv);
    }
    pthread_cond_broadcast(&eng.idle_cv);
    pthread_cond_broadcast(&eng.mem_cv);
    pthread_mutex_unlock(&eng.mu);
}

int engine_stop_requested(void)
{
    int stop;
    pthread_mutex_lock(&eng.mu);
    stop = eng.stop;
    pthread_mutex_unlock(&eng.mu);
    return stop;
}

size_t engine_stop(void)
{
    size_t pending;
    engine_request_stop();
    for (size_t i = 0; i < eng.nexecs; i++) {
        struct executor *ex = eng.execs[i];
        for (int t = 0; ex->threads && t < ex->nthreads; t++) {
            if (ex->threads[t]) {
                pthread_join(ex->threads[t], NULL);
            }
        }
    }
    pthread_mutex_lock(&eng.mu);
    pending = eng.outstanding;
    pthread_mutex_unlock(&eng.mu);
    return pending;
}
