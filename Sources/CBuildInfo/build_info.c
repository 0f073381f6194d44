#include "CBuildInfo.h"

// scripts/package writes build-info.h (ignored by git) before a release build and removes it
// after; a developer's build has none, and says so.
#if __has_include("build-info.h")
#include "build-info.h"
#endif

#ifndef TAMWATCH_COMMIT
#define TAMWATCH_COMMIT ""
#endif
#ifndef TAMWATCH_BUILD_DATE
#define TAMWATCH_BUILD_DATE ""
#endif
#ifndef TAMWATCH_SWIFT
#define TAMWATCH_SWIFT ""
#endif

const char *tamwatch_build_commit(void) { return TAMWATCH_COMMIT; }
const char *tamwatch_build_date(void) { return TAMWATCH_BUILD_DATE; }
const char *tamwatch_build_swift(void) { return TAMWATCH_SWIFT; }
