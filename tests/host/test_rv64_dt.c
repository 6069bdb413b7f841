/*
 * riscv64's reading of /cpus (arch/riscv64/dt.c) over trees built here:
 * QEMU virt's shape, and what no firmware this project boots would pass
 * (OpenSBI 1.1 stops before the kernel without timebase-frequency, and
 * always has HSM and RFENCE), so the kernel's answers to them are checked
 * here: no clock without timebase-frequency, said once; Sstc found only as
 * a whole extension name; each hart's way to start or why it cannot
 * (status, an mmu-type without the kernel's mode, an SBI without HSM or
 * RFENCE); the boot hart's mmu-type.
 */
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <string.h>

#include "check.h"
#include "fdt_builder.h"
#include "log_capture.h"

#include "../../arch/riscv64/dt.h"

static struct fdt f;

static void cpu(const char *name, uint32_t reg, const char *isa, const char *mmu, const char *status)
{
    b_node(name);
    b_str("device_type", "cpu");
    b_u32("reg", reg);
    if (status)
        b_str("status", status);
    if (isa)
        b_str("riscv,isa", isa);
    if (mmu)
        b_str("mmu-type", mmu);
    b_end();
}

/* A virt-like tree: 4 harts of every kind, with or without the clock. */
static void build(int timebase, const char *isa0)
{
    b_reset();
    b_node("");
    b_u32("#address-cells", 2);
    b_u32("#size-cells", 2);
    b_node("cpus");
    b_u32("#address-cells", 1);
    b_u32("#size-cells", 0);
    if (timebase)
        b_u32("timebase-frequency", 10000000);
    cpu("cpu@0", 0, isa0, "riscv,sv48", "okay");
    cpu("cpu@1", 1, "rv64imac", "riscv,sv39", NULL);
    cpu("cpu@2", 2, "rv64imac", "riscv,sv57", "disabled");
    cpu("cpu@3", 3, "rv64imac", NULL, NULL);
    b_node("cpu-map");
    b_end();
    b_end();
    b_end();
    uint32_t len = b_finish();
    CHECK_EQ_INT(fdt_init(&f, blob, len), 0);
}

static void test_clock(void)
{
    uint32_t hz = 0;
    int sstc = -1;
    build(1, "rv64imafdch_zicsr_zifencei_sstc");
    CHECK_EQ_INT(rv_dt_clock(&f, &hz, &sstc), 0);
    CHECK_EQ_INT(hz, 10000000);
    CHECK_EQ_INT(sstc, 1);
    build(1, "rv64imafdch_zicsr_sstcx_svpbmt"); /* a longer name is not Sstc */
    CHECK_EQ_INT(rv_dt_clock(&f, &hz, &sstc), 0);
    CHECK_EQ_INT(sstc, 0);
    build(1, "rv64imafdch_sstc_zicsr");
    CHECK_EQ_INT(rv_dt_clock(&f, &hz, &sstc), 0);
    CHECK_EQ_INT(sstc, 1);
    CHECK(!rv_isa_has("rv64imacsstc", "sstc")); /* single letters, not an extension name */
    log_reset();
    build(0, "rv64imac_sstc");
    CHECK_EQ_INT(rv_dt_clock(&f, &hz, &sstc), -ENOENT);
    CHECK(log_has("no timebase-frequency: no clock, no timer"));
    CHECK_EQ_INT(log_messages(), 1);
}

static void test_harts(void)
{
    struct hal_cpu_desc d[4];
    build(1, "rv64imac_sstc");
    const unsigned all = RV_SBI_HSM | RV_SBI_RFENCE;
    CHECK_EQ_INT(rv_dt_harts(&f, all, 0, d, 4), 4); /* cpu-map is not a hart */
    CHECK(d[0].method && strcmp(d[0].method, "sbi-hsm") == 0 && d[0].hwid == 0);
    CHECK(!d[1].method && strstr(d[1].why, "not Sv48 or wider"));
    CHECK(!d[2].method && strstr(d[2].why, "status"));
    CHECK(!d[3].method && strstr(d[3].why, "mmu-type")); /* none given */
    CHECK_EQ_INT(rv_dt_harts(&f, all, 1, d, 4), 4); /* the kernel in Sv39: hart 1 fits */
    CHECK(d[1].method && d[1].hwid == 1);
    CHECK_EQ_INT(rv_dt_harts(&f, RV_SBI_RFENCE, 0, d, 4), 4);
    CHECK(!d[0].method && strstr(d[0].why, "no HSM"));
    CHECK_EQ_INT(rv_dt_harts(&f, RV_SBI_HSM, 0, d, 4), 4);
    CHECK(!d[0].method && strstr(d[0].why, "no RFENCE"));
    CHECK_EQ_INT(rv_dt_harts(&f, all, 0, d, 2), 4); /* more than room: counted, 2 described */
    CHECK(strcmp(rv_dt_mmu_type(&f, 1), "riscv,sv39") == 0);
    CHECK(rv_dt_mmu_type(&f, 3) == NULL && rv_dt_mmu_type(&f, 9) == NULL);
    b_reset();
    b_node("");
    b_end();
    CHECK_EQ_INT(fdt_init(&f, blob, b_finish()), 0);
    CHECK_EQ_INT(rv_dt_harts(&f, all, 0, d, 4), -ENOENT);
}

int main(void)
{
    test_clock();
    test_harts();
    return CHECK_DONE("test_rv64_dt");
}
