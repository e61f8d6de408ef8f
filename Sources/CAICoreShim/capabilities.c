// capabilities.c — capability names and numbers via libcap (parent side only).
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/types.h>

int aic_cap_from_name(const char *name) {
  if (!name) return -1;
  char buf[64];
  const char *n = name;
  if (strncasecmp(n, "CAP_", 4) != 0) {
    snprintf(buf, sizeof buf, "cap_%s", n);
    n = buf;
  }
  cap_value_t v;
  if (cap_from_name(n, &v) < 0) return -1;
  return (int)v;
}

int aic_cap_last_cap(void) {
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    int v = -1;
    int ok = fscanf(f, "%d", &v) == 1;
    fclose(f);
    if (ok && v > 0) return v;
  }
  return (int)cap_max_bits() - 1;
}

int aic_cap_name(int cap, char *buf, size_t len) {
  char *n = cap_to_name((cap_value_t)cap);
  if (!n) return -1;
  int numeric = n[0] >= '0' && n[0] <= '9';
  snprintf(buf, len, "%s", n);
  cap_free(n);
  return numeric ? -1 : 0;
}
