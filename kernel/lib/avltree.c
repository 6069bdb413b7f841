/**
 * @file avltree.c
 * @brief The AVL tree of avltree.h. Every change walks from the lowest node
 *        it touched up to the root, recomputing heights (and the augmented
 *        values) and rotating where the two subtrees' heights differ by
 *        two: O(log n), and the augmented values stay true on the whole path.
 */
#include <kernel/avltree.h>
#include <stddef.h>

static int height(const struct avl_node *n) { return n ? n->height : 0; }

static void fix(struct avl_tree *t, struct avl_node *n)
{
    int l = height(n->left), r = height(n->right);
    n->height = 1 + (l > r ? l : r);
    if (t->augment)
        t->augment(n);
}

/* @p parent's link to @p old (the root's, for none) now leads to @p new. */
static void relink(struct avl_tree *t, struct avl_node *parent, struct avl_node *old, struct avl_node *new)
{
    if (!parent)
        t->root = new;
    else if (parent->left == old)
        parent->left = new;
    else
        parent->right = new;
    if (new)
        new->parent = parent;
}

/* @p x's right child takes its place, @p x its left child; the new top. */
static struct avl_node *rotate_left(struct avl_tree *t, struct avl_node *x)
{
    struct avl_node *y = x->right;
    relink(t, x->parent, x, y);
    x->right = y->left;
    if (x->right)
        x->right->parent = x;
    y->left = x;
    x->parent = y;
    fix(t, x);
    fix(t, y);
    return y;
}

static struct avl_node *rotate_right(struct avl_tree *t, struct avl_node *x)
{
    struct avl_node *y = x->left;
    relink(t, x->parent, x, y);
    x->left = y->right;
    if (x->left)
        x->left->parent = x;
    y->right = x;
    x->parent = y;
    fix(t, x);
    fix(t, y);
    return y;
}

/* From @p n to the root: heights and values recomputed, balance restored. */
static void rebalance(struct avl_tree *t, struct avl_node *n)
{
    while (n) {
        fix(t, n);
        int b = height(n->left) - height(n->right);
        if (b > 1) {
            if (height(n->left->left) < height(n->left->right))
                rotate_left(t, n->left);
            n = rotate_right(t, n);
        } else if (b < -1) {
            if (height(n->right->right) < height(n->right->left))
                rotate_right(t, n->right);
            n = rotate_left(t, n);
        }
        n = n->parent;
    }
}

static void attach(struct avl_tree *t, struct avl_node *parent, struct avl_node **link, struct avl_node *n)
{
    n->left = n->right = NULL;
    n->parent = parent;
    n->height = 1;
    *link = n;
    rebalance(t, n);
}

void avl_insert(struct avl_tree *t, struct avl_node *n,
                int (*less)(const struct avl_node *a, const struct avl_node *b))
{
    struct avl_node *parent = NULL, **link = &t->root;
    while (*link) {
        parent = *link;
        link = less(n, parent) ? &parent->left : &parent->right;
    }
    attach(t, parent, link, n);
}

void avl_insert_after(struct avl_tree *t, struct avl_node *pos, struct avl_node *n)
{
    if (!pos) { /* before everything: left of the first */
        struct avl_node *first = avl_first(t);
        attach(t, first, first ? &first->left : &t->root, n);
        return;
    }
    if (!pos->right) {
        attach(t, pos, &pos->right, n);
        return;
    }
    struct avl_node *p = pos->right; /* else left of the first one after it */
    while (p->left)
        p = p->left;
    attach(t, p, &p->left, n);
}

void avl_erase(struct avl_tree *t, struct avl_node *n)
{
    struct avl_node *from; /* the lowest node whose subtree changed */
    if (!n->left || !n->right) {
        from = n->parent;
        relink(t, n->parent, n, n->left ? n->left : n->right);
    } else { /* its successor, leftmost on its right, takes its place */
        struct avl_node *s = n->right;
        while (s->left)
            s = s->left;
        if (s->parent != n) {
            from = s->parent;
            from->left = s->right;
            if (s->right)
                s->right->parent = from;
            s->right = n->right;
            s->right->parent = s;
        } else {
            from = s;
        }
        s->left = n->left;
        s->left->parent = s;
        s->height = n->height;
        relink(t, n->parent, n, s);
    }
    rebalance(t, from);
    n->left = n->right = n->parent = NULL;
}

void avl_update(struct avl_tree *t, struct avl_node *n)
{
    for (; n; n = n->parent)
        fix(t, n);
}

struct avl_node *avl_first(const struct avl_tree *t)
{
    struct avl_node *n = t->root;
    while (n && n->left)
        n = n->left;
    return n;
}

struct avl_node *avl_last(const struct avl_tree *t)
{
    struct avl_node *n = t->root;
    while (n && n->right)
        n = n->right;
    return n;
}

struct avl_node *avl_next(const struct avl_node *n)
{
    if (n->right) {
        n = n->right;
        while (n->left)
            n = n->left;
        return (struct avl_node *)n;
    }
    while (n->parent && n->parent->right == n)
        n = n->parent;
    return n->parent;
}

struct avl_node *avl_prev(const struct avl_node *n)
{
    if (n->left) {
        n = n->left;
        while (n->right)
            n = n->right;
        return (struct avl_node *)n;
    }
    while (n->parent && n->parent->left == n)
        n = n->parent;
    return n->parent;
}
