/* The kernel's types (fuzz_lwip.c implements them for one thread). */
#include "../../../../kernel/net/lwip/include/arch/sys_arch.h"
