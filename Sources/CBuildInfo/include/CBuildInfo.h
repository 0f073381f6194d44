#ifndef TAMWATCH_CBUILDINFO_H
#define TAMWATCH_CBUILDINFO_H

// What a release build was made from, set by scripts/package with -Xcc -D...; empty strings in
// a build that did not set them (a developer's `swift build`).
const char *tamwatch_build_commit(void);
const char *tamwatch_build_date(void);
const char *tamwatch_build_swift(void);

#endif
