#ifndef AICORE_ARCHIVE_SHIM_H
#define AICORE_ARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
