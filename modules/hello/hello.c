/*
 * The hello module: the smallest module that uses every kind of section and
 * the relocations a compiler emits for them: code calling the kernel
 * (kprintf, through its export), a string in .rodata, a counter in .data,
 * an array in .bss, and a table of function pointers (absolute addresses
 * filled in at load time). `modload hello.ko` prints its greeting;
 * kernel/module/module_tests.c checks what module_init computed.
 */
#include <kernel/kprintf.h>
#include <kernel/module.h>
#include <stdint.h>

uint32_t hello_sum(void);
void hello_fault(void);

const char module_name[] = "hello";

static const char greeting[] = "hello: module_init";

int hello_loads = 100;      /* .data: 101 after module_init */
uint32_t hello_squares[16]; /* .bss: zero until module_init */

static uint32_t square(uint32_t x) { return x * x; }
static uint32_t twice(uint32_t x) { return 2 * x; }
/* global, so the compiler keeps the table: absolute addresses relocated at load */
uint32_t (*hello_ops[])(uint32_t) = {square, twice};

/* Called by the ktest through module_symbol(): the sum of the squares. */
uint32_t hello_sum(void)
{
    uint32_t s = 0;
    for (int i = 0; i < 16; i++)
        s += hello_squares[i];
    return s;
}

/* `fault module` calls it: a store to address 8 faults inside the module,
 * and the panic names hello:hello_fault. */
void hello_fault(void)
{
    *(volatile uint32_t *)(uintptr_t)8 = 1;
}

int module_init(void)
{
    for (uint32_t i = 0; i < 16; i++)
        hello_squares[i] = hello_ops[i & 1](i); /* odd: 2i, even: i*i */
    hello_loads++;
    kprintf("%s (%d)\n", greeting, hello_loads);
    return 0;
}

void module_exit(void)
{
    kprintf("hello: module_exit\n");
}
