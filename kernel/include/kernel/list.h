/**
 * @file kernel/list.h
 * @brief Intrusive circular doubly linked lists.
 */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <stddef.h>

/** @brief A link embedded in a listed object, or a list's head. */
struct list_node {
    struct list_node *prev; /**< previous node (the head's: the last entry) */
    struct list_node *next; /**< next node (the head's: the first entry) */
};

/** @brief Static initialiser for the empty list whose head is @p name. */
#define LIST_INIT(name) {&(name), &(name)}
/** @brief The object of type @p type whose member @p member is at @p p. */
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/** @brief Make @p head an empty list (or @p head a node on no list). */
static inline void list_init(struct list_node *head) { head->prev = head->next = head; }
/** @brief Nonzero if the list @p head has no entries. */
static inline int list_empty(const struct list_node *head) { return head->next == head; }

/** @brief Append @p n at the end of the list @p head. */
static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

/** @brief Insert @p n at the front of the list @p head. */
static inline void list_add_head(struct list_node *head, struct list_node *n)
{
    n->prev = head;
    n->next = head->next;
    head->next->prev = n;
    head->next = n;
}

/** @brief Unlink @p n from its list; it is left pointing at itself (on no list). */
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

/** @brief Loop with @p pos over each node of the list @p head (not safe against list_del(pos)). */
#define list_for_each(pos, head) for (struct list_node *pos = (head)->next; pos != (head); pos = pos->next)

#endif
