/**
 * @file avltree.h
 * @brief An intrusive, height-balanced (AVL) binary search tree: a node is
 *        embedded in its owner (container_of), the owner says the order
 *        (a less-than on insertion) and searches by walking left and right
 *        itself. Lookup, insertion and removal are O(log n); in-order
 *        iteration is avl_first()/avl_next().
 *
 * An optional augment callback keeps a value of each node that depends on
 * the node and its two subtrees alone (a subtree's span, its largest gap):
 * it is called on every node whose subtree changed, children before
 * parents, and avl_update() runs it up from a node whose own fields the
 * owner changed without moving it in the order.
 */
#ifndef KERNEL_AVLTREE_H
#define KERNEL_AVLTREE_H

/** @brief A node of a tree, embedded in its owner. */
struct avl_node {
    struct avl_node *left;   /**< the smaller ones */
    struct avl_node *right;  /**< the larger ones */
    struct avl_node *parent; /**< NULL at the root */
    int height;              /**< of its subtree: 1 for a leaf */
};

/** @brief A tree: its root and how to recompute a node's augmented value. */
struct avl_tree {
    struct avl_node *root; /**< NULL when empty */
    /** Recompute @p n's augmented value from itself and its children (NULL: none kept). */
    void (*augment)(struct avl_node *n);
};

/** @brief Insert @p n where @p less (n before another node) puts it; equal ones go after. */
void avl_insert(struct avl_tree *t, struct avl_node *n,
                int (*less)(const struct avl_node *a, const struct avl_node *b));
/** @brief Insert @p n just after @p pos in the order (NULL: first), without comparing. */
void avl_insert_after(struct avl_tree *t, struct avl_node *pos, struct avl_node *n);
/** @brief Take @p n out of @p t. */
void avl_erase(struct avl_tree *t, struct avl_node *n);
/** @brief Recompute the augmented values from @p n up to the root (n's fields changed, not its place). */
void avl_update(struct avl_tree *t, struct avl_node *n);
/** @brief The first node in order, or NULL. */
struct avl_node *avl_first(const struct avl_tree *t);
/** @brief The last node in order, or NULL. */
struct avl_node *avl_last(const struct avl_tree *t);
/** @brief The node after @p n in order, or NULL. */
struct avl_node *avl_next(const struct avl_node *n);
/** @brief The node before @p n in order, or NULL. */
struct avl_node *avl_prev(const struct avl_node *n);

#endif
