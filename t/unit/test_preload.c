/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_preload.c: the Vulcain Preload header, its query
 * form, its normal form and the JSON content types. */
#include <apr_general.h>
#include <apr_strings.h>
#include "unit.h"
#include "h2p_preload.h"

static apr_pool_t *pool;

/* A parser's list as "a|b|c", or "ERR" when it refused (rc < 0) */
static const char *joined(int rc, const apr_array_header_t *a)
{
    const char *out = "";
    int i;

    if (rc < 0) {
        return "ERR";
    }
    for (i = 0; i < a->nelts; i++) {
        out = apr_pstrcat(pool, out, i ? "|" : "",
                          APR_ARRAY_IDX(a, i, const char *), NULL);
    }
    return out;
}

static const char *parsed(const char *field)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(const char *));

    return joined(h2p_preload_parse(pool, field, a), a);
}

static const char *query(const char *args)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(const char *));

    return joined(h2p_preload_query(pool, args, a), a);
}

static void test_parse(void)
{
    CHECK_STR(parsed("\"/hydra:member/*/author\""), "/hydra:member/*/author",
              "one string");
    CHECK_STR(parsed("\"/a\", \"/b\""), "/a|/b", "two");
    CHECK_STR(parsed("  \"/a\",\t\"/b\"  "), "/a|/b", "OWS around");
    CHECK_STR(parsed("\"/a\";x=1;y;z=\"q\", \"/b\";w=?1"), "/a|/b",
              "parameters ignored");
    CHECK_STR(parsed("\"/a\\\"b\\\\c\""), "/a\"b\\c", "escapes");
    CHECK_STR(parsed(""), "", "empty list");
    CHECK_STR(parsed("\"\""), "", "the empty string: the root");
    CHECK_STR(parsed("/a"), "ERR", "a token");
    CHECK_STR(parsed("1"), "ERR", "a number");
    CHECK_STR(parsed("(\"/a\")"), "ERR", "an inner list");
    CHECK_STR(parsed("\"/a"), "ERR", "unterminated");
    CHECK_STR(parsed("\"/a\",,\"/b\""), "ERR", "empty member");
    CHECK_STR(parsed("\"/a\","), "ERR", "trailing comma");
    CHECK_STR(parsed("\"/a\" \"/b\""), "ERR", "no comma");
    CHECK_STR(parsed("\"/a\\n\""), "ERR", "bad escape");
    CHECK_STR(parsed("\"/\xc3\xa9\""), "ERR", "non-ASCII");
    CHECK_STR(parsed("\"/a\";X=1"), "ERR", "upper-case key");
    CHECK_STR(parsed("\"/a\";=1"), "ERR", "no key");
    {
        const char *many = "\"/0\"";
        int i;

        for (i = 1; i < H2P_PRELOAD_MAX; i++) {
            many = apr_psprintf(pool, "%s, \"/%d\"", many, i);
        }
        CHECK(strcmp(parsed(many), "ERR") != 0, "%d selectors",
              H2P_PRELOAD_MAX);
        CHECK_STR(parsed(apr_pstrcat(pool, many, ", \"/x\"", NULL)), "ERR",
                  "one too many");
    }
}

static void test_query(void)
{
    CHECK_STR(query(NULL), "", "no query");
    CHECK_STR(query("a=1"), "", "no preload");
    CHECK_STR(query("preload=%2Fhydra:member%2F*&x=2&preload=/b"),
              "/hydra:member/*|/b", "two, decoded");
    CHECK_STR(query("preloads=/a&xpreload=/b&preload="), "",
              "other names, an empty value");
    CHECK_STR(query("preload=/a+b"), "/a+b", "+ kept");
    CHECK_STR(query("preload=/a%2"), "ERR", "short escape");
    CHECK_STR(query("preload=/a%zz"), "ERR", "bad escape");
    CHECK_STR(query("preload=/a%00"), "ERR", "NUL");
}

static void test_normalise(void)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(const char *));

    CHECK_STR(h2p_preload_normalise(pool, a), "", "none");
    APR_ARRAY_PUSH(a, const char *) = "/b";
    APR_ARRAY_PUSH(a, const char *) = "/a\"x";
    APR_ARRAY_PUSH(a, const char *) = "/b";
    CHECK_STR(h2p_preload_normalise(pool, a), "\"/a\\\"x\", \"/b\"",
              "sorted, once, quoted");
    CHECK_STR(APR_ARRAY_IDX(a, 0, const char *), "/b", "input untouched");
    CHECK_STR(parsed(h2p_preload_normalise(pool, a)), "/a\"x|/b",
              "reads back");
}

static void test_types(void)
{
    CHECK(h2p_preload_json_type("application/json"), "json");
    CHECK(h2p_preload_json_type("Application/JSON; charset=utf-8"), "case");
    CHECK(h2p_preload_json_type("application/ld+json"), "ld+json");
    CHECK(h2p_preload_json_type("application/vnd.api+json"), "vnd.api");
    CHECK(h2p_preload_json_type("application/problem+json;x=y"), "problem");
    CHECK(!h2p_preload_json_type("text/html"), "html");
    CHECK(!h2p_preload_json_type("application/jsonp"), "jsonp");
    CHECK(!h2p_preload_json_type("application/json-seq"), "json-seq");
    CHECK(!h2p_preload_json_type("+json"), "no type");
    CHECK(!h2p_preload_json_type("application/+json"), "no subtype");
    CHECK(!h2p_preload_json_type(NULL), "none");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_parse();
    test_query();
    test_normalise();
    test_types();
    return unit_done("test_preload");
}
