/**
 * @file test_avltree.c
 * @brief Host tests for kernel/lib/avltree.c: random insertions (by
 *        comparison and by position), removals and key changes against a
 *        sorted array, with every invariant checked after each step (order,
 *        parent links, heights, balance, an augmented subtree count and
 *        maximum), and the O(log n) height bound on a large tree.
 */
#include <kernel/avltree.h>
#include <stddef.h>
#include <stdlib.h>

#include "check.h"

struct item {
    struct avl_node node;
    int key;
    int count, max; /* augmented: nodes in the subtree, the largest key there */
};

#define ITEM(n) ((struct item *)((char *)(n) - offsetof(struct item, node)))

static void augment(struct avl_node *n)
{
    struct item *it = ITEM(n);
    it->count = 1, it->max = it->key;
    if (n->left) {
        it->count += ITEM(n->left)->count;
        if (ITEM(n->left)->max > it->max)
            it->max = ITEM(n->left)->max;
    }
    if (n->right) {
        it->count += ITEM(n->right)->count;
        if (ITEM(n->right)->max > it->max)
            it->max = ITEM(n->right)->max;
    }
}

static int less(const struct avl_node *a, const struct avl_node *b) { return ITEM(a)->key < ITEM(b)->key; }

static int bad; /* invariant failures seen by walk() */

/* Checks the subtree at @p n; returns its height. */
static int walk(const struct avl_node *n, const struct avl_node *parent)
{
    if (!n)
        return 0;
    if (n->parent != parent)
        bad++;
    int l = walk(n->left, n), r = walk(n->right, n);
    if (n->height != 1 + (l > r ? l : r) || l - r > 1 || r - l > 1)
        bad++;
    if ((n->left && ITEM(n->left)->key > ITEM(n)->key) || (n->right && ITEM(n->right)->key < ITEM(n)->key))
        bad++;
    struct item copy = *ITEM(n);
    augment(&copy.node);
    if (copy.count != ITEM(n)->count || copy.max != ITEM(n)->max)
        bad++;
    return n->height;
}

#define MAX 600
static struct item items[MAX];
static struct item *sorted[MAX]; /* the reference: the tree's items in order */
static int used;

static void check_tree(struct avl_tree *t)
{
    bad = 0;
    walk(t->root, NULL);
    CHECK_EQ_INT(bad, 0);
    int i = 0;
    for (struct avl_node *n = avl_first(t); n; n = avl_next(n), i++)
        CHECK(i < used && ITEM(n) == sorted[i]);
    CHECK_EQ_INT(i, used);
    i = used;
    for (struct avl_node *n = avl_last(t); n; n = avl_prev(n))
        CHECK(--i >= 0 && ITEM(n) == sorted[i]);
    CHECK_EQ_INT(i, 0);
    CHECK_EQ_INT(t->root ? ITEM(t->root)->count : 0, used);
}

static int find_free(void)
{
    for (int i = 0; i < MAX; i++)
        if (!items[i].node.height)
            return i;
    return -1;
}

int main(void)
{
    struct avl_tree t = {NULL, augment};
    check_tree(&t);
    CHECK(avl_first(&t) == NULL && avl_last(&t) == NULL);
    srand(7);
    for (int step = 0; step < 20000; step++) {
        int op = rand() % 8;
        if (used < MAX / 2 ? op < 5 : op < 3) { /* insert */
            int f = find_free();
            struct item *it = &items[f];
            if (op & 1) { /* by comparison: after its equals */
                it->key = rand() % 1000;
                avl_insert(&t, &it->node, less);
                int at = 0;
                while (at < used && sorted[at]->key <= it->key)
                    at++;
                for (int k = used; k > at; k--)
                    sorted[k] = sorted[k - 1];
                sorted[at] = it;
            } else { /* by position: a key that fits there */
                int at = used ? rand() % (used + 1) : 0; /* after sorted[at - 1] */
                it->key = at ? sorted[at - 1]->key : (used ? sorted[0]->key : 500);
                avl_insert_after(&t, at ? &sorted[at - 1]->node : NULL, &it->node);
                for (int k = used; k > at; k--)
                    sorted[k] = sorted[k - 1];
                sorted[at] = it;
            }
            used++;
        } else if (used && op < 7) { /* erase */
            int at = rand() % used;
            avl_erase(&t, &sorted[at]->node);
            CHECK(sorted[at]->node.parent == NULL);
            sorted[at]->node.height = 0;
            for (int k = at; k < used - 1; k++)
                sorted[k] = sorted[k + 1];
            used--;
        } else if (used) { /* a key changed in place, within its neighbours' */
            int at = rand() % used;
            int lo = at ? sorted[at - 1]->key : 0, hi = at < used - 1 ? sorted[at + 1]->key : 2000;
            sorted[at]->key = lo + rand() % (hi - lo + 1);
            avl_update(&t, &sorted[at]->node);
        }
        check_tree(&t);
    }
    while (used) { /* empty it from the front */
        avl_erase(&t, &sorted[0]->node);
        sorted[0]->node.height = 0;
        for (int k = 0; k < used - 1; k++)
            sorted[k] = sorted[k + 1];
        used--;
        check_tree(&t);
    }
    CHECK(t.root == NULL);

    /* Ascending keys, the mmap pattern: the height stays within AVL's bound. */
    enum { BIG = 1 << 16 };
    struct item *big = calloc(BIG, sizeof *big);
    CHECK(big != NULL);
    struct avl_tree b = {NULL, augment};
    for (int i = 0; i < BIG; i++) {
        big[i].key = i;
        avl_insert(&b, &big[i].node, less);
    }
    CHECK(b.root->height <= 23); /* 1.44 log2(n): about 23 for 2^16 */
    CHECK_EQ_INT(ITEM(b.root)->count, BIG);
    CHECK_EQ_INT(ITEM(b.root)->max, BIG - 1);
    for (int i = 0; i < BIG; i += 2)
        avl_erase(&b, &big[i].node);
    bad = 0;
    walk(b.root, NULL);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(ITEM(b.root)->count, BIG / 2);
    free(big);
    return CHECK_DONE("test_avltree");
}
