/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_chars.h
 * @brief ASCII character classes, immune to the locale, and the URI
 *        scheme scan: one definition for the Link parser, the HTML scanner
 *        and the glue.
 */
#ifndef H2P_CHARS_H
#define H2P_CHARS_H

#include <stddef.h>

static inline int h2p_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int h2p_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int h2p_lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/** The value of a hexadecimal digit, or -1. */
static inline int h2p_hexval(int c)
{
    if (h2p_is_digit(c)) {
        return c - '0';
    }
    c = h2p_lc(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/** Where a URI scheme (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" /
 *  "." )) that starts [s, e) ends: its ':', or NULL when there is none.
 *  e NULL: up to the end of the string. */
static inline const char *h2p_scheme_end(const char *s, const char *e)
{
    const char *c = s;

    if ((e && c >= e) || !h2p_is_alpha((unsigned char)*c)) {
        return NULL;
    }
    while ((!e || c < e) && (h2p_is_alpha((unsigned char)*c)
                             || h2p_is_digit((unsigned char)*c)
                             || *c == '+' || *c == '-' || *c == '.')) {
        c++;
    }
    return ((!e || c < e) && *c == ':') ? c : NULL;
}

#endif /* H2P_CHARS_H */
