/**
 * @file kernel/list.h
 * @brief Intrusive circular doubly linked lists.
 */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <stddef.h>

struct list_node {
    struct list_node *prev, *next;
};

#define LIST_INIT(name) {&(name), &(name)}
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

static inline void list_init(struct list_node *head) { head->prev = head->next = head; }
static inline int list_empty(const struct list_node *head) { return head->next == head; }

static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

static inline void list_del(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

/** @brief First node or NULL if empty. */
static inline struct list_node *list_first(const struct list_node *head)
{
    return list_empty(head) ? NULL : head->next;
}

#define list_for_each(pos, head) for (struct list_node *pos = (head)->next; pos != (head); pos = pos->next)

#endif
