/**
 * @file string.h
 * @brief lwIP's `#include <string.h>`: the kernel's string functions (there
 *        is no C library; this directory is on lwIP's include path only).
 */
#ifndef LWIP_PORT_STRING_H
#define LWIP_PORT_STRING_H
#include <kernel/string.h>
#endif
