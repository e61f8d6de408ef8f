// files.c — file calls that Glibc's Swift overlay does not export (they need _GNU_SOURCE).
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <unistd.h>

ssize_t aic_copy_file_range(int in_fd, int out_fd, size_t len) {
  return copy_file_range(in_fd, NULL, out_fd, NULL, len, 0);
}
