/* placeholder: replaced by the scheduler (issue 4) */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H
void sched_irq_exit(void);
#endif
