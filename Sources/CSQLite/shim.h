#include <sqlite3.h>

// SQLITE_TRANSIENT and SQLITE_STATIC are macros over function-pointer casts, which Swift cannot import.
static inline sqlite3_destructor_type keywatch_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type keywatch_sqlite_static(void) { return SQLITE_STATIC; }
