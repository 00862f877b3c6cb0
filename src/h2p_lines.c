/* Licensed under the Apache License, Version 2.0 */
/*
 * Link header lines in and out. Lines are found by walking the tables'
 * entries (so that a rewrite can change an entry in place), their values
 * parsed into one array of links, and each link remembers nothing of its
 * line: a line is a range of that array.
 */
#include "h2p_lines.h"

typedef struct {
    apr_table_t *table;
    apr_table_entry_t *entry;     /* the Link header as it stands */
    int first, n;                 /* its link-values in links */
} h2p_line;

#define NLINKS 16                 /* room made for a response's links */
#define NLINES 16                 /* and for its Link lines */

struct h2p_lines {
    apr_table_t *t1, *t2;
    apr_array_header_t *links;    /* of h2p_link, every line's in order */
    apr_array_header_t *lines;    /* of h2p_line */
    apr_array_header_t arrays[2]; /* what links and lines point to */
};

/* An empty array of n elements of size at elts (not cleared: every
 * element is set when pushed). */
static apr_array_header_t *array_at(apr_array_header_t *a, apr_pool_t *p,
                                    void *elts, int n, int size)
{
    a->pool = p;
    a->elt_size = size;
    a->nelts = 0;
    a->nalloc = n;
    a->elts = elts;
    return a;
}

static int is_link(const apr_table_entry_t *e)
{
    const char *k = e->key;

    return k && (k[0] | 0x20) == 'l' && (k[1] | 0x20) == 'i'
           && (k[2] | 0x20) == 'n' && (k[3] | 0x20) == 'k' && !k[4];
}

static void collect(apr_pool_t *p, h2p_lines **ls, apr_table_t *t)
{
    const apr_array_header_t *a = t ? apr_table_elts(t) : NULL;
    int i;

    for (i = 0; a && i < a->nelts; ++i) {
        apr_table_entry_t *e = &APR_ARRAY_IDX(a, i, apr_table_entry_t);
        h2p_line *line;

        if (!is_link(e)) {
            continue;
        }
        if (!*ls) {     /* one block: the struct, the links, the lines */
            char *m = apr_palloc(p, sizeof(**ls) + NLINKS * sizeof(h2p_link)
                                    + NLINES * sizeof(h2p_line));

            *ls = (h2p_lines *)m;
            m += sizeof(**ls);
            (*ls)->links = array_at(&(*ls)->arrays[0], p, m, NLINKS,
                                    sizeof(h2p_link));
            (*ls)->lines = array_at(&(*ls)->arrays[1], p,
                                    m + NLINKS * sizeof(h2p_link), NLINES,
                                    sizeof(h2p_line));
        }
        line = h2p_array_push((*ls)->lines);
        line->table = t;
        line->entry = e;
        line->first = (*ls)->links->nelts;
        h2p_link_parse(p, e->val, (*ls)->links);
        line->n = (*ls)->links->nelts - line->first;
    }
}

h2p_lines *h2p_lines_collect(apr_pool_t *p, apr_table_t *t1, apr_table_t *t2,
                             apr_array_header_t *cands)
{
    h2p_lines *ls = NULL;

    collect(p, &ls, t1);
    collect(p, &ls, t2);
    if (ls) {
        ls->t1 = t1;
        ls->t2 = t2;
        /* after the last push: the candidates point into the array */
        h2p_cands_add(cands, ls->links, H2P_SRC_LINK);
    }
    return ls;
}

void h2p_lines_emit(apr_pool_t *p, h2p_lines *ls,
                    const apr_array_header_t *cands)
{
    const char **out;
    const h2p_line *line;
    int i, j, k = 0, in_place = 1;

    if (!ls) {
        return;
    }
    out = apr_palloc(p, ls->links->nelts * sizeof(*out) + 1);
    for (i = 0; i < ls->links->nelts; ++i) {
        const h2p_link *l = &APR_ARRAY_IDX(ls->links, i, h2p_link);
        const h2p_cand *c = NULL;

        if (k < cands->nelts && APR_ARRAY_IDX(cands, k, h2p_cand).link == l) {
            c = &APR_ARRAY_IDX(cands, k++, h2p_cand);
        }
        out[i] = h2p_link_emit(p, l, c);
    }
    line = (h2p_line *)ls->lines->elts;
    for (i = 0; i < ls->lines->nelts && in_place; ++i) {
        in_place = line[i].n == 1 && out[line[i].first];
    }
    if (in_place) {
        for (i = 0; i < ls->lines->nelts; ++i) {
            line[i].entry->val = (char *)out[line[i].first];
        }
        return;
    }
    if (ls->t1) {
        apr_table_unset(ls->t1, "Link");
    }
    if (ls->t2) {
        apr_table_unset(ls->t2, "Link");
    }
    for (i = 0; i < ls->lines->nelts; ++i) {
        for (j = line[i].first; j < line[i].first + line[i].n; ++j) {
            if (out[j]) {
                apr_table_addn(line[i].table, "Link", out[j]);
            }
        }
    }
}
