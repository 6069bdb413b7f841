/* Count context switches per thread: attach to sched_switch, then
 * `bpf map dump <id>` shows thread id -> times switched in. */
#include "bpf_prog.h"

struct bpf_map_def SEC("maps") switches = {MAP_HASH, 4, 8, 256, 0};

SEC("sched_switch") int count_switches(const struct bpf_ctx_sched_switch *c)
{
    uint32_t tid = c->next_tid;
    map_add(&switches, &tid, 1);
    return 0;
}
