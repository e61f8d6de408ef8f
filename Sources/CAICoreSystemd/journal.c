// journal.c — sd_journal_sendv for the journald logging driver: the agent forwards each line
// an instance's init wrote to its log file (the init is static and links no libsystemd).
#include "aicore_systemd.h"
#include <systemd/sd-journal.h>

int aic_sd_journal_sendv(const struct iovec *fields, int count) { return sd_journal_sendv(fields, count); }
