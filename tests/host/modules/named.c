/**
 * @file tests/host/modules/named.c
 * @brief A module the host tests can load with module_load() on the build
 *        machine: nothing undefined and no module_init, so linking it at an
 *        mmap()ed address never needs a kernel nearby and no code of it runs.
 *
 * test_module.c writes other names into module_name in place (it has room
 * for 47 characters) and corrupts the object to check how names are taken.
 */
const char module_name[48] = "named";

/* an absolute pointer in read-only data: its relocation lies in the
 * section module_name is in, so a test can aim it at the name */
const char *const named_self = module_name;

int named_counter = 1; /* .data */
int named_scratch[4];  /* .bss */

/* a function, so loading it names "named:named_twice" in the code memory;
 * it reaches its data PC-relative only (x86_64 -mcmodel=kernel would
 * address an indexed array with a 32-bit absolute, out of range at a host
 * address) */
int named_twice(int x)
{
    return 2 * x + named_counter;
}

/* one not at offset 0, where a size of ~0 wraps offset + size */
int named_thrice(int x)
{
    return 3 * x + named_counter;
}
