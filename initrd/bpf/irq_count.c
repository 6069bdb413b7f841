/* Count interrupts per interrupt number: attach to irq. */
#include "bpf_prog.h"

struct bpf_map_def SEC("maps") irqs = {MAP_ARRAY, 4, 8, 1024, 0};

SEC("irq") int count_irqs(const struct bpf_ctx_irq *c)
{
    uint32_t irq = c->irq;
    uint64_t *n = map_lookup_elem(&irqs, &irq);
    if (n)
        __sync_fetch_and_add(n, 1);
    return 0;
}
