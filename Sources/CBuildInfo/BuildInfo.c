// The commit lives in C, not Swift, so that a new commit recompiles this one file and relinks:
// a define in a Swift target's settings would rebuild the whole module (minutes in release).
#include "CBuildInfo.h"

#ifndef KEYWATCH_COMMIT
#define KEYWATCH_COMMIT "unknown"
#endif

const char *keywatch_commit(void) {
    return KEYWATCH_COMMIT;
}
