// seccomp.c — compile a seccomp profile to classic BPF with libseccomp, in the parent.
// The child only loads the exported program (identity.c); libseccomp never runs after clone.
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t aic_seccomp_act_allow(void) { return SCMP_ACT_ALLOW; }
uint32_t aic_seccomp_act_errno(uint32_t err) { return SCMP_ACT_ERRNO(err); }
uint32_t aic_seccomp_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
uint32_t aic_seccomp_act_kill_thread(void) { return SCMP_ACT_KILL_THREAD; }
uint32_t aic_seccomp_act_trap(void) { return SCMP_ACT_TRAP; }
uint32_t aic_seccomp_act_log(void) { return SCMP_ACT_LOG; }
uint32_t aic_seccomp_act_trace(uint32_t msg) { return SCMP_ACT_TRACE(msg); }
uint32_t aic_seccomp_act_notify(void) { return SCMP_ACT_NOTIFY; }
uint32_t aic_seccomp_arch_native(void) { return seccomp_arch_native(); }

uint32_t aic_seccomp_arch_resolve(const char *name) {
  if (!name) return 0;
  const char *n = name;
  if (strncmp(n, "SCMP_ARCH_", 10) == 0) n += 10;
  char lower[64];
  size_t i = 0;
  for (; n[i] && i < sizeof lower - 1; i++) {
    char ch = n[i];
    lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
  }
  lower[i] = 0;
  if (strcmp(lower, "x86") == 0) return SCMP_ARCH_X86;  // libseccomp spells it "x86"
  return seccomp_arch_resolve_name(lower);
}

int aic_seccomp_syscall_number(const char *name) {
  int nr = seccomp_syscall_resolve_name(name);
  return nr == __NR_SCMP_ERROR ? -1 : nr;
}

int aic_seccomp_build(const struct aic_seccomp_profile *p, struct sock_filter **out,
                      size_t *count, long *failed_rule) {
  *failed_rule = -1;
  *out = NULL;
  *count = 0;
  scmp_filter_ctx ctx = seccomp_init(p->default_action);
  if (!ctx) return -ENOMEM;
  // The child sets no_new_privs itself, in its own order; the filter must not depend on it.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  int rc = 0;
  for (size_t i = 0; i < p->narches; i++) {
    rc = seccomp_arch_add(ctx, p->arches[i]);
    if (rc < 0 && rc != -EEXIST) goto done;
    rc = 0;
  }
  for (size_t i = 0; i < p->nrules; i++) {
    const struct aic_seccomp_rule *r = &p->rules[i];
    if (r->action == p->default_action) continue;  // libseccomp refuses those; they are no-ops
    int nr = seccomp_syscall_resolve_name(r->name);
    if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: like Docker, skip it
    struct scmp_arg_cmp cmps[6];
    size_t n = r->nargs > 6 ? 6 : r->nargs;
    for (size_t a = 0; a < n; a++) {
      cmps[a].arg = r->args[a].index;
      cmps[a].op = (enum scmp_compare)r->args[a].op;
      cmps[a].datum_a = r->args[a].value;
      cmps[a].datum_b = r->args[a].value_two;
    }
    rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned int)n, cmps);
    if (rc < 0) {
      *failed_rule = (long)i;
      goto done;
    }
  }
  // libseccomp 2.5 exports to an fd only; a memfd keeps it in memory.
  int fd = memfd_create("aicore-seccomp", MFD_CLOEXEC);
  if (fd < 0) {
    rc = -errno;
    goto done;
  }
  rc = seccomp_export_bpf(ctx, fd);
  if (rc == 0) {
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)) {
      rc = -EPROTO;
    } else {
      struct sock_filter *buf = malloc((size_t)st.st_size);
      if (!buf) {
        rc = -ENOMEM;
      } else if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
        rc = -EIO;
        free(buf);
      } else {
        *out = buf;
        *count = (size_t)st.st_size / sizeof(struct sock_filter);
      }
    }
  }
  close(fd);
done:
  seccomp_release(ctx);
  return rc;
}

void aic_seccomp_free(struct sock_filter *filter) { free(filter); }
