/* Licensed under the Apache License, Version 2.0 */
/* Learned hints: key, refusals, entry format, replay and refresh (see
 * h2p_learn.h). */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_fnmatch.h>

#include "h2p_learn.h"
#include "h2p_link.h"
#include "h2p_diary.h"

#define MAGIC "H2P2 "

static const char * const refusal_names[H2P_LR_N] = {
    "private", "no-store", "set-cookie", "vary", "authorization",
    "cookie", "user", "client-cert", "query", "host", "status"
};

const char *h2p_learn_refusal_name(h2p_learn_refusal_t why)
{
    return (why >= 0 && why < H2P_LR_N) ? refusal_names[why] : "-";
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int h2p_learn_has_token(const char *v, const char *token)
{
    apr_size_t n = strlen(token);

    while (v && *v) {
        const char *e;

        while (is_ows(*v) || *v == ',') {
            ++v;
        }
        e = v;
        while (*e && *e != ',' && *e != '=' && *e != ';' && !is_ows(*e)) {
            ++e;
        }
        if ((apr_size_t)(e - v) == n && !strncasecmp(v, token, n)) {
            return 1;
        }
        /* on to the next element, past a quoted value's commas */
        for (; *e && *e != ','; ++e) {
            if (*e == '"') {
                for (++e; *e && *e != '"'; ++e) {
                    if (*e == '\\' && e[1]) {
                        ++e;
                    }
                }
                if (!*e) {
                    break;
                }
            }
        }
        v = e;
    }
    return 0;
}

int h2p_learn_cookies_ignored(const char *cookie,
                              const apr_array_header_t *patterns)
{
    const char *s = cookie;

    if (!patterns || !patterns->nelts) {
        return 0;
    }
    while (*s) {
        const char *e;
        char name[256];
        apr_size_t n;
        int i, hit = 0;

        while (is_ows(*s) || *s == ';' || *s == ',') {
            ++s;
        }
        if (!*s) {
            break;
        }
        e = s;
        while (*e && *e != '=' && *e != ';' && *e != ',') {
            ++e;
        }
        for (n = (apr_size_t)(e - s); n && is_ows(s[n - 1]); --n) {
        }
        if (n >= sizeof(name)) {
            return 0;       /* no cookie name is that long: not ignored */
        }
        memcpy(name, s, n);
        name[n] = '\0';
        for (i = 0; n && !hit && i < patterns->nelts; ++i) {
            hit = apr_fnmatch(APR_ARRAY_IDX(patterns, i, const char *), name,
                              0) == APR_SUCCESS;
        }
        if (!hit) {
            return 0;
        }
        while (*e && *e != ';' && *e != ',') {
            ++e;
        }
        s = e;
    }
    return 1;
}

int h2p_learn_host_ok(const char *host, const char *server_name,
                      const apr_array_header_t *names,
                      const apr_array_header_t *wild)
{
    int i;

    if (!host || !*host) {
        return 0;
    }
    if (server_name && !strcasecmp(host, server_name)) {
        return 1;
    }
    for (i = 0; names && i < names->nelts; ++i) {
        if (!strcasecmp(host, APR_ARRAY_IDX(names, i, const char *))) {
            return 1;
        }
    }
    for (i = 0; wild && i < wild->nelts; ++i) {
        if (apr_fnmatch(APR_ARRAY_IDX(wild, i, const char *), host,
                        APR_FNM_CASE_BLIND) == APR_SUCCESS) {
            return 1;
        }
    }
    return 0;
}

h2p_learn_refusal_t h2p_learn_refusal(const h2p_learn_facts *f)
{
    if (f->status < 200 || f->status > 299) {
        return H2P_LR_STATUS;
    }
    if (!f->host_ok) {
        return H2P_LR_HOST;
    }
    if (f->query && !f->learn_query) {
        return H2P_LR_QUERY;
    }
    if (f->authorization) {
        return H2P_LR_AUTHORIZATION;
    }
    if (f->user) {
        return H2P_LR_USER;
    }
    if (f->client_cert) {
        return H2P_LR_CLIENTCERT;
    }
    if (f->cookie && !h2p_learn_cookies_ignored(f->cookie,
                                                f->ignore_cookies)) {
        return H2P_LR_COOKIE;
    }
    if (h2p_learn_has_token(f->cache_control, "private")) {
        return H2P_LR_PRIVATE;
    }
    if (h2p_learn_has_token(f->cache_control, "no-store")) {
        return H2P_LR_NOSTORE;
    }
    if (f->set_cookie) {
        return H2P_LR_SETCOOKIE;
    }
    if (h2p_learn_has_token(f->vary, "cookie")
        || h2p_learn_has_token(f->vary, "authorization")
        || h2p_learn_has_token(f->vary, "*")) {
        return H2P_LR_VARY;
    }
    return H2P_LR_NONE;
}

const char *h2p_learn_origin(apr_pool_t *p, const char *scheme,
                             const char *server_name, unsigned port)
{
    return apr_psprintf(p, "%s://%s:%u", scheme, server_name, port);
}

const char *h2p_learn_key(apr_pool_t *p, const char *origin,
                          const char *path, const char *query,
                          const char *scope)
{
    if (scope) {
        return apr_pstrcat(p, origin, " scope ", scope, NULL);
    }
    return apr_pstrcat(p, origin, path, query ? "?" : "", query, NULL);
}

apr_uint64_t h2p_learn_id(const char *key)
{
    return h2p_diary_key_pair(h2p_hash(key), 0);
}

void h2p_learn_id_bytes(apr_uint64_t id, unsigned char *out)
{
    int i;

    for (i = 0; i < H2P_LEARN_ID_LEN; ++i, id >>= 8) {
        out[i] = (unsigned char)(id & 0xff);
    }
}

/* Up to 16 hex digits into *v; returns the end of them. */
static char *hex64(char *s, apr_uint64_t *v)
{
    int i;

    *v = 0;
    for (i = 0; i < 16 && apr_isxdigit(s[i]); ++i) {
        *v = (*v << 4) | (apr_uint64_t)(apr_isdigit(s[i]) ? s[i] - '0'
                                        : (apr_tolower(s[i]) - 'a' + 10));
    }
    return s + i;
}

h2p_learn_rc h2p_learn_decode(apr_pool_t *p, const char *buf,
                              apr_size_t len, const char *key,
                              apr_time_t now, h2p_learn_entry *e)
{
    char *s, *nl, *sp, *sp2, *end, *hend;
    apr_int64_t expiry;

    if (len <= sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1)
        || memchr(buf, '\0', len)) {
        return H2P_LEARN_OTHER;
    }
    s = apr_pstrmemdup(p, buf + sizeof(MAGIC) - 1,
                       len - (sizeof(MAGIC) - 1));
    if (!(nl = strchr(s, '\n')) || !(sp = strchr(s, ' ')) || sp > nl
        || !(sp2 = strchr(sp + 1, ' ')) || sp2 > nl) {
        return H2P_LEARN_OTHER;
    }
    *nl = *sp = *sp2 = '\0';
    expiry = apr_strtoi64(s, &end, 10);
    hend = hex64(sp + 1, &e->source);
    if (!apr_isdigit(*s) || *end || expiry < 0 || *hend
        || hend - (sp + 1) != 16 || strcmp(sp2 + 1, key)) {
        return H2P_LEARN_OTHER;
    }
    e->expiry = (apr_time_t)expiry;
    e->key = key;
    e->sets = apr_array_make(p, H2P_LEARN_SCOPE_SETS, sizeof(const char *));
    for (s = nl + 1; s; s = nl ? nl + 1 : NULL) {
        if ((nl = strchr(s, '\n')) != NULL) {
            *nl = '\0';
        }
        APR_ARRAY_PUSH(e->sets, const char *) = s;
    }
    return e->expiry < now ? H2P_LEARN_EXPIRED : H2P_LEARN_OK;
}

const char *h2p_learn_encode(apr_pool_t *p, const h2p_learn_entry *e,
                             apr_size_t *len)
{
    int n = e->sets->nelts;

    for (; n > 0; --n) {
        const char *v = apr_psprintf(p, MAGIC "%" APR_TIME_T_FMT " %016"
                                     APR_UINT64_T_HEX_FMT " %s\n%s",
                                     e->expiry, e->source, e->key,
                                     APR_ARRAY_IDX(e->sets, 0, const char *));
        int i;

        for (i = 1; i < n; ++i) {
            v = apr_pstrcat(p, v, "\n", APR_ARRAY_IDX(e->sets, i,
                                                      const char *), NULL);
        }
        if (strlen(v) <= H2P_LEARN_MAX_VALUE) {
            *len = strlen(v);
            return v;
        }
    }
    return NULL;
}

/* Parse a set; NULL when it holds no link. */
static apr_array_header_t *parse_set(apr_pool_t *p, const char *set)
{
    apr_array_header_t *links = apr_array_make(p, 8, sizeof(h2p_link));

    h2p_link_parse(p, set, links);
    return links->nelts ? links : NULL;
}

static int set_names(const apr_array_header_t *links, apr_uint64_t hash)
{
    int i;

    for (i = 0; links && i < links->nelts; ++i) {
        const h2p_link *l = &APR_ARRAY_IDX(links, i, h2p_link);
        if (!l->bad && l->target_hash == hash) {
            return 1;
        }
    }
    return 0;
}

const char *h2p_learn_replay(apr_pool_t *p, const h2p_learn_entry *e,
                             int scope, int max)
{
    apr_array_header_t **parsed;
    const char *out = NULL;
    int i, j, k, n = 0, nsets = e->sets->nelts;

    if (!nsets || max <= 0) {
        return NULL;
    }
    if (!scope) {
        const char *set = APR_ARRAY_IDX(e->sets, 0, const char *);
        return *set ? set : NULL;
    }
    if (nsets < H2P_LEARN_SCOPE_AGREE) {
        return NULL;
    }
    parsed = apr_pcalloc(p, (apr_size_t)nsets * sizeof(*parsed));
    for (i = 0; i < nsets; ++i) {
        parsed[i] = parse_set(p, APR_ARRAY_IDX(e->sets, i, const char *));
    }
    /* each link once, from the newest set naming it */
    for (i = 0; i < nsets && n < max; ++i) {
        for (j = 0; parsed[i] && j < parsed[i]->nelts && n < max; ++j) {
            const h2p_link *l = &APR_ARRAY_IDX(parsed[i], j, h2p_link);
            int agree = 1, dup = 0;

            if (l->bad) {
                continue;
            }
            for (k = 0; k < i && !dup; ++k) {
                dup = set_names(parsed[k], l->target_hash);
            }
            for (k = i + 1; k < nsets && !dup; ++k) {
                agree += set_names(parsed[k], l->target_hash);
            }
            if (dup || agree < H2P_LEARN_SCOPE_AGREE) {
                continue;
            }
            out = apr_pstrcat(p, out ? out : "", out ? ", " : "",
                              apr_pstrmemdup(p, l->raw, l->raw_len), NULL);
            ++n;
        }
    }
    return out;
}

int h2p_learn_update(apr_pool_t *p, const h2p_learn_entry *old,
                     const char *key, const char *set, apr_uint64_t source,
                     int scope, apr_time_t now, apr_interval_time_t ttl,
                     h2p_learn_entry *e)
{
    int i, keep = scope ? H2P_LEARN_SCOPE_SETS - 1 : 0;

    if (old && old->sets->nelts
        && !strcmp(APR_ARRAY_IDX(old->sets, 0, const char *), set)
        && (!scope || old->sets->nelts >= H2P_LEARN_SCOPE_AGREE)
        && old->expiry - now > ttl / 2 && old->source == source) {
        *e = *old;
        return 0;
    }
    e->key = key;
    e->expiry = now + ttl;
    e->source = source;
    e->sets = apr_array_make(p, keep + 1, sizeof(const char *));
    APR_ARRAY_PUSH(e->sets, const char *) = set;
    for (i = 0; old && i < old->sets->nelts && i < keep; ++i) {
        APR_ARRAY_PUSH(e->sets, const char *) =
            APR_ARRAY_IDX(old->sets, i, const char *);
    }
    return 1;
}
