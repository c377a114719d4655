// The commit is linked in, not compiled in: `make build` compiles a one-line object that defines
// keywatch_commit and passes it to the linker, whose strong definition replaces this weak one. This
// file never changes, so a new commit relinks the binary and recompiles nothing — a define here
// would make the keywatch module, which SwiftPM rebuilds whenever an object it depends on changes,
// compile again.
#include "CBuildInfo.h"

__attribute__((weak)) const char *keywatch_commit(void) {
    return "unknown";
}
