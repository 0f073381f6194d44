#ifndef TAMWATCH_CBUILDINFO_H
#define TAMWATCH_CBUILDINFO_H

// What a release build was made from (scripts/package); empty strings in a developer's build.
const char *tamwatch_build_commit(void);
const char *tamwatch_build_date(void);
const char *tamwatch_build_swift(void);

#endif
