#ifndef KEYWATCH_CBUILDINFO_H
#define KEYWATCH_CBUILDINFO_H

/// The git commit the binary was built from (`make build` links it in), or "unknown" when built
/// without it (a plain `swift build`).
const char *keywatch_commit(void);

#endif
