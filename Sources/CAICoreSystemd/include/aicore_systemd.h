// aicore_systemd.h — the agent's systemd glue (libsystemd), apart from CAICoreShim so that the
// instance init (a static binary built from CAICoreShim) links no shared-only library.
#ifndef AICORE_SYSTEMD_H
#define AICORE_SYSTEMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

int aic_sd_notify(const char *state);        // sd_notify(0, state): >0 sent, 0 no socket, <0 -errno
int aic_sd_watchdog_usec(uint64_t *usec);    // sd_watchdog_enabled(0, usec)
int aic_sd_booted(void);                     // sd_booted(): >0 when PID 1 is systemd

// sd_journal_sendv: one entry of `count` fields, each `NAME=value` (the value may hold any
// byte). 0 sent, <0 -errno (-ENOENT or -ECONNREFUSED: no journald listening).
int aic_sd_journal_sendv(const struct iovec *fields, int count);

// One property of a transient unit, as StartTransientUnit takes it (a(sv)).
enum aic_sd_property_type {
  AIC_SD_PROPERTY_STRING = 1,   // "s": string
  AIC_SD_PROPERTY_BOOL = 2,     // "b": number != 0
  AIC_SD_PROPERTY_UINT64 = 3,   // "t": number
  AIC_SD_PROPERTY_PIDS = 4,     // "au": the one pid in number
  AIC_SD_PROPERTY_BYTES = 5,    // "ay": count bytes at bytes (AllowedCPUs=, a CPU bit mask)
  AIC_SD_PROPERTY_PATH_VALUES = 6, // "a(st)": count pairs of paths[i], values[i] (IODeviceWeight=, IO…Max=)
};

struct aic_sd_property {
  const char *name;
  int32_t type;                 // enum aic_sd_property_type
  const char *string;
  uint64_t number;
  const uint8_t *bytes;         // BYTES
  const char *const *paths;     // PATH_VALUES
  const uint64_t *values;       // PATH_VALUES
  size_t count;                 // BYTES, PATH_VALUES
};

// Every call below opens its own connection to systemd (its private socket when root, else the
// system bus) and closes it before returning: sd-bus connections are not for sharing between
// threads, and the callers run on threads of their own. On failure they return -errno and, when
// `error` is not NULL, put the D-Bus error's name and message (or what failed) into it.
// -ENOENT: no such unit; -EEXIST: a unit of that name is loaded already; -ETIMEDOUT: the job did
// not finish within timeout_usec; -EIO: the job finished with another result than "done".

// The manager's Version property: whether the bus answers and it is systemd's.
int aic_sd_manager_version(char *version, size_t version_len, char *error, size_t error_len);

// StartTransientUnit(name, "fail", properties, no auxiliary units), then waits until the job's
// JobRemoved signal says it finished.
int aic_sd_start_transient_unit(const char *name, const struct aic_sd_property *properties,
                                size_t count, uint64_t timeout_usec, char *error, size_t error_len);

// StopUnit(name, "replace") and waits for the job.
int aic_sd_stop_unit(const char *name, uint64_t timeout_usec, char *error, size_t error_len);

// ResetFailedUnit(name).
int aic_sd_reset_failed_unit(const char *name, char *error, size_t error_len);

#endif
