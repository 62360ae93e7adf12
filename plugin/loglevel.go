package main

/*
#include <stddef.h>

// The leading fields of Fluent Bit's struct flb_api (include/fluent-bit/
// flb_api.h), which keeps them in this order for ABI's sake; only
// output_log_check is called here.
struct s3append_flb_api {
    void *output_get_property;
    void *input_get_property;
    void *output_get_cmt_instance;
    void *input_get_cmt_instance;
    void *log_print;
    void *input_log_check;
    int (*output_log_check)(void *o_ins, int level);
};

// The struct flbgo_output_plugin the Go proxy hands to FLBPluginInit.
struct s3append_go_plugin {
    void *_;
    struct s3append_flb_api *api;
    void *o_ins;
    void *context;
};

// s3append_log_level is the most verbose level (1 error .. 5 trace) the
// output instance logs at, or -1 when the host offers no way to ask.
static int s3append_log_level(void *plugin)
{
    struct s3append_go_plugin *p = plugin;
    int level = 0;
    if (p == NULL || p->api == NULL || p->o_ins == NULL || p->api->output_log_check == NULL) {
        return -1;
    }
    for (int l = 1; l <= 5; l++) {
        if (p->api->output_log_check(p->o_ins, l)) {
            level = l;
        }
    }
    return level;
}
*/
import "C"

import (
	"unsafe"

	"github.com/s3append/s3append/out_s3append"
)

// outputLogLevel asks Fluent Bit for the instance's log_level, which it
// keeps from the plugin's properties; ok is false if it cannot be asked.
func outputLogLevel(plugin unsafe.Pointer) (level out_s3append.Level, ok bool) {
	l := C.s3append_log_level(plugin)
	if l < 0 {
		return 0, false
	}
	return out_s3append.Level(l), true
}
