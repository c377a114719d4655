#include <sqlite3.h>

// SQLITE_TRANSIENT and SQLITE_STATIC are macros over function-pointer casts, which Swift cannot import.
static inline sqlite3_destructor_type keywatch_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type keywatch_sqlite_static(void) { return SQLITE_STATIC; }

// sqlite3_config is variadic. Memory statistics take a global mutex on every allocation; keywatch
// reads none of them, but SQLite enforces a heap limit only while they are on. Must run before the
// first connection opens (later it returns SQLITE_MISUSE and changes nothing).
static inline int keywatch_sqlite_memory_statistics(int on) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, on); }
