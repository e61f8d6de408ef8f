// aicore-init — PID 1 of every instance. The agent's clone sets up the instance's filesystem and
// then execs this program from a sealed memfd, so the instance's init holds none of the agent's
// memory. Not meant to be run by hand: see docs/runtime.md.
#include "aicore_shim.h"
#include <stdbool.h>

int main(int argc, char **argv) { aic_init_program_main(argc, argv); }

// SwiftPM links every executable through swiftc, which adds swiftrt.o: its constructor registers
// the image's Swift metadata with the Swift runtime. This program has no Swift code, so these two
// stand-ins keep the linker from pulling the whole static Swift runtime in for them: the program
// stays a few hundred KiB instead of 10 MiB, which the agent copies into a memfd and the kernel
// maps at every exec.
void swift_addNewDSOImage(const void *sections) { (void)sections; }
bool _swift_backtrace_isThunkFunction(const char *name) {
  (void)name;
  return false;
}
