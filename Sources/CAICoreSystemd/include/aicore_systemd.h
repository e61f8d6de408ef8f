// aicore_systemd.h — the agent's systemd glue (libsystemd), apart from CAICoreShim so that the
// instance init (a static binary built from CAICoreShim) links no shared-only library.
#ifndef AICORE_SYSTEMD_H
#define AICORE_SYSTEMD_H

#include <stdint.h>

int aic_sd_notify(const char *state);        // sd_notify(0, state): >0 sent, 0 no socket, <0 -errno
int aic_sd_watchdog_usec(uint64_t *usec);    // sd_watchdog_enabled(0, usec)

#endif
