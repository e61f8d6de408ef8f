// lockdown.c — a long-lived helper process of the agent gives up what it does not need.
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int aic_keep_only_capabilities(uint64_t keep) {
  // The bounding set first: dropping from it needs CAP_SETPCAP, which the capset below removes.
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return errno;
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return errno;
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2] = {{0}, {0}};
  data[0].effective = data[0].permitted = (uint32_t)(keep & 0xffffffffu);
  data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) return errno;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return errno;
  return 0;
}

int aic_load_seccomp_filter(const uint64_t *instructions, size_t count) {
  if (count == 0 || count > BPF_MAXINSNS) return EINVAL;
  struct sock_filter *filter = calloc(count, sizeof *filter);
  if (!filter) return ENOMEM;
  for (size_t i = 0; i < count; i++) {
    uint64_t v = instructions[i];
    filter[i] = (struct sock_filter){.code = (uint16_t)(v & 0xffff), .jt = (uint8_t)((v >> 16) & 0xff),
                                     .jf = (uint8_t)((v >> 24) & 0xff), .k = (uint32_t)(v >> 32)};
  }
  struct sock_fprog prog = {.len = (unsigned short)count, .filter = filter};
  int rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? errno : 0;
  free(filter);
  return rc;
}
