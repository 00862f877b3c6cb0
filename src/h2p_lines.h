/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_lines.h
 * @brief The Link header lines of a response: taken apart into
 *        candidates, put back as decided.
 *
 * Pure C on APR tables (a response's headers_out and err_headers_out).
 * Between h2p_lines_collect() and h2p_lines_emit() nothing else may add
 * or remove headers of those tables.
 */
#ifndef H2P_LINES_H
#define H2P_LINES_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "h2p_policy.h"

typedef struct h2p_lines h2p_lines;

/** Parse every Link line of t1, then of t2 (either may be NULL), and
 *  append a candidate (H2P_SRC_LINK) for each malformed or rel=preload
 *  link-value to 'cands', in order. NULL when there is no Link line. */
h2p_lines *h2p_lines_collect(apr_pool_t *p, apr_table_t *t1, apr_table_t *t2,
                             apr_array_header_t *cands);

/** Put the lines back as decided, in order and in the table each came
 *  from: every link-value as a Link header of its own, in the text
 *  h2p_link_emit() gives it (malformed ones dropped). A line that holds
 *  one link-value is rewritten where it stands. */
void h2p_lines_emit(apr_pool_t *p, h2p_lines *ls,
                    const apr_array_header_t *cands);

#endif /* H2P_LINES_H */
