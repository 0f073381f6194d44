#include "CBuildInfo.h"

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
