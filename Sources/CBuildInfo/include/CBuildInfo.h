#ifndef KEYWATCH_CBUILDINFO_H
#define KEYWATCH_CBUILDINFO_H

/// The git commit the binary was built from (`make build` passes it as KEYWATCH_COMMIT), or
/// "unknown" when built without it (a plain `swift build`).
const char *keywatch_commit(void);

#endif
