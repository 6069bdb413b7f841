/**
 * @file kernel/shell.h
 * @brief The serial shell.
 */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

/** @brief Read and run command lines forever on the calling thread. */
__attribute__((noreturn)) void shell_run(void);

/** @brief thread_create() entry running shell_run(). */
int shell_thread(void *arg);

#endif
