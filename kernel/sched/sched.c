#include <kernel/sched.h>
void sched_irq_exit(void) {}
