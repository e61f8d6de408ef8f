// spawnactions.c — posix_spawn helpers glibc hides from Swift (they need _GNU_SOURCE).
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <spawn.h>

int aic_spawn_actions_closefrom(void *actions, int lowfd) {
  return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowfd);
}

short aic_spawn_flag_setsid(void) { return POSIX_SPAWN_SETSID; }
