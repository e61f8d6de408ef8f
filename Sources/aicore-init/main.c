// aicore-init — PID 1 of every instance. The agent's clone sets up the instance's filesystem and
// then execs this program from a sealed memfd, so the instance's init holds none of the agent's
// memory. Not meant to be run by hand: see docs/runtime.md.
#include "aicore_shim.h"

int main(int argc, char **argv) { aic_init_program_main(argc, argv); }
