/* The kernel's (fuzz_lwip.c): only lwipopts.h differs for the host, and
 * kernel/net/lwip/include's string.h and stdlib.h stay off the path. */
#include "../../../../kernel/net/lwip/include/arch/cc.h"
