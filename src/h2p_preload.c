/* Licensed under the Apache License, Version 2.0 */
/*
 * The Vulcain Preload header: a structured-field list of strings
 * (RFC 8941 §3.1, §3.3.3), its query form, its normal form for the
 * learned-hints key, and the JSON content types it applies to.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "h2p_chars.h"
#include "h2p_preload.h"

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static const char *skip_key(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || *s == '*')) {
        return NULL;
    }
    while ((*s >= 'a' && *s <= 'z') || h2p_is_digit((unsigned char)*s)
           || *s == '_' || *s == '-' || *s == '.' || *s == '*') {
        s++;
    }
    return s;
}

/* A bare item as a parameter value: a string, token, number, boolean or
 * byte sequence is accepted loosely (its own syntax up to ';', ',' or
 * whitespace): only the list's strings matter here. */
static const char *skip_param_value(const char *s)
{
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) {
                s++;
            }
            else if (*s == '\\' || (unsigned char)*s < 0x20
                     || (unsigned char)*s > 0x7e) {
                return NULL;
            }
        }
        return *s == '"' ? s + 1 : NULL;
    }
    if (!*s || *s == ';' || *s == ',' || *s == ' ' || *s == '\t') {
        return NULL;
    }
    while (*s && *s != ';' && *s != ',' && *s != ' ' && *s != '\t') {
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e
            || *s == '"' || *s == '(' || *s == ')') {
            return NULL;
        }
        s++;
    }
    return s;
}

int h2p_preload_parse(apr_pool_t *p, const char *field,
                      apr_array_header_t *out)
{
    const char *s = skip_ows(field ? field : "");

    while (*s) {
        char *v, *w;
        const char *q;

        if (*s != '"') {
            return -1;                        /* not a string */
        }
        for (q = s + 1; *q && *q != '"'; q++) {
            if (*q == '\\') {
                if (q[1] != '"' && q[1] != '\\') {
                    return -1;
                }
                q++;
            }
            else if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e) {
                return -1;
            }
        }
        if (*q != '"') {
            return -1;
        }
        w = v = apr_palloc(p, (apr_size_t)(q - s));
        for (s++; s < q; s++) {
            if (*s == '\\') {
                s++;
            }
            *w++ = *s;
        }
        *w = '\0';
        s = q + 1;
        while (*s == ';') {                   /* parameters: ignored */
            s = skip_key(skip_ows(s + 1));
            if (!s) {
                return -1;
            }
            if (*s == '=' && !(s = skip_param_value(s + 1))) {
                return -1;
            }
        }
        if (out->nelts >= H2P_PRELOAD_MAX) {
            return -1;
        }
        APR_ARRAY_PUSH(out, const char *) = v;
        s = skip_ows(s);
        if (!*s) {
            break;
        }
        if (*s != ',') {
            return -1;
        }
        s = skip_ows(s + 1);
        if (!*s) {
            return -1;                        /* a trailing comma */
        }
    }
    return 0;
}

int h2p_preload_query(apr_pool_t *p, const char *args,
                      apr_array_header_t *out)
{
    const char *s = args;

    while (s && *s) {
        const char *end = strchr(s, '&');
        apr_size_t len = end ? (apr_size_t)(end - s) : strlen(s);

        if (len > 8 && !memcmp(s, "preload=", 8)) {
            char *v = apr_palloc(p, len - 7), *w = v;
            const char *c;

            for (c = s + 8; c < s + len; c++) {
                if (*c == '%') {
                    int hi = c + 2 < s + len
                             ? h2p_hexval((unsigned char)c[1]) : -1;
                    int lo = hi >= 0 ? h2p_hexval((unsigned char)c[2]) : -1;

                    if (lo < 0 || (hi == 0 && lo == 0)) {
                        return -1;
                    }
                    *w++ = (char)(hi * 16 + lo);
                    c += 2;
                }
                else {
                    *w++ = *c;
                }
            }
            *w = '\0';
            if (out->nelts >= H2P_PRELOAD_MAX) {
                return -1;
            }
            APR_ARRAY_PUSH(out, const char *) = v;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char * const *)a, *(const char * const *)b);
}

const char *h2p_preload_normalise(apr_pool_t *p,
                                  const apr_array_header_t *sels)
{
    const char **v = apr_pmemdup(p, sels->elts, sizeof(const char *)
                                 * (apr_size_t)(sels->nelts + 1));
    const char *out = "";
    int i;

    qsort(v, (size_t)sels->nelts, sizeof(*v), cmp_str);
    for (i = 0; i < sels->nelts; i++) {
        const char *c;
        char *q, *w;

        if (i && !strcmp(v[i], v[i - 1])) {
            continue;
        }
        w = q = apr_palloc(p, 2 * strlen(v[i]) + 3);
        *w++ = '"';
        for (c = v[i]; *c; c++) {
            if (*c == '"' || *c == '\\') {
                *w++ = '\\';
            }
            *w++ = *c;
        }
        *w++ = '"';
        *w = '\0';
        out = *out ? apr_pstrcat(p, out, ", ", q, NULL) : q;
    }
    return out;
}

int h2p_preload_json_type(const char *ctype)
{
    const char *end, *slash;
    apr_size_t len;

    if (!ctype) {
        return 0;
    }
    end = ctype + strcspn(ctype, "; \t");
    len = (apr_size_t)(end - ctype);
    if (len == 16 && !strncasecmp(ctype, "application/json", 16)) {
        return 1;
    }
    slash = memchr(ctype, '/', len);
    return slash && slash > ctype && end - slash > 6
           && !strncasecmp(end - 5, "+json", 5);
}
