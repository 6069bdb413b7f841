/**
 * @file logbuf.c
 * @brief The kernel log's byte ring (kernel/logbuf.h).
 */
#include <kernel/errno.h>
#include <kernel/logbuf.h>
#include <kernel/string.h>

static unsigned char byte_at(const struct logbuf *lb, uint64_t pos)
{
    return (unsigned char)lb->mem[pos % lb->size];
}

/* At most two copies: up to the ring's end, then from its start. */
static void put(struct logbuf *lb, uint64_t pos, const char *src, size_t n)
{
    size_t at = (size_t)(pos % lb->size), first = lb->size - at < n ? lb->size - at : n;
    memcpy(lb->mem + at, src, first);
    memcpy(lb->mem, src + first, n - first);
}

static size_t text_len_at(const struct logbuf *lb, uint64_t pos)
{
    return byte_at(lb, pos + 1) | (size_t)byte_at(lb, pos + 2) << 8;
}

void logbuf_init(struct logbuf *lb, char *mem, size_t size)
{
    *lb = (struct logbuf){.mem = mem, .size = size};
}

int logbuf_append(struct logbuf *lb, unsigned level, const char *text, size_t len)
{
    if (len > 0xffff || len + LOGBUF_HDR > lb->size)
        return -EINVAL;
    while (lb->head + LOGBUF_HDR + len - lb->tail > lb->size) {
        lb->tail += LOGBUF_HDR + text_len_at(lb, lb->tail);
        lb->first++;
    }
    char hdr[LOGBUF_HDR] = {(char)level, (char)(len & 0xff), (char)(len >> 8)};
    put(lb, lb->head, hdr, LOGBUF_HDR);
    put(lb, lb->head + LOGBUF_HDR, text, len);
    lb->head += LOGBUF_HDR + len;
    lb->next++;
    return 0;
}

struct logbuf_cursor logbuf_oldest(const struct logbuf *lb)
{
    return (struct logbuf_cursor){.seq = lb->first, .pos = lb->tail};
}

long logbuf_read(const struct logbuf *lb, struct logbuf_cursor *c, unsigned *level, char *out,
                 size_t max, uint64_t *lost)
{
    *lost = 0;
    if (c->seq < lb->first) {
        *lost = lb->first - c->seq;
        *c = logbuf_oldest(lb);
    }
    if (c->seq >= lb->next)
        return -1;
    size_t len = text_len_at(lb, c->pos);
    *level = byte_at(lb, c->pos);
    size_t copy = max == 0 ? 0 : len < max - 1 ? len : max - 1;
    for (size_t i = 0; i < copy; i++)
        out[i] = (char)byte_at(lb, c->pos + LOGBUF_HDR + i);
    if (max)
        out[copy] = 0;
    c->pos += LOGBUF_HDR + len;
    c->seq++;
    return (long)len;
}
