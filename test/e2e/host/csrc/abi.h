/*
 * Binary interface between Fluent Bit's Go proxy and a Go output plugin.
 *
 * These structures are read and written by the plugin (through
 * fluent-bit-go), so their field order and types must match Fluent Bit's
 * src/proxy/go/go.h, include/fluent-bit/flb_plugin_proxy.h and
 * include/fluent-bit/flb_api.h exactly. Structures the plugin only receives
 * as opaque pointers are private to the host.
 */
#ifndef FLBHOST_ABI_H
#define FLBHOST_ABI_H

#include <stddef.h>

/* Flush and init return codes. */
#define FLB_ERROR 0
#define FLB_OK    1
#define FLB_RETRY 2

/* Values a plugin writes into the definition at registration. */
#define FLB_PROXY_OUTPUT_PLUGIN 2
#define FLB_PROXY_GOLANG        11

/*
 * Filled in by FLBPluginRegister. Newer Fluent Bit releases appended
 * config_map and event_type; they are declared so a plugin built against a
 * newer binding writes into owned memory, and the host ignores them.
 */
struct flb_plugin_proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    void *config_map;
    int event_type;
};

struct flb_plugin_proxy;

/* One per output instance; remote_context is set by the plugin's Init. */
struct flb_plugin_proxy_context {
    void *remote_context;
    struct flb_plugin_proxy *proxy;
};

/*
 * Call table given to the plugin. The instance arguments are the host's
 * struct output_instance, opaque to the plugin. Only the leading fields are
 * part of the contract; the reserved tail stays NULL so a binding that knows
 * of later fields reads NULL instead of stray memory.
 */
struct flb_api {
    const char *(*output_get_property)(const char *key, void *o_ins);
    const char *(*input_get_property)(const char *key, void *i_ins);
    void *(*output_get_cmt_instance)(void *o_ins);
    void *(*input_get_cmt_instance)(void *i_ins);
    void (*log_print)(int level, const char *file, int line,
                      const char *fmt, ...);
    int (*input_log_check)(void *i_ins, int level);
    int (*output_log_check)(void *o_ins, int level);
    void *reserved[16];
};

/*
 * One per loaded shared object, shared by all of its instances: o_ins and
 * context are re-pointed at each instance just before its Init runs.
 */
struct flbgo_output_plugin {
    char *name;
    void *api;
    void *o_ins;
    struct flb_plugin_proxy_context *context;

    int (*cb_init)(struct flbgo_output_plugin *);
    int (*cb_flush)(const void *, size_t, const char *);
    int (*cb_flush_ctx)(void *, const void *, size_t, char *);
    int (*cb_exit)(void);
    int (*cb_exit_ctx)(void *);
};

/* Host side of a loaded shared object (layout private to the host). */
struct flb_plugin_proxy {
    struct flb_plugin_proxy_def *def;
    struct flb_api *api;
    void *instance;
    void *dso_handler;
    struct flbgo_output_plugin *data;
    char *path;
    struct flb_plugin_proxy *next;
};

#endif
