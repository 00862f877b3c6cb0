/* Licensed under the Apache License, Version 2.0 */
/* A tiny unit-test harness: CHECK() counts, unit_done() prints the
 * closing "N passed, N failed" line and gives the exit code. */
#ifndef H2P_UNIT_H
#define H2P_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond, ...) do {                                           \
    if (cond) { unit_passed++; }                                        \
    else {                                                              \
        unit_failed++;                                                  \
        fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__);                                   \
        fputc('\n', stderr);                                            \
    }                                                                   \
} while (0)

/* Compare two strings, either may be NULL. */
#define CHECK_STR(got, want, what) do {                                 \
    const char *g_ = (got), *w_ = (want);                               \
    CHECK((g_ == NULL && w_ == NULL)                                    \
          || (g_ && w_ && strcmp(g_, w_) == 0),                         \
          "%s: got [%s] want [%s]", (what), g_ ? g_ : "(null)",         \
          w_ ? w_ : "(null)");                                          \
} while (0)

static int unit_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
