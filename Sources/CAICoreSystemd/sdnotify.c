// sdnotify.c — systemd notify glue (libsystemd) for the agent's Type=notify service.
#include "aicore_systemd.h"
#include <systemd/sd-daemon.h>

int aic_sd_notify(const char *state) { return sd_notify(0, state); }
int aic_sd_watchdog_usec(uint64_t *usec) { return sd_watchdog_enabled(0, usec); }
int aic_sd_booted(void) { return sd_booted(); }
