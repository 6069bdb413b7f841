/**
 * @file arch/sys_arch.h
 * @brief lwIP's OS types on the kernel's primitives (kernel/net/lwip/sys_arch.c).
 *
 * Each object is a pointer to a heap structure the port defines, so lwIP's
 * files need none of the kernel's headers; NULL is "invalid".
 */
#ifndef LWIP_ARCH_SYS_ARCH_H
#define LWIP_ARCH_SYS_ARCH_H

struct lwip_port_sem;
struct lwip_port_mbox;
struct mutex;

typedef struct lwip_port_sem *sys_sem_t;   /**< a counting semaphore with timed waits */
typedef struct mutex *sys_mutex_t;         /**< the kernel's mutex (kernel/wait.h) */
typedef struct lwip_port_mbox *sys_mbox_t; /**< a bounded queue of pointers */
typedef int sys_thread_t;                  /**< a kernel thread's id */
typedef unsigned long sys_prot_t;          /**< sys_arch_protect()'s saved interrupt state */

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#define sys_sem_valid(s) ((s) != NULL && *(s) != NULL)
#define sys_sem_set_invalid(s) do { if (s) *(s) = NULL; } while (0)
#define sys_mutex_valid(m) ((m) != NULL && *(m) != NULL)
#define sys_mutex_set_invalid(m) do { if (m) *(m) = NULL; } while (0)
#define sys_mbox_valid(b) ((b) != NULL && *(b) != NULL)
#define sys_mbox_set_invalid(b) do { if (b) *(b) = NULL; } while (0)

#endif
