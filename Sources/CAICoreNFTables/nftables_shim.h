#ifndef AICORE_NFTABLES_SHIM_H
#define AICORE_NFTABLES_SHIM_H
#include <nftables/libnftables.h>
#endif
