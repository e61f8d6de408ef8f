// overlay.c — mounts an image's overlayfs root, its lowerdirs named relative to the layer
// store. mount(2) takes its options in one page, which absolute layer paths would fill after
// about forty layers; relative names need a working directory, and a process's is shared by all
// of its threads. So the mount runs on a thread of its own that first gives itself a private fs
// context (unshare CLONE_FS) and then changes directory: no other thread of the agent ever sees
// that directory.
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

struct overlay_job {
  const char *base;
  const char *target;
  const char *data;
  int err;
};

static void *overlay_mount_thread(void *arg) {
  struct overlay_job *job = arg;
  if (unshare(CLONE_FS) < 0 || chdir(job->base) < 0 ||
      mount("overlay", job->target, "overlay", 0, job->data) < 0) {
    job->err = errno;
  }
  return NULL;
}

int aic_mount_overlay(const char *base, const char *target, const char *data) {
  struct overlay_job job = {.base = base, .target = target, .data = data, .err = 0};
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, overlay_mount_thread, &job);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  pthread_join(thread, NULL);
  if (job.err != 0) {
    errno = job.err;
    return -1;
  }
  return 0;
}
