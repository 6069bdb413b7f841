/**
 * @file test_ext2.c
 * @brief The ext2 reader (kernel/fs/ext2/ext2.c) on images the host's mke2fs
 *        made, and on damaged copies of them.
 *
 *   test_ext2 IMAGE MANIFEST
 *
 * tests/host/ext2_images.py builds a tree (files of every size class up to
 * triple indirect blocks, sparse files, one over 4 GiB, fast and slow
 * symlinks, hard links, deep and 10,000-entry directories), makes an image
 * of it with `mke2fs -t ext2 -d` and writes MANIFEST, one line per path:
 *   f PATH SIZE CRC32        a regular file and its CRC-32 (zlib's)
 *   d PATH ENTRIES           a directory and how many entries it has
 *   l PATH TARGET            a symlink
 *   s PATH SIZE AT CRC32     a sparse file: "head", a hole, data from AT to the end
 * This test reads every path of the manifest through the reader alone
 * (lookups from the root), checks each against its line, and that every
 * directory lists exactly the manifest's children; then it damages copies
 * of the image (the superblock's fields one by one, group descriptors,
 * inode block pointers, directory entries, and random bytes in the
 * metadata) and walks them: every damage must give an error code or
 * readable data, never a read outside the image (ASan) or a walk without
 * end.
 */
#include "check.h"
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/ext2.h>
#include <stdlib.h>

static uint8_t *image;
static size_t image_size;
static unsigned reads_failing; /* nonzero: every read fails (-EIO) */

static int img_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    const uint8_t *img = ctx;
    if (reads_failing)
        return -EIO;
    if (off > image_size || n > image_size - off) {
        fprintf(stderr, "read past the image: %llu + %zu\n", (unsigned long long)off, n);
        abort(); /* the reader must check before it reads */
    }
    memcpy(buf, img + off, n);
    return 0;
}

static int img_write(void *ctx, uint64_t off, const void *buf, size_t n)
{
    uint8_t *img = ctx;
    if (reads_failing)
        return -EIO;
    if (off > image_size || n > image_size - off) {
        fprintf(stderr, "write past the image: %llu + %zu\n", (unsigned long long)off, n);
        abort(); /* the writer must check before it writes */
    }
    memcpy(img + off, buf, n);
    return 0;
}

/* Walk @p path from the root; 0 and *out, or the reader's error. */
static int resolve(struct ext2_fs *fs, const char *path, struct ext2_inode *out)
{
    int err = ext2_read_inode(fs, 2, out);
    while (!err && *path) {
        while (*path == '/')
            path++;
        const char *end = path;
        while (*end && *end != '/')
            end++;
        if (end == path)
            break;
        uint32_t ino;
        err = ext2_lookup(fs, out, path, (size_t)(end - path), &ino);
        if (!err)
            err = ext2_read_inode(fs, ino, out);
        path = end;
    }
    return err;
}

static uint32_t file_crc(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t *total, int *err)
{
    static uint8_t buf[1 << 16];
    uint32_t crc = 0;
    *total = 0;
    *err = 0;
    for (;;) {
        long got = ext2_read(fs, in, *total, buf, sizeof buf);
        if (got <= 0) {
            *err = (int)got;
            return crc;
        }
        crc = crc32(crc, buf, (size_t)got);
        *total += (uint64_t)got;
    }
}

static long count_entries(struct ext2_fs *fs, const struct ext2_inode *dir)
{
    struct ext2_dirent d;
    uint64_t pos = 0;
    long n = 0;
    int r;
    while ((r = ext2_readdir(fs, dir, &pos, &d)) == 1)
        if (strcmp(d.name, ".") && strcmp(d.name, ".."))
            n++;
    return r ? r : n;
}

static void check_manifest(struct ext2_fs *fs, const char *manifest)
{
    FILE *m = fopen(manifest, "r");
    CHECK(m != NULL);
    if (!m)
        return;
    char kind, path[4096], arg[4096];
    unsigned long long a2;
    unsigned files = 0, dirs = 0, links = 0;
    while (fscanf(m, " %c %4095s", &kind, path) == 2) {
        struct ext2_inode in;
        int err = resolve(fs, path, &in);
        if (!err && (err = ext2_check_inode(fs, &in)) != 0)
            fprintf(stderr, "%s: refused by ext2_check_inode()\n", path); /* every file of mke2fs's is fine */
        if (err) {
            fprintf(stderr, "%s: %d (%s)\n", path, err, fs->err);
            CHECK(err == 0);
            if (fscanf(m, "%*[^\n]") < 0)
                break;
            continue;
        }
        if (kind == 'f') {
            unsigned long long size, crc;
            if (fscanf(m, "%llu %llx", &size, &crc) != 2)
                break;
            uint64_t total;
            uint32_t got = file_crc(fs, &in, &total, &err);
            CHECK_EQ_INT(err, 0);
            CHECK_EQ_INT(total, size);
            CHECK_EQ_INT(in.size, size);
            CHECK_EQ_INT(got, crc);
            CHECK_EQ_INT(in.mode & 0xf000, 0x8000);
            files++;
        } else if (kind == 's') {
            unsigned long long size, at, crc;
            if (fscanf(m, "%llu %llu %llx", &size, &at, &crc) != 3)
                break;
            CHECK_EQ_INT(in.size, size);
            static uint8_t tail[8192];
            char head[8], zero[4096], none[1];
            CHECK_EQ_INT(ext2_read(fs, &in, 0, head, 4), 4);
            CHECK(memcmp(head, "head", 4) == 0);
            /* The hole, at a few places across it, reads as zeros. */
            for (uint64_t probe = 4096; probe + sizeof zero < at; probe = probe * 3 + 4096) {
                memset(zero, 0x55, sizeof zero);
                CHECK_EQ_INT(ext2_read(fs, &in, probe, zero, sizeof zero), sizeof zero);
                CHECK(zero[0] == 0 && !memcmp(zero, zero + 1, sizeof zero - 1));
            }
            long n = ext2_read(fs, &in, at, tail, sizeof tail);
            CHECK_EQ_INT(n, (long)(size - at));
            CHECK_EQ_INT(crc32(0, tail, n > 0 ? (size_t)n : 0), crc);
            CHECK_EQ_INT(ext2_read(fs, &in, size, none, 1), 0);
            files++;
        } else if (kind == 'd') {
            if (fscanf(m, "%llu", &a2) != 1)
                break;
            CHECK_EQ_INT(count_entries(fs, &in), a2);
            dirs++;
        } else if (kind == 'l') {
            if (fscanf(m, "%4095s", arg) != 1)
                break;
            char target[4096];
            long n = ext2_readlink(fs, &in, target, sizeof target);
            CHECK_EQ_INT(n, (long)strlen(arg));
            CHECK_EQ_STR(target, arg);
            links++;
        }
    }
    fclose(m);
    /* The hard link and its file are one inode, with two names. */
    struct ext2_inode a, b;
    CHECK(resolve(fs, "/hard_link", &a) == 0 && resolve(fs, "/f5_1024", &b) == 0);
    CHECK_EQ_INT(a.ino, b.ino);
    CHECK_EQ_INT(a.links, 2);
    printf("read %u files, %u directories, %u symlinks as the manifest says\n", files, dirs, links);
    CHECK(files > 0 && dirs > 0 && links > 0);
}

/* Visit everything reachable from the root, with bounds: a damaged image
 * may link a directory into itself. Returns how many entries were seen;
 * *errors counts the calls that failed, each with an allowed code. */
static unsigned walk(struct ext2_fs *fs, uint32_t ino, int depth, unsigned *budget, unsigned *errors)
{
    struct ext2_inode in;
    int err = ext2_read_inode(fs, ino, &in);
    if (err) {
        CHECK(err == -EINVAL || err == -EUCLEAN);
        (*errors)++;
        return 0;
    }
    unsigned seen = 1;
    if ((in.mode & 0xf000) == 0x4000 && depth < 24) {
        struct ext2_dirent d;
        uint64_t pos = 0;
        int r;
        while (*budget && (r = ext2_readdir(fs, &in, &pos, &d)) == 1) {
            (*budget)--;
            if (strcmp(d.name, ".") && strcmp(d.name, ".."))
                seen += walk(fs, d.ino, depth + 1, budget, errors);
        }
        if (*budget && r < 0) {
            CHECK(r == -EUCLEAN || r == -EFBIG);
            (*errors)++;
        }
    } else if ((in.mode & 0xf000) == 0xa000) {
        char t[4096];
        long n = ext2_readlink(fs, &in, t, sizeof t);
        if (n < 0) {
            CHECK(n == -EUCLEAN || n == -EFBIG || n == -ENAMETOOLONG);
            (*errors)++;
        }
    } else if ((in.mode & 0xf000) == 0x8000 && in.size < ((uint64_t)1 << 24)) {
        uint64_t total;
        file_crc(fs, &in, &total, &err);
        if (err) {
            CHECK(err == -EUCLEAN || err == -EFBIG);
            (*errors)++;
        }
    }
    return seen;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* The superblock's checks, one field at a time, on a copy. */
static void test_bad_superblocks(const struct ext2_dev *dev)
{
    static const struct { unsigned off, size; uint32_t val; const char *what; } cases[] = {
        {56, 2, 0xef54, "magic"},          {76, 4, 2, "revision"},
        {24, 4, 7, "block size"},          {20, 4, 5, "first data block"},
        {32, 4, 0, "blocks per group"},    {32, 4, 0xffffffff, "blocks per group"},
        {40, 4, 0, "inodes per group"},    {4, 4, 0xffffffff, "blocks count"},
        {4, 4, 1, "blocks count"},         {0, 4, 0xffffffff, "inodes count"},
        {0, 4, 0, "inodes count"},         {88, 2, 100, "inode size"},
        {88, 2, 0, "inode size"},          {84, 4, 0, "first inode"},
        {96, 4, 0x40, "extents"},          {96, 4, 0x4, "journal recovery"},
    };
    uint8_t saved[1024];
    memcpy(saved, image + 1024, sizeof saved);
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *f = image + 1024 + cases[i].off;
        if (cases[i].size == 2) {
            uint16_t v = (uint16_t)cases[i].val;
            memcpy(f, &v, 2);
        } else {
            put32(f, cases[i].val);
        }
        struct ext2_fs fs;
        int err = ext2_open(&fs, dev);
        if (err != -EINVAL)
            fprintf(stderr, "bad %s (case %u): %d\n", cases[i].what, i, err);
        CHECK_EQ_INT(err, -EINVAL);
        CHECK(fs.err[0] != '\0');
        memcpy(image + 1024, saved, sizeof saved);
    }
    /* A journal or an unknown ro_compat feature: readable, not writable. */
    uint32_t ro;
    memcpy(&ro, saved + 100, 4);
    put32(image + 1024 + 100, ro | 0x100);
    struct ext2_fs fs;
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    CHECK(fs.read_only);
    memcpy(image + 1024, saved, sizeof saved);
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    CHECK(!fs.read_only);
    /* A device that fails. */
    reads_failing = 1;
    CHECK_EQ_INT(ext2_open(&fs, dev), -EIO);
    reads_failing = 0;
}

/* Damage that only shows on access: a group's inode table, an inode's
 * block pointer, a directory entry's length. */
static void test_bad_metadata(const struct ext2_dev *dev, const char *file, const char *dirpath)
{
    struct ext2_fs fs;
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    struct ext2_inode in, dir;
    CHECK_EQ_INT(resolve(&fs, file, &in), 0);
    CHECK_EQ_INT(resolve(&fs, dirpath, &dir), 0);
    uint8_t *gd = image + (uint64_t)(fs.first_data_block + 1) * fs.block_size;
    uint8_t saved_gd[32];
    memcpy(saved_gd, gd, 32);
    put32(gd + 8, fs.blocks - 1); /* group 0's inode table at the last block */
    struct ext2_inode x;
    CHECK_EQ_INT(ext2_read_inode(&fs, 2, &x), -EUCLEAN);
    memcpy(gd, saved_gd, 32);

    /* The file's first block pointer past the end: reading it fails. */
    struct ext2_inode broken = in;
    broken.block[0] = fs.blocks + 5;
    char buf[16];
    CHECK_EQ_INT(ext2_read(&fs, &broken, 0, buf, sizeof buf), -EUCLEAN);
    broken = in;
    broken.block[13] = 0xffffffff; /* the double indirect block */
    uint32_t pb;
    CHECK_EQ_INT(ext2_bmap(&fs, &broken, 12 + fs.block_size / 4 + 1, &pb), -EUCLEAN);
    CHECK_EQ_INT(ext2_bmap(&fs, &in, (uint64_t)1 << 40, &pb), -EFBIG);

    /* The directory's first entry: a length of 0, then one past the block. */
    CHECK_EQ_INT(ext2_bmap(&fs, &dir, 0, &pb), 0);
    uint8_t *de = image + (uint64_t)pb * fs.block_size;
    uint8_t saved_de[8];
    memcpy(saved_de, de, 8);
    uint16_t lens[] = {0, 6, (uint16_t)(fs.block_size + 4)};
    for (unsigned i = 0; i < 3; i++) {
        memcpy(de + 4, &lens[i], 2);
        struct ext2_dirent d;
        uint64_t pos = 0;
        CHECK_EQ_INT(ext2_readdir(&fs, &dir, &pos, &d), -EUCLEAN);
    }
    memcpy(de, saved_de, 8);
    put32(de, fs.inodes + 1); /* an inode past the count */
    struct ext2_dirent d;
    uint64_t pos = 0;
    CHECK_EQ_INT(ext2_readdir(&fs, &dir, &pos, &d), -EUCLEAN);
    memcpy(de, saved_de, 8);
    CHECK_EQ_INT(ext2_read_inode(&fs, 0, &x), -EINVAL);
    CHECK_EQ_INT(ext2_read_inode(&fs, fs.inodes + 1, &x), -EINVAL);
    CHECK_EQ_INT(ext2_readdir(&fs, &in, &pos, &d), -ENOTDIR);
    char name[300];
    memset(name, 'a', sizeof name);
    uint32_t ino;
    CHECK_EQ_INT(ext2_lookup(&fs, &dir, name, sizeof name, &ino), -ENAMETOOLONG);
    CHECK_EQ_INT(ext2_lookup(&fs, &dir, "no such name", 12, &ino), -ENOENT);
    CHECK_EQ_INT(ext2_readlink(&fs, &in, name, sizeof name), -EINVAL);
}

/* Group descriptors whose bitmaps or inode table leave their group, or
 * lie over the superblock and descriptor copy or over each other: the
 * file system opens read-only, the reason in ro_why (a writer would put
 * inodes and bitmap bits over other files). Each group holding as many
 * inodes as s_inodes_per_group says, or the open is refused. */
static void test_bad_layout(const struct ext2_dev *dev)
{
    struct ext2_fs fs;
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    CHECK(!fs.read_only && !fs.ro_why[0]);
    uint8_t *gdt = image + (uint64_t)(fs.first_data_block + 1) * fs.block_size;
    uint32_t g1 = fs.first_data_block + fs.blocks_per_group; /* group 1's first block */
    uint32_t bb0, ib0, t0;
    memcpy(&bb0, gdt, 4);
    memcpy(&ib0, gdt + 4, 4);
    memcpy(&t0, gdt + 8, 4);
    static const struct { unsigned field; int which; const char *why; } cases[] = {
        {8, 0, "group 0's inode table outside its group"},           /* onto the last blocks */
        {4, 1, "group 0's bitmaps and inode table overlap"},         /* into its own table */
        {8, 2, "group 0's bitmap or inode table over the superblock or descriptors"},
        {0, 3, "group 0's bitmaps and inode table overlap"},         /* the inode bitmap's block */
        /* with two groups or more: */
        {32 + 8, 4, "group 1's inode table outside its group"},     /* onto group 0's table */
        {32 + 0, 5, "group 1's block bitmap outside its group"},    /* shared with group 0 */
        {32 + 4, 6, "group 1's bitmap or inode table over the superblock or descriptors"}, /* backup */
    };
    uint32_t vals[] = {fs.blocks - 1, t0 + 1, fs.first_data_block + 1, ib0, t0, bb0, g1};
    uint8_t saved[64];
    memcpy(saved, gdt, sizeof saved);
    for (unsigned i = 0; i < (fs.groups >= 2 ? 7u : 4u); i++) {
        put32(gdt + cases[i].field, vals[cases[i].which]);
        int err = ext2_open(&fs, dev);
        CHECK_EQ_INT(err, 0);
        if (strcmp(fs.ro_why, cases[i].why))
            fprintf(stderr, "layout case %u: \"%s\", not \"%s\"\n", i, fs.ro_why, cases[i].why);
        CHECK(fs.read_only && !strcmp(fs.ro_why, cases[i].why));
        memcpy(gdt, saved, sizeof saved);
    }
    /* s_inodes_per_group one less (its bitmaps and tables still fit) and
     * s_inodes_count left: refused, as is the count alone one less. */
    uint8_t sb[1024];
    memcpy(sb, image + 1024, sizeof sb);
    uint32_t ipg, count;
    memcpy(&ipg, sb + 40, 4);
    memcpy(&count, sb, 4);
    put32(image + 1024 + 40, ipg - 8);
    CHECK_EQ_INT(ext2_open(&fs, dev), -EINVAL);
    CHECK(!strcmp(fs.err, "inode count not inodes per group times groups"));
    memcpy(image + 1024, sb, sizeof sb);
    put32(image + 1024, count - 1);
    CHECK_EQ_INT(ext2_open(&fs, dev), -EINVAL);
    memcpy(image + 1024, sb, sizeof sb);
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    CHECK(!fs.read_only);
}

/* An inode reached by a name that is not to be used: each refused with
 * its reason (the kernel's make_node() asks this of every inode). */
static void test_bad_inodes(const struct ext2_dev *dev, const char *file)
{
    struct ext2_fs fs;
    struct ext2_inode in, bad;
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    CHECK_EQ_INT(resolve(&fs, file, &in), 0);
    CHECK_EQ_INT(ext2_check_inode(&fs, &in), 0);
    uint64_t p = fs.block_size / 4, reach = (12 + p + p * p + p * p * p) * fs.block_size;
    struct { uint16_t mode, links; uint64_t size; const char *why; } cases[] = {
        {0x8000 | 0644, 0, 10, "a deleted inode (no links) still named"},
        {0x4000 | 0755, 0, 1024, "a deleted inode (no links) still named"},
        {0xa000 | 0777, 0, 5, "a deleted inode (no links) still named"},
        {0x2000 | 0644, 0, 0, "a deleted inode (no links) still named"},
        {0x8000 | 0644, 1, (uint64_t)-1, "a size past what the block map can address"}, /* "negative" */
        {0x8000 | 0644, 1, reach + 1, "a size past what the block map can address"},
        {0xa000 | 0777, 1, fs.block_size, "a symlink longer than a block"},
        {0xa000 | 0777, 1, 0xffffffffu, "a symlink longer than a block"},
        {0xe000 | 0644, 1, 0, "an inode of no known type"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad = in;
        bad.mode = cases[i].mode, bad.links = cases[i].links, bad.size = cases[i].size;
        fs.err[0] = '\0';
        CHECK_EQ_INT(ext2_check_inode(&fs, &bad), -EUCLEAN);
        if (strcmp(fs.err, cases[i].why))
            fprintf(stderr, "inode case %u: \"%s\"\n", i, fs.err);
        CHECK(!strcmp(fs.err, cases[i].why));
    }
    bad = in;
    bad.size = reach; /* the map's very end: a sparse file may be that large */
    CHECK_EQ_INT(ext2_check_inode(&fs, &bad), 0);
}

/* Random bytes where the walk will meet them: the first 64 inodes of group
 * 0 (the root, lost+found and the top of the tree) and the root
 * directory's first block. Every walk ends, with errors or data, inside
 * the image. */
static void test_random_damage(const struct ext2_dev *dev)
{
    struct ext2_fs fs;
    struct ext2_inode root;
    uint32_t root_block;
    CHECK_EQ_INT(ext2_open(&fs, dev), 0);
    CHECK_EQ_INT(ext2_read_inode(&fs, 2, &root), 0);
    CHECK_EQ_INT(ext2_bmap(&fs, &root, 0, &root_block), 0);
    uint32_t table;
    memcpy(&table, image + (uint64_t)(fs.first_data_block + 1) * fs.block_size + 8, 4);
    struct { uint64_t at, len; } areas[] = {
        {(uint64_t)table * fs.block_size, 64 * fs.inode_size},
        {(uint64_t)root_block * fs.block_size, fs.block_size},
    };
    uint8_t *saved[2];
    for (int a = 0; a < 2; a++) {
        saved[a] = malloc(areas[a].len);
        memcpy(saved[a], image + areas[a].at, areas[a].len);
    }
    srand(12345);
    unsigned errors = 0, seen = 0;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 4; k++) {
            int a = rand() % 2;
            image[areas[a].at + (uint64_t)rand() % areas[a].len] = (uint8_t)rand();
        }
        unsigned budget = 3000;
        seen += walk(&fs, 2, 0, &budget, &errors);
        for (int a = 0; a < 2; a++)
            memcpy(image + areas[a].at, saved[a], areas[a].len);
    }
    for (int a = 0; a < 2; a++)
        free(saved[a]);
    printf("random damage: 200 images, %u inodes visited, %u errors reported on access\n", seen, errors);
    CHECK(errors > 0); /* the damage was met */
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_ext2 IMAGE MANIFEST FILE DIR\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    CHECK(f != NULL);
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    image_size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    image = malloc(image_size);
    CHECK(image && fread(image, 1, image_size, f) == image_size);
    fclose(f);
    struct ext2_dev dev = {.read = img_read, .write = img_write, .ctx = image, .size = image_size};
    struct ext2_fs fs;
    int err = ext2_open(&fs, &dev);
    CHECK_EQ_INT(err, 0);
    if (err)
        fprintf(stderr, "ext2_open: %s\n", fs.err);
    printf("%s: %u-byte blocks, %u groups, %u inodes of %u bytes\n", argv[1], fs.block_size, fs.groups,
           fs.inodes, fs.inode_size);
    check_manifest(&fs, argv[2]);
    test_bad_superblocks(&dev);
    test_bad_metadata(&dev, argv[3], argv[4]);
    test_bad_layout(&dev);
    test_bad_inodes(&dev, argv[3]);
    test_random_damage(&dev);
    free(image);
    return CHECK_DONE("test_ext2");
}
