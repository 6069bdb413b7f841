/**
 * @file kernel/signo.h
 * @brief Signal numbers and codes of the Linux ABI (the same on every arch
 *        here): constants, for every layer that names a signal (the line
 *        discipline's Ctrl-C, a pipe's SIGPIPE) without the processes.
 */
#ifndef KERNEL_SIGNO_H
#define KERNEL_SIGNO_H

/* Signal numbers and codes of the Linux ABI (the same on every arch here). */
/** @cond LINUX_ABI */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGSYS 31
/** @endcond */

#define SEGV_MAPERR 1 /**< no mapping at the address */
#define SEGV_ACCERR 2 /**< mapped, but not for this access */
#define BUS_ADRALN 1  /**< misaligned */
#define BUS_ADRERR 2  /**< no object at the address (a file mapping past the file's end) */
#define BUS_OBJERR 3  /**< a hardware error at the address */
#define ILL_ILLOPC 1  /**< illegal opcode */
#define FPE_INTDIV 1  /**< integer division by zero */
#define FPE_FLTDIV 3  /**< floating-point division by zero */
#define FPE_FLTOVF 4  /**< floating-point overflow */
#define FPE_FLTUND 5  /**< floating-point underflow */
#define FPE_FLTRES 6  /**< floating-point inexact result */
#define FPE_FLTINV 7  /**< floating-point invalid operation */
#define TRAP_BRKPT 1  /**< breakpoint */
#define TRAP_TRACE 2  /**< a single step */
#define CLD_EXITED 1    /**< SIGCHLD, waitid(): the child exited */
#define CLD_KILLED 2    /**< a signal ended it */
#define CLD_DUMPED 3    /**< a signal ended it, with a core dump */
#define CLD_STOPPED 5   /**< it stopped */
#define CLD_CONTINUED 6 /**< it continued */
#define SI_QUEUE (-1)  /**< sigqueue() */
#define SI_TIMER (-2)  /**< a POSIX timer's expiry */
#define SI_KERNEL 0x80 /**< sent by the kernel, no address (x86_64's general protection fault) */

#endif
