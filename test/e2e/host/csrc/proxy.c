/*
 * Fluent Bit's Go proxy: loading a plugin (flb_plugin_proxy.c) and calling
 * its entry points the way src/proxy/go/go.c does.
 */
#include "host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the API table handed to plugins ---- */

static const char *api_output_get_property(const char *key, void *o_ins)
{
    return output_get_property(key, o_ins);
}

static const char *api_input_get_property(const char *key, void *i_ins)
{
    (void) key;
    (void) i_ins;
    return NULL;
}

static void *api_get_cmt_instance(void *ins)
{
    (void) ins;
    return NULL;
}

static void api_log_print(int level, const char *file, int line,
                          const char *fmt, ...)
{
    va_list ap;
    (void) file;
    (void) line;
    va_start(ap, fmt);
    flog_v(level, fmt, ap);
    va_end(ap);
}

static int api_input_log_check(void *i_ins, int level)
{
    (void) i_ins;
    return level <= log_level_global;
}

static int api_output_log_check(void *o_ins, int level)
{
    struct output_instance *ins = o_ins;
    int limit = ins && ins->log_level >= 0 ? ins->log_level
                                           : log_level_global;
    return level <= limit;
}

static struct flb_api *api_create(void)
{
    struct flb_api *api = calloc(1, sizeof(*api));
    if (!api) {
        return NULL;
    }
    api->output_get_property = api_output_get_property;
    api->input_get_property = api_input_get_property;
    api->output_get_cmt_instance = api_get_cmt_instance;
    api->input_get_cmt_instance = api_get_cmt_instance;
    api->log_print = api_log_print;
    api->input_log_check = api_input_log_check;
    api->output_log_check = api_output_log_check;
    return api;
}

/* ---- loading ---- */

/* dlsym that tells "absent" apart from a symbol whose value is NULL. */
static void *proxy_symbol(struct flb_plugin_proxy *proxy, const char *name)
{
    void *s;
    dlerror();
    s = dlsym(proxy->dso_handler, name);
    if (dlerror() != NULL) {
        return NULL;
    }
    return s;
}

static int go_output_register(struct flb_plugin_proxy *proxy)
{
    struct flbgo_output_plugin *plugin = calloc(1, sizeof(*plugin));
    if (!plugin) {
        return -1;
    }
    plugin->cb_init = proxy_symbol(proxy, "FLBPluginInit");
    if (!plugin->cb_init) {
        flog(LOG_ERROR, "[go proxy]: could not load FLBPluginInit symbol");
        free(plugin);
        return -1;
    }
    plugin->cb_flush = proxy_symbol(proxy, "FLBPluginFlush");
    plugin->cb_flush_ctx = proxy_symbol(proxy, "FLBPluginFlushCtx");
    plugin->cb_exit = proxy_symbol(proxy, "FLBPluginExit");
    plugin->cb_exit_ctx = proxy_symbol(proxy, "FLBPluginExitCtx");
    plugin->name = strdup(proxy->def->name);
    if (!plugin->cb_flush && !plugin->cb_flush_ctx) {
        flog(LOG_ERROR, "[go proxy]: plugin '%s' exports neither "
             "FLBPluginFlushCtx nor FLBPluginFlush", plugin->name);
        free(plugin->name);
        free(plugin);
        return -1;
    }
    proxy->data = plugin;
    return 0;
}

static int proxy_register(struct flb_plugin_proxy *proxy)
{
    int (*cb_pre_register)(int);
    int (*cb_register)(struct flb_plugin_proxy_def *);
    struct flb_plugin_proxy_def *def = proxy->def;

    cb_pre_register = proxy_symbol(proxy, "FLBPluginPreRegister");
    if (cb_pre_register && cb_pre_register(0) == -1) {
        flog(LOG_ERROR, "[proxy] FLBPluginPreRegister failed for %s",
             proxy->path);
        return -1;
    }
    cb_register = proxy_symbol(proxy, "FLBPluginRegister");
    if (!cb_register) {
        flog(LOG_ERROR, "[proxy] %s does not export FLBPluginRegister",
             proxy->path);
        return -1;
    }
    if (cb_register(def) == -1) {
        flog(LOG_ERROR, "[proxy] FLBPluginRegister failed for %s",
             proxy->path);
        return -1;
    }
    if (def->proxy != FLB_PROXY_GOLANG ||
        def->type != FLB_PROXY_OUTPUT_PLUGIN || !def->name) {
        flog(LOG_ERROR, "[proxy] %s registered type=%d proxy=%d: only Go "
             "output plugins (type=%d proxy=%d) are supported", proxy->path,
             def->type, def->proxy, FLB_PROXY_OUTPUT_PLUGIN,
             FLB_PROXY_GOLANG);
        return -1;
    }
    return go_output_register(proxy);
}

struct flb_plugin_proxy *proxy_load(const char *path)
{
    struct flb_plugin_proxy *proxy;
    void *handle = dlopen(path, RTLD_LAZY);

    if (!handle) {
        flog(LOG_ERROR, "[proxy] error opening plugin %s: '%s'", path,
             dlerror());
        return NULL;
    }
    proxy = calloc(1, sizeof(*proxy));
    if (!proxy) {
        dlclose(handle);
        return NULL;
    }
    proxy->dso_handler = handle;
    proxy->path = strdup(path);
    proxy->api = api_create();
    /* Sized with room to spare: the plugin writes into it. */
    proxy->def = calloc(1, sizeof(*proxy->def) + 256);
    if (!proxy->api || !proxy->def) {
        dlclose(handle);
        return NULL;
    }
    proxy->def->type = FLB_PROXY_OUTPUT_PLUGIN;
    if (proxy_register(proxy) != 0) {
        return NULL;
    }
    flog(LOG_INFO, "[proxy] loaded Go output plugin '%s' from %s",
         proxy->def->name, path);
    return proxy;
}

/* Fluent Bit's check_protocol: "name" or "name://..." case-insensitively. */
struct flb_plugin_proxy *proxy_find(struct flb_plugin_proxy *list,
                                    const char *name)
{
    const char *sep = strstr(name, "://");
    size_t len = sep && sep != name ? (size_t) (sep - name) : strlen(name);

    for (; list; list = list->next) {
        if (strlen(list->def->name) == len &&
            strncasecmp(list->def->name, name, len) == 0) {
            return list;
        }
    }
    return NULL;
}

/* ---- calls ---- */

int proxy_output_init(struct output_instance *ins)
{
    struct flb_plugin_proxy *proxy = ins->proxy;
    struct flbgo_output_plugin *plugin = proxy->data;
    int ret;

    proxy->instance = ins;
    plugin->api = proxy->api;
    plugin->o_ins = ins;
    plugin->context = ins->context;

    ret = plugin->cb_init(plugin);
    if (ret <= 0) {
        flog(LOG_ERROR, "[go proxy]: plugin '%s' failed to initialize",
             plugin->name);
        flog(LOG_ERROR, "[output] could not initialize '%s' plugin",
             plugin->name);
        flog(LOG_ERROR, "[output] failed to initialize '%s' plugin",
             plugin->name);
        return -1;
    }
    ins->initialized = 1;
    return 0;
}

void proxy_output_pre_run(struct output_instance *ins)
{
    int (*cb_pre_run)(int) = proxy_symbol(ins->proxy, "FLBPluginOutputPreRun");
    if (cb_pre_run) {
        cb_pre_run(0);
    }
}

int proxy_output_flush(struct output_instance *ins, const void *data,
                       size_t size, const char *tag, size_t tag_len)
{
    struct flbgo_output_plugin *plugin = ins->proxy->data;
    char *buf = malloc(tag_len + 1);
    int ret;

    if (!buf) {
        return FLB_ERROR;
    }
    memcpy(buf, tag, tag_len);
    buf[tag_len] = '\0';
    if (plugin->cb_flush_ctx) {
        ret = plugin->cb_flush_ctx(ins->context->remote_context, data, size,
                                   buf);
    }
    else {
        ret = plugin->cb_flush(data, size, buf);
    }
    free(buf);
    return ret;
}

void proxy_output_exit(struct output_instance *ins, int reloading)
{
    struct flbgo_output_plugin *plugin = ins->proxy->data;
    void (*cb_pre_exit)(int) = proxy_symbol(ins->proxy,
                                            "FLBPluginOutputPreExit");
    if (cb_pre_exit) {
        cb_pre_exit(reloading);
    }
    flog(LOG_DEBUG, "[GO] running exit callback");
    if (plugin->cb_exit_ctx) {
        plugin->cb_exit_ctx(ins->context->remote_context);
    }
    else if (plugin->cb_exit) {
        plugin->cb_exit();
    }
}

void proxy_unload(struct flb_plugin_proxy *proxy)
{
    void (*cb_unregister)(struct flb_plugin_proxy_def *) =
        proxy_symbol(proxy, "FLBPluginUnregister");
    if (cb_unregister) {
        cb_unregister(proxy->def);
    }
    if (proxy->data) {
        free(proxy->data->name);
        free(proxy->data);
    }
    free(proxy->api);
    free(proxy->def);
    /* A Go shared object is linked with -z nodelete: this only drops the
     * handle, the runtime stays mapped. */
    dlclose(proxy->dso_handler);
    free(proxy->path);
    free(proxy);
}
