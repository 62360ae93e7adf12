/*
 * Reads the feed: a sequence of entries
 *   u32le tag_len | tag | u32le chunk_len | chunk (msgpack events)
 * numbered 0, 1, 2... in order, streaming them to the engine as they
 * arrive (a pipe on stdin works). Ends cleanly only on an entry boundary.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct feed {
    int fd;
    const char *name;
    uint64_t offset;                /* bytes consumed so far */
    uint64_t seq;
};

static struct feed feed;
static pthread_t feed_thread;

/* Reads exactly n bytes; returns bytes read (short only at end of input)
 * or -1 on a read error. */
static ssize_t read_full(void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(feed.fd, (char *) buf + got, n - got);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            flog(LOG_ERROR, "[feed] read error on %s at byte offset %llu: %s",
                 feed.name, (unsigned long long) (feed.offset + got),
                 strerror(errno));
            return -1;
        }
        got += (size_t) r;
    }
    feed.offset += got;
    return (ssize_t) got;
}

/* Reads a field of the current entry; 0 ok, -1 after logging. */
static int read_field(void *buf, size_t n, const char *what)
{
    uint64_t start = feed.offset;
    ssize_t r = read_full(buf, n);
    if (r < 0) {
        return -1;
    }
    if ((size_t) r < n) {
        flog(LOG_ERROR, "[feed] %s is truncated: entry %llu ends inside its "
             "%s (byte offset %llu, %zu of %zu bytes present)", feed.name,
             (unsigned long long) feed.seq, what,
             (unsigned long long) start, (size_t) r, n);
        return -1;
    }
    return 0;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 |
           (uint32_t) b[3] << 24;
}

/* 1: entry read, 0: clean end, -1: error (logged). */
static int read_entry(struct entry **out)
{
    unsigned char hdr[4];
    uint64_t start = feed.offset;
    struct entry *e;
    uint32_t tag_len, chunk_len;
    ssize_t r;

    r = read_full(hdr, 4);
    if (r == 0) {
        return 0;
    }
    if (r < 0) {
        return -1;
    }
    if (r < 4) {
        flog(LOG_ERROR, "[feed] %s is truncated: entry %llu ends inside its "
             "tag length (byte offset %llu)", feed.name,
             (unsigned long long) feed.seq, (unsigned long long) start);
        return -1;
    }
    tag_len = le32(hdr);
    if (tag_len > FEED_MAX_TAG) {
        flog(LOG_ERROR, "[feed] %s: entry %llu at byte offset %llu has tag "
             "length %u, over the limit of %u", feed.name,
             (unsigned long long) feed.seq, (unsigned long long) start,
             tag_len, FEED_MAX_TAG);
        return -1;
    }
    e = calloc(1, sizeof(*e));
    if (!e || !(e->tag = malloc(tag_len + 1))) {
        flog(LOG_ERROR, "[feed] out of memory");
        return -1;
    }
    if (read_field(e->tag, tag_len, "tag") != 0) {
        goto fail;
    }
    e->tag[tag_len] = '\0';
    e->tag_len = tag_len;
    if (memchr(e->tag, '\0', tag_len)) {
        flog(LOG_ERROR, "[feed] %s: entry %llu at byte offset %llu has a NUL "
             "byte in its tag", feed.name, (unsigned long long) feed.seq,
             (unsigned long long) start);
        goto fail;
    }
    if (read_field(hdr, 4, "chunk length") != 0) {
        goto fail;
    }
    chunk_len = le32(hdr);
    if (chunk_len > FEED_MAX_CHUNK) {
        flog(LOG_ERROR, "[feed] %s: entry %llu at byte offset %llu has chunk "
             "length %u, over the limit of %u (1 GiB)", feed.name,
             (unsigned long long) feed.seq, (unsigned long long) start,
             chunk_len, FEED_MAX_CHUNK);
        goto fail;
    }
    e->size = chunk_len;
    e->data = malloc(chunk_len ? chunk_len : 1);
    if (!e->data) {
        flog(LOG_ERROR, "[feed] out of memory for a %u byte chunk", chunk_len);
        goto fail;
    }
    if (read_field(e->data, chunk_len, "chunk") != 0) {
        goto fail;
    }
    e->seq = feed.seq++;
    *out = e;
    return 1;
fail:
    free(e->data);
    free(e->tag);
    free(e);
    return -1;
}

static void *feed_main(void *arg)
{
    (void) arg;
    for (;;) {
        struct entry *e = NULL;
        int rc = read_entry(&e);
        if (rc == 0) {
            flog(LOG_INFO, "[feed] %s: end of feed after %llu entries "
                 "(%llu bytes)", feed.name, (unsigned long long) feed.seq,
                 (unsigned long long) feed.offset);
            engine_feed_done(0);
            return NULL;
        }
        if (rc < 0) {
            engine_feed_done(1);
            return NULL;
        }
        flog(LOG_TRACE, "[feed] entry %llu tag='%s' %zu bytes",
             (unsigned long long) e->seq, e->tag, e->size);
        uint64_t seq = e->seq;
        if (engine_dispatch(e) != 0) {
            return NULL;
        }
        if (reload_after > 0 && seq + 1 == (uint64_t) reload_after) {
            host_reload();
        }
    }
}

int feed_open(const char *path)
{
    int fd;
    if (strcmp(path, "-") == 0) {
        return STDIN_FILENO;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        flog(LOG_ERROR, "[feed] cannot open %s: %s", path, strerror(errno));
    }
    return fd;
}

int feed_start(int fd, const char *name)
{
    int rc;
    feed.fd = fd;
    feed.name = strcmp(name, "-") == 0 ? "stdin" : name;
    rc = pthread_create(&feed_thread, NULL, feed_main, NULL);
    if (rc != 0) {
        flog(LOG_ERROR, "[feed] cannot start reader thread: %s", strerror(rc));
        return -1;
    }
    pthread_setname_np(feed_thread, "flb-feed");
    /* Never joined: at shutdown it may be blocked in read(2). */
    pthread_detach(feed_thread);
    return 0;
}
