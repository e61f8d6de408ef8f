// units.c — transient units over D-Bus (sd-bus): start a scope and wait for its job, stop a
// unit, reset a failed one, ask the manager's version.
#include "aicore_systemd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#define SYSTEMD_SERVICE "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"
#define PRIVATE_SOCKET "/run/systemd/private"

static void set_error(char *error, size_t len, const char *what, int r, const sd_bus_error *e) {
  if (!error || len == 0) return;
  if (e && sd_bus_error_is_set(e))
    snprintf(error, len, "%s: %s: %s", what, e->name, e->message ? e->message : "");
  else
    snprintf(error, len, "%s: %s", what, strerror(r < 0 ? -r : r));
}

// systemd's own error names are not in libsystemd's errno map: the ones callers act on.
static int map_error(const sd_bus_error *e, int r) {
  if (sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit")) return -ENOENT;
  if (sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitExists")) return -EEXIST;
  return r < 0 ? r : -EIO;
}

// root talks to PID 1 directly over its private socket, as systemctl does: no dbus-daemon is
// needed, and nothing else on the bus can send it signals. Everyone else uses the system bus.
static int connect_bus(sd_bus **out, int *direct) {
  *direct = 0;
  if (geteuid() == 0 && access(PRIVATE_SOCKET, F_OK) == 0) {
    sd_bus *bus = NULL;
    int r = sd_bus_new(&bus);
    if (r < 0) return r;
    r = sd_bus_set_address(bus, "unix:path=" PRIVATE_SOCKET);
    if (r >= 0) r = sd_bus_start(bus);
    if (r >= 0) {
      *direct = 1;
      *out = bus;
      return 0;
    }
    sd_bus_unref(bus);
  }
  return sd_bus_open_system(out);
}

// Every call opens its own connection; a failure to connect is reported the same way by each.
static int open_bus(sd_bus **out, int *direct, char *error, size_t error_len) {
  int r = connect_bus(out, direct);
  if (r < 0) set_error(error, error_len, "connect to systemd", r, NULL);
  return r;
}

static uint64_t now_usec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct job_wait {
  const char *job;   // the object path the method returned; NULL until then
  int finished;
  char result[32];
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
  (void)ret_error;
  struct job_wait *w = userdata;
  uint32_t id;
  const char *path, *unit, *result;
  if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
  if (w->job && strcmp(path, w->job) == 0) {
    w->finished = 1;
    snprintf(w->result, sizeof w->result, "%s", result);
  }
  return 0;
}

// Calls `m` (a method returning a job path) and waits for that job's JobRemoved. The match is
// added before the call, so a job that finishes at once is not missed.
static int call_and_wait(sd_bus *bus, int direct, sd_bus_message *m, const char *what, uint64_t timeout_usec,
                         char *error, size_t error_len) {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  sd_bus_slot *slot = NULL;
  struct job_wait w = {0};
  uint64_t deadline = now_usec() + timeout_usec;
  // On the private socket messages carry no sender; on the system bus only systemd's count.
  int r = sd_bus_match_signal(bus, &slot, direct ? NULL : SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE,
                              "JobRemoved", on_job_removed, &w);
  if (r < 0) {
    set_error(error, error_len, "watch JobRemoved", r, NULL);
    return r;
  }
  // systemd sends job signals on the system bus only to subscribed clients (harmless otherwise).
  (void)sd_bus_call_method(bus, SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE, "Subscribe", NULL, NULL, "");
  r = sd_bus_call(bus, m, timeout_usec, &e, &reply);
  if (r < 0) {
    set_error(error, error_len, what, r, &e);
    r = map_error(&e, r);
    goto out;
  }
  const char *job = NULL;
  r = sd_bus_message_read(reply, "o", &job);
  if (r < 0) {
    set_error(error, error_len, what, r, NULL);
    goto out;
  }
  w.job = job;
  while (!w.finished) {
    r = sd_bus_process(bus, NULL);
    if (r < 0) {
      set_error(error, error_len, "wait for the job", r, NULL);
      goto out;
    }
    if (r > 0) continue;
    uint64_t now = now_usec();
    if (now >= deadline) {
      r = -ETIMEDOUT;
      if (error && error_len) snprintf(error, error_len, "%s: job %s did not finish in time", what, job);
      goto out;
    }
    r = sd_bus_wait(bus, deadline - now);
    if (r < 0 && r != -EINTR) {
      set_error(error, error_len, "wait for the job", r, NULL);
      goto out;
    }
  }
  if (strcmp(w.result, "done") != 0) {
    r = -EIO;
    if (error && error_len) snprintf(error, error_len, "%s: job %s finished with result '%s'", what, job, w.result);
    goto out;
  }
  r = 0;
out:
  sd_bus_error_free(&e);
  sd_bus_message_unref(reply);
  sd_bus_slot_unref(slot);
  return r;
}

static int append_property(sd_bus_message *m, const struct aic_sd_property *p) {
  int r = sd_bus_message_open_container(m, 'r', "sv");
  if (r < 0) return r;
  r = sd_bus_message_append(m, "s", p->name);
  if (r < 0) return r;
  switch (p->type) {
  case AIC_SD_PROPERTY_STRING: r = sd_bus_message_append(m, "v", "s", p->string ? p->string : ""); break;
  case AIC_SD_PROPERTY_BOOL: r = sd_bus_message_append(m, "v", "b", p->number != 0); break;
  case AIC_SD_PROPERTY_UINT64: r = sd_bus_message_append(m, "v", "t", p->number); break;
  case AIC_SD_PROPERTY_PIDS: r = sd_bus_message_append(m, "v", "au", 1, (uint32_t)p->number); break;
  case AIC_SD_PROPERTY_BYTES:
    r = sd_bus_message_open_container(m, 'v', "ay");
    if (r >= 0) r = sd_bus_message_append_array(m, 'y', p->bytes, p->count);
    if (r >= 0) r = sd_bus_message_close_container(m);
    break;
  case AIC_SD_PROPERTY_PATH_VALUES:
    r = sd_bus_message_open_container(m, 'v', "a(st)");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(st)");
    for (size_t i = 0; r >= 0 && i < p->count; i++) r = sd_bus_message_append(m, "(st)", p->paths[i], p->values[i]);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    break;
  default: return -EINVAL;
  }
  if (r < 0) return r;
  return sd_bus_message_close_container(m);
}

int aic_sd_start_transient_unit(const char *name, const struct aic_sd_property *properties, size_t count,
                                uint64_t timeout_usec, char *error, size_t error_len) {
  sd_bus *bus = NULL;
  sd_bus_message *m = NULL;
  int direct = 0;
  int r = open_bus(&bus, &direct, error, error_len);
  if (r < 0) return r;
  r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE, "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(m, "ss", name, "fail");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
  for (size_t i = 0; r >= 0 && i < count; i++) r = append_property(m, &properties[i]);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_append(m, "a(sa(sv))", 0);
  if (r < 0) {
    set_error(error, error_len, "build the StartTransientUnit call", r, NULL);
  } else {
    r = call_and_wait(bus, direct, m, "StartTransientUnit", timeout_usec, error, error_len);
  }
  sd_bus_message_unref(m);
  sd_bus_flush_close_unref(bus);
  return r;
}

int aic_sd_stop_unit(const char *name, uint64_t timeout_usec, char *error, size_t error_len) {
  sd_bus *bus = NULL;
  sd_bus_message *m = NULL;
  int direct = 0;
  int r = open_bus(&bus, &direct, error, error_len);
  if (r < 0) return r;
  r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE, "StopUnit");
  if (r >= 0) r = sd_bus_message_append(m, "ss", name, "replace");
  if (r < 0)
    set_error(error, error_len, "build the StopUnit call", r, NULL);
  else
    r = call_and_wait(bus, direct, m, "StopUnit", timeout_usec, error, error_len);
  sd_bus_message_unref(m);
  sd_bus_flush_close_unref(bus);
  return r;
}

int aic_sd_reset_failed_unit(const char *name, char *error, size_t error_len) {
  sd_bus *bus = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int direct = 0;
  int r = open_bus(&bus, &direct, error, error_len);
  if (r < 0) return r;
  r = sd_bus_call_method(bus, SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE, "ResetFailedUnit", &e, NULL, "s", name);
  if (r < 0) {
    set_error(error, error_len, "ResetFailedUnit", r, &e);
    r = map_error(&e, r);
  }
  sd_bus_error_free(&e);
  sd_bus_flush_close_unref(bus);
  return r < 0 ? r : 0;
}

int aic_sd_manager_version(char *version, size_t version_len, char *error, size_t error_len) {
  sd_bus *bus = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  char *value = NULL;
  int direct = 0;
  int r = open_bus(&bus, &direct, error, error_len);
  if (r < 0) return r;
  r = sd_bus_get_property_string(bus, SYSTEMD_SERVICE, SYSTEMD_PATH, MANAGER_INTERFACE, "Version", &e, &value);
  if (r < 0) {
    set_error(error, error_len, "read the manager's Version", r, &e);
    r = map_error(&e, r);
  } else {
    if (version && version_len) snprintf(version, version_len, "%s", value);
    r = 0;
  }
  free(value);
  sd_bus_error_free(&e);
  sd_bus_flush_close_unref(bus);
  return r;
}
