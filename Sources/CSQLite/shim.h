#include <sqlite3.h>

// SQLITE_TRANSIENT and SQLITE_STATIC are macros over function-pointer casts, which Swift cannot import.
static inline sqlite3_destructor_type keywatch_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type keywatch_sqlite_static(void) { return SQLITE_STATIC; }

// sqlite3_config is variadic. Memory statistics take a global mutex on every allocation; keywatch
// reads none of them. Must run before the first connection opens (later it is a harmless no-op).
static inline int keywatch_sqlite_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
