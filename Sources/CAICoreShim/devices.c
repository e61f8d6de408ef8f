// devices.c — the device allowlist of an instance's cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE
// program, attached to the instance's cgroup, that allows exactly the listed devices (runc's
// devicefilter does the same; cgroup v2 has no devices.allow). Assembled here by hand: no libbpf.
#include "aicore_shim.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn i;
  memset(&i, 0, sizeof i);
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

// Registers: r1 the context; r2 the device type, r3 the access asked, r4 major, r5 minor.
enum { R0, R1, R2, R3, R4, R5 };

// Appends, for one rule, the checks that jump past it when it does not match, then "allow".
// Returns the number of instructions written.
static size_t emit_rule(struct bpf_insn *out, const struct aic_device_rule *rule) {
  // Each check skips the rest of this rule: the count of instructions after it.
  struct bpf_insn body[8];
  size_t n = 0;
  if (rule->type != 'a') {
    int32_t type = rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R2, 0, 0, type);
  }
  // The access asked must be within the rule's: (asked & ~allowed) == 0.
  body[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R0, R3, 0, 0);
  body[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, R0, 0, 0, (int32_t)(~rule->access & 0xffff));
  body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, 0);
  if (rule->major >= 0) body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)rule->major);
  if (rule->minor >= 0) body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)rule->minor);
  body[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
  body[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = 0; i < n; i++) {
    out[i] = body[i];
    // Every conditional jump goes to the first instruction after this rule.
    if ((body[i].code & 0x07) == BPF_JMP && (body[i].code & 0xf0) == BPF_JNE) out[i].off = (int16_t)(n - 1 - i);
  }
  return n;
}

int aic_devices_attach(int cgroup_fd, const struct aic_device_rule *rules, size_t nrules) {
  if (nrules > 64) return -E2BIG;
  struct bpf_insn prog[6 + 64 * 8 + 2];
  size_t n = 0;
  // r2 = type, r3 = access (access_type = access << 16 | type), r4 = major, r5 = minor.
  prog[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
  prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0);
  prog[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
  prog[n++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, R3, 0, 0, 16);
  prog[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
  prog[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
  for (size_t i = 0; i < nrules; i++) n += emit_rule(prog + n, &rules[i]);
  // Nothing matched: deny.
  prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
  prog[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

  union bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uint64_t)(uintptr_t)prog;
  load.insn_cnt = (uint32_t)n;
  load.license = (uint64_t)(uintptr_t) "Apache-2.0";
  int prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (prog_fd < 0) return -errno;

  union bpf_attr attach;
  memset(&attach, 0, sizeof attach);
  attach.target_fd = (uint32_t)cgroup_fd;
  attach.attach_bpf_fd = (uint32_t)prog_fd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  // The cgroup holds the program; its descriptor is not needed after this.
  int rc = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
  int saved = errno;
  close(prog_fd);
  return rc < 0 ? -saved : 0;
}
