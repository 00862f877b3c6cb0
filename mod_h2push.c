/* Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * mod_h2push: decides what an HTTP/2 response pushes; mod_http2 pushes it.
 *
 * mod_http2 pushes what it finds as "Link: <...>; rel=preload" in a 103
 * interim response or in the final response headers. This module owns the
 * decision behind those links:
 *
 *   sources            candidates       policy            delivery
 *   H2PushResource --> h2p_cand[] ----> h2p_policy -----> 103 at fixups
 *   Link headers                        (src/)            Link headers
 *                                                         (promised plain,
 *                                                          withheld nopush)
 *
 * This file is glue only: configuration, hooks, the output filter, the
 * status handler. Parsing, the diary and the decision live in src/.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* dladdr() */
#endif
#include <dlfcn.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_optional.h>
#include <apr_atomic.h>
#include <apr_shm.h>
#include <apr_hash.h>
#if APR_HAS_THREADS
#include <apr_thread_mutex.h>
#endif

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_connection.h"
#include "util_filter.h"
#include "util_cfgtree.h"
#include "mod_http2.h"
#include "ap_socache.h"
#include "ap_provider.h"
#include "util_mutex.h"
#include "mod_ssl.h"
#include "mod_status.h"
#include "ap_mpm.h"

#include "h2p_link.h"
#include "h2p_diary.h"
#include "h2p_policy.h"
#include "h2p_lines.h"
#include "h2p_html.h"
#include "h2p_learn.h"
#include "h2p_json.h"
#include "h2p_preload.h"
#include "h2p_chars.h"
#include "h2p_version.h"
#include "h2p_channel.h"
#include "h2p_redis.h"

module AP_MODULE_DECLARE_DATA h2push_module;

#define H2P_DEFAULT_MAX        10
#define H2P_MAX_MAX            1000
#define H2P_DEFAULT_MAX_SIZE   (1024 * 1024)
#define H2P_DEFAULT_DIARY      256
#define H2P_DEFAULT_SCAN_MAX   (32 * 1024)
#define H2P_LOOKUPS_PER_PUSH   4         /* lookups a response may cost: */
#define H2P_LOOKUPS_MIN        16        /* 4 x H2PushMax, at least 16 */
#define H2P_HTML_MAX_LINKS     64        /* links taken from one page */
#define H2P_DEFAULT_LEARN_TTL  86400
#define H2P_DEFAULT_JSON_SCAN_MAX (1024 * 1024) /* H2PushJSONScanMax */
#define H2P_DEFAULT_PRELOAD_DEPTH 3      /* H2PushPreloadDepth */
#define H2P_PRELOAD_DEPTH_MAX  16        /* = H2P_JSON_MAX_SEGMENTS */
#define H2P_JSON_NESTING       512       /* JSON nesting read at most */
#define H2P_JSON_STRING_MAX    2048      /* longest value taken as a URL */
#define H2P_JSON_MATCHES_MAX   256       /* values kept from a document */
#define H2P_DEFAULT_LEARN_MAX  10000     /* H2PushLearnMaxEntries */
#define H2P_LEARN_ENTRY_BYTES  800       /* default shmcb bytes an entry */
#define H2P_LEARN_MUTEX        "h2push-learn"
#define H2P_HTML_FILTER_NAME   "H2PUSH_HTML"
#define H2P_FILTER_NAME        "H2PUSH"
#define H2P_STATUS_HANDLER     "h2push-status"
/* The name the main config's H2PushResource lines are handed over under
 * (see h2p_pre_config); it cannot be typed in a config file. */
#define H2P_RESOURCE_OWN       "H2PushResource (mod_h2push)"

/* ------------------------------------------------------------------ */
/* Configuration                                                      */

typedef struct {
    apr_array_header_t *resources; /* H2PushResource: of h2p_link */
    int resources_off;             /* "H2PushResource off" at this level */
    int links;                     /* H2PushLinks, -1 unset */
    int max;                       /* H2PushMax, -1 unset */
    apr_off_t max_size;            /* H2PushMaxSize, -1 unset */
    int verify;                    /* H2PushVerify, -1 unset */
    int early_hints;               /* H2PushEarlyHints: -1 unset, EH_* */
    int from_html;                 /* H2PushFromHTML, -1 unset */
    apr_off_t scan_max;            /* H2PushHTMLScanMax, -1 unset */
    int generated;                 /* H2PushGenerated, -1 unset */
    int h2_push;                   /* mod_http2's H2Push, -1 unset */
    int h2_early_hint;             /* mod_http2's H2EarlyHint applies */
    int learn_scope;               /* H2PushLearnScope, -1 unset */
    const char *scope;             /* the section it was set in */
    int preload;                   /* H2PushPreloadHeader, -1 unset */
    apr_off_t json_scan_max;       /* H2PushJSONScanMax, -1 unset */
    int preload_depth;             /* H2PushPreloadDepth, -1 unset */
    /* push channels: H2PushChannelMaxAge, ...Heartbeat, ...Every (-1
     * unset; every_path NULL unset) */
    apr_interval_time_t chan_max_age, chan_heartbeat, chan_every;
    const char *chan_every_path;
    long chan_max_pushes;          /* H2PushChannelMaxPushes, -1 unset */
} h2p_dir_conf;

enum { EH_OFF = 0, EH_H2, EH_ON };

/* A learned-hints store: one socache instance, shared by the servers that
 * name the same provider and arguments. */
typedef struct {
    const char *spec;              /* "provider[:args]" as configured */
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *cache;
    apr_uint64_t generation;       /* retained ones: last used by */
} h2p_store;

typedef struct {
    int diary_entries;             /* H2PushDiaryEntries, -1 unset */
    int learn;                     /* H2PushLearn, -1 unset */
    const char *learn_spec;        /* its provider[:args], NULL: default */
    const ap_socache_provider_t *learn_provider;
    int learn_query;               /* H2PushLearnQuery, -1 unset */
    apr_interval_time_t learn_ttl; /* H2PushLearnTTL, -1 unset */
    int learn_max;                 /* H2PushLearnMaxEntries, -1 unset */
    int h2_early_hints;            /* mod_http2's H2EarlyHints, -1 unset */
    apr_array_header_t *ignore_cookies; /* H2PushLearnIgnoreCookies */
    /* set up by learn_init() for each server that learns */
    h2p_store *store;
    h2p_diary *index;              /* ids this server stored, in shm: LRU */
} h2p_srv_conf;

#define H2P_CHOOSE(add, base, unset) ((add) != (unset) ? (add) : (base))
#define H2P_OR_DEFAULT(v, def) ((v) >= 0 ? (v) : (def))

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    h2p_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));

    (void)dir;
    dc->resources = apr_array_make(p, 2, sizeof(h2p_link));
    dc->links = dc->max = dc->verify = dc->early_hints = dc->from_html = -1;
    dc->learn_scope = dc->generated = dc->h2_push = -1;
    dc->max_size = dc->scan_max = dc->json_scan_max = -1;
    dc->preload = dc->preload_depth = -1;
    dc->chan_max_age = dc->chan_heartbeat = dc->chan_every = -1;
    dc->chan_max_pushes = -1;
    return dc;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    h2p_dir_conf *base = basev, *add = addv;
    h2p_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));

    /* The static list adds up from server to vhost to directory, unless
     * a level says "H2PushResource off" to drop what it inherits. */
    dc->resources = add->resources_off
                    ? add->resources
                    : apr_array_append(p, base->resources, add->resources);
    dc->resources_off = add->resources_off;
    dc->links = H2P_CHOOSE(add->links, base->links, -1);
    dc->max = H2P_CHOOSE(add->max, base->max, -1);
    dc->max_size = H2P_CHOOSE(add->max_size, base->max_size, -1);
    dc->verify = H2P_CHOOSE(add->verify, base->verify, -1);
    dc->early_hints = H2P_CHOOSE(add->early_hints, base->early_hints, -1);
    dc->from_html = H2P_CHOOSE(add->from_html, base->from_html, -1);
    dc->scan_max = H2P_CHOOSE(add->scan_max, base->scan_max, -1);
    dc->learn_scope = H2P_CHOOSE(add->learn_scope, base->learn_scope, -1);
    dc->generated = H2P_CHOOSE(add->generated, base->generated, -1);
    dc->h2_push = H2P_CHOOSE(add->h2_push, base->h2_push, -1);
    dc->h2_early_hint = add->h2_early_hint || base->h2_early_hint;
    dc->scope = add->learn_scope != -1 ? add->scope : base->scope;
    dc->preload = H2P_CHOOSE(add->preload, base->preload, -1);
    dc->json_scan_max = H2P_CHOOSE(add->json_scan_max, base->json_scan_max,
                                   -1);
    dc->preload_depth = H2P_CHOOSE(add->preload_depth, base->preload_depth,
                                   -1);
    dc->chan_max_age = H2P_CHOOSE(add->chan_max_age, base->chan_max_age, -1);
    dc->chan_heartbeat = H2P_CHOOSE(add->chan_heartbeat, base->chan_heartbeat,
                                    -1);
    dc->chan_every = H2P_CHOOSE(add->chan_every, base->chan_every, -1);
    dc->chan_every_path = add->chan_every != -1 ? add->chan_every_path
                                                : base->chan_every_path;
    dc->chan_max_pushes = H2P_CHOOSE(add->chan_max_pushes,
                                     base->chan_max_pushes, -1);
    return dc;
}

static void *create_srv_conf(apr_pool_t *p, server_rec *s)
{
    h2p_srv_conf *sc = apr_pcalloc(p, sizeof(*sc));

    (void)s;
    sc->diary_entries = sc->learn = sc->learn_query = sc->learn_max = -1;
    sc->h2_early_hints = -1;
    sc->learn_ttl = -1;
    return sc;
}

static void *merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    h2p_srv_conf *base = basev, *add = addv;
    h2p_srv_conf *sc = apr_pcalloc(p, sizeof(*sc));

    sc->diary_entries = H2P_CHOOSE(add->diary_entries, base->diary_entries,
                                   -1);
    sc->learn = H2P_CHOOSE(add->learn, base->learn, -1);
    sc->learn_provider = add->learn != -1 ? add->learn_provider
                                          : base->learn_provider;
    sc->learn_spec = add->learn != -1 ? add->learn_spec : base->learn_spec;
    sc->learn_query = H2P_CHOOSE(add->learn_query, base->learn_query, -1);
    sc->learn_ttl = H2P_CHOOSE(add->learn_ttl, base->learn_ttl, -1);
    sc->learn_max = H2P_CHOOSE(add->learn_max, base->learn_max, -1);
    sc->h2_early_hints = H2P_CHOOSE(add->h2_early_hints, base->h2_early_hints,
                                    -1);
    sc->ignore_cookies = add->ignore_cookies ? add->ignore_cookies
                                             : base->ignore_cookies;
    return sc;
}

/* ------------------------------------------------------------------ */
/* Directives                                                         */

/* A URL path an admin may list: absolute, printable, nothing that would
 * need quoting inside <...>. */
static int is_local_path(const char *s)
{
    if (*s != '/' || s[1] == '/') {
        return 0;
    }
    for (; *s; ++s) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || ch == '<' || ch == '>'
            || ch == '"' || ch == '\\') {
            return 0;
        }
    }
    return 1;
}

/* The values of as= a browser acts on: the Fetch standard's request
 * destinations a preload may name, and "fetch". */
#define H2P_DESTINATIONS "audio, audioworklet, document, embed, fetch, " \
    "font, frame, iframe, image, json, manifest, object, paintworklet, " \
    "report, script, serviceworker, sharedworker, style, track, video, " \
    "webidentity, worker, xslt"

static int is_destination(const char *s)
{
    static const char list[] = H2P_DESTINATIONS;
    apr_size_t n = strlen(s);
    const char *d = list;

    while (n && (d = strstr(d, s)) != NULL) {
        if ((d == list || d[-1] == ' ')
            && (d[n] == ',' || d[n] == '\0')) {
            return 1;
        }
        d += n;
    }
    return 0;
}

/* H2PushResource [add] <url-path> [critical] [as=<destination>]
 *                [crossorigin[=anonymous|use-credentials]] [nopush]
 * H2PushResource off
 * The entry is kept as the link-value it will be sent as, parsed by the
 * same parser as a Link header, so both sources are one kind of thing. */
static const char *cmd_resource(cmd_parms *cmd, void *dconf, int argc,
                                char *const argv[])
{
    h2p_dir_conf *dc = dconf;
    apr_array_header_t *parsed;
    const char *path, *link;
    int i = 0;

    if (argc == 1 && !strcasecmp(argv[0], "off")) {
        dc->resources_off = 1;
        apr_array_clear(dc->resources);
        return NULL;
    }
    if (argc > 0 && !strcasecmp(argv[0], "add")) {
        ++i;
    }
    if (i >= argc) {
        return "H2PushResource: missing the URL path to push "
               "(e.g. H2PushResource /css/site.css as=style)";
    }
    path = argv[i++];
    if (!is_local_path(path)) {
        return apr_psprintf(cmd->pool, "H2PushResource: '%s' is not a local "
                            "URL path: it must start with a single '/' and "
                            "hold no spaces, quotes, backslashes or angle "
                            "brackets", path);
    }
    link = apr_pstrcat(cmd->pool, "<", path, ">; rel=preload", NULL);
    for (; i < argc; ++i) {
        char *a = apr_pstrdup(cmd->pool, argv[i]);

        ap_str_tolower(a);

        if (!strcmp(a, "critical") || !strcmp(a, "nopush")
            || !strcmp(a, "crossorigin")) {
            link = apr_pstrcat(cmd->pool, link, "; ", a, NULL);
        }
        else if (!strncmp(a, "as=", 3)) {
            if (!is_destination(a + 3)) {
                return apr_psprintf(cmd->pool, "H2PushResource: as=%s for "
                                    "%s is not a fetch destination; one of "
                                    H2P_DESTINATIONS, argv[i] + 3, path);
            }
            link = apr_pstrcat(cmd->pool, link, "; as=", a + 3, NULL);
        }
        else if (!strcmp(a, "crossorigin=anonymous")
                 || !strcmp(a, "crossorigin=use-credentials")) {
            link = apr_pstrcat(cmd->pool, link, "; ", a, NULL);
        }
        else {
            return apr_psprintf(cmd->pool, "H2PushResource: unknown or "
                                "malformed attribute '%s' for %s (expected "
                                "critical, as=<destination>, crossorigin, "
                                "crossorigin=anonymous|use-credentials or "
                                "nopush)", argv[i], path);
        }
    }
    parsed = apr_array_make(cmd->pool, 1, sizeof(h2p_link));
    if (h2p_link_parse(cmd->pool, link, parsed) || parsed->nelts != 1) {
        return apr_psprintf(cmd->pool, "H2PushResource: cannot use %s", link);
    }
    *(h2p_link *)apr_array_push(dc->resources) = APR_ARRAY_IDX(parsed, 0,
                                                               h2p_link);
    return NULL;
}

/* "on" or "off", exactly one word (httpd's FLAG type would silently take
 * the first of several) */
static const char *parse_flag(cmd_parms *cmd, const char *arg, int *flag)
{
    if (!strcasecmp(arg, "on")) {
        *flag = 1;
    }
    else if (!strcasecmp(arg, "off")) {
        *flag = 0;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is not on or off",
                            cmd->cmd->name, arg);
    }
    return NULL;
}

static const char *cmd_links(cmd_parms *cmd, void *dconf, const char *arg)
{
    return parse_flag(cmd, arg, &((h2p_dir_conf *)dconf)->links);
}

static const char *cmd_verify(cmd_parms *cmd, void *dconf, const char *arg)
{
    return parse_flag(cmd, arg, &((h2p_dir_conf *)dconf)->verify);
}

/* A whole decimal number in [0, max], or -1. */
static long parse_count(const char *arg, long max)
{
    char *end;
    long v;

    if (!apr_isdigit(*arg)) {
        return -1;
    }
    v = strtol(arg, &end, 10);
    return (*end || v > max) ? -1 : v;
}

/* A whole number in [min, max] into *v, or an error naming the
 * directive. */
static const char *parse_range(cmd_parms *cmd, const char *arg, long min,
                               long max, long *v)
{
    *v = parse_count(arg, max);
    if (*v < min) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "%ld to %ld", cmd->cmd->name, arg, min, max);
    }
    return NULL;
}

static const char *cmd_max(cmd_parms *cmd, void *dconf, const char *arg)
{
    long v;
    const char *err = parse_range(cmd, arg, 0, H2P_MAX_MAX, &v);

    if (!err) {
        ((h2p_dir_conf *)dconf)->max = (int)v;
    }
    return err;
}

/* bytes[K|M|G] into *size, or an error naming the directive */
static const char *parse_size(cmd_parms *cmd, const char *arg,
                              apr_off_t *size)
{
    apr_off_t v, unit = 1;
    char *end;

    if (apr_isdigit(*arg) && apr_strtoff(&v, arg, &end, 10) == APR_SUCCESS) {
        switch (apr_toupper(*end)) {
        case 'K': unit = 1024; ++end; break;
        case 'M': unit = 1024 * 1024; ++end; break;
        case 'G': unit = 1024 * 1024 * 1024; ++end; break;
        }
        if (!*end && v <= APR_INT64_MAX / unit) {
            *size = v * unit;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "%s: '%s' is not a size: give bytes, "
                        "optionally followed by K, M or G (e.g. 512K)",
                        cmd->cmd->name, arg);
}

static const char *cmd_max_size(cmd_parms *cmd, void *dconf, const char *arg)
{
    return parse_size(cmd, arg, &((h2p_dir_conf *)dconf)->max_size);
}

static const char *cmd_scan_max(cmd_parms *cmd, void *dconf, const char *arg)
{
    return parse_size(cmd, arg, &((h2p_dir_conf *)dconf)->scan_max);
}

static const char *cmd_preload(cmd_parms *cmd, void *dconf, const char *arg)
{
    return parse_flag(cmd, arg, &((h2p_dir_conf *)dconf)->preload);
}

static const char *cmd_json_scan_max(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    return parse_size(cmd, arg, &((h2p_dir_conf *)dconf)->json_scan_max);
}

static const char *cmd_preload_depth(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    long v;
    const char *err = parse_range(cmd, arg, 1, H2P_PRELOAD_DEPTH_MAX, &v);

    if (!err) {
        ((h2p_dir_conf *)dconf)->preload_depth = (int)v;
    }
    return err;
}

static const char *cmd_generated(cmd_parms *cmd, void *dconf,
                                 const char *arg)
{
    return parse_flag(cmd, arg, &((h2p_dir_conf *)dconf)->generated);
}

/* mod_http2's own H2Push and H2EarlyHints: httpd hands each line to both
 * modules; this one only notes the value (mod_http2 reports bad ones),
 * so that loading it takes away nothing mod_http2's settings gave. */
static const char *cmd_h2_push(cmd_parms *cmd, void *dconf, const char *arg)
{
    (void)cmd;
    if (!strcasecmp(arg, "on") || !strcasecmp(arg, "off")) {
        ((h2p_dir_conf *)dconf)->h2_push = !strcasecmp(arg, "on");
    }
    return NULL;
}

static const char *cmd_h2_early_hint(cmd_parms *cmd, void *dconf,
                                     const char *name, const char *value)
{
    (void)cmd; (void)name; (void)value;
    ((h2p_dir_conf *)dconf)->h2_early_hint = 1;
    return NULL;
}

static const char *cmd_h2_early_hints(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);

    (void)dconf;
    if (!strcasecmp(arg, "on") || !strcasecmp(arg, "off")) {
        sc->h2_early_hints = !strcasecmp(arg, "on");
    }
    return NULL;
}

static const char *cmd_from_html(cmd_parms *cmd, void *dconf,
                                 const char *arg)
{
    return parse_flag(cmd, arg, &((h2p_dir_conf *)dconf)->from_html);
}

static const char *cmd_early_hints(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    h2p_dir_conf *dc = dconf;

    if (!strcasecmp(arg, "off")) {
        dc->early_hints = EH_OFF;
    }
    else if (!strcasecmp(arg, "h2")) {
        dc->early_hints = EH_H2;
    }
    else if (!strcasecmp(arg, "on")) {
        dc->early_hints = EH_ON;
    }
    else {
        return apr_psprintf(cmd->pool, "H2PushEarlyHints: '%s' is not one "
                            "of off, h2 (HTTP/2 only) or on (HTTP/2 and "
                            "HTTP/1.1)", arg);
    }
    return NULL;
}

/* H2PushLearn on [provider[:args]] | off */
static const char *cmd_learn(cmd_parms *cmd, void *dconf, const char *onoff,
                             const char *spec)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);
    ap_socache_instance_t *probe;
    char *name, *args;
    const char *err;

    (void)dconf;
    if (!strcasecmp(onoff, "off")) {
        if (spec) {
            return "H2PushLearn: 'off' takes no cache provider";
        }
        sc->learn = 0;
        return NULL;
    }
    if (strcasecmp(onoff, "on")) {
        return apr_psprintf(cmd->pool, "H2PushLearn: '%s' is not on or off "
                            "(H2PushLearn on [provider[:args]] | off)",
                            onoff);
    }
    if (spec && !strcmp(spec, "shmcb")) {
        spec = NULL;                 /* the default store */
    }
    name = apr_pstrdup(cmd->pool, spec ? spec : "shmcb");
    if ((args = strchr(name, ':')) != NULL) {
        *args++ = '\0';
    }
    sc->learn_provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                            AP_SOCACHE_PROVIDER_VERSION);
    if (!sc->learn_provider) {
        return apr_psprintf(cmd->pool, "H2PushLearn: unknown cache provider "
                            "'%s' (load mod_socache_%s first)", name, name);
    }
    /* mod_socache_shmcb does not check that its file name resolves */
    if (args && *args && !strcmp(name, "shmcb")
        && !ap_server_root_relative(cmd->temp_pool,
                                    apr_pstrndup(cmd->temp_pool, args,
                                                 strcspn(args, "(")))) {
        return apr_psprintf(cmd->pool, "H2PushLearn: shmcb: the file name "
                            "'%.100s...' cannot be resolved", args);
    }
    /* the arguments are checked now; the instance is made (or kept from
     * the previous generation) by learn_init() */
    err = sc->learn_provider->create(&probe, args, cmd->temp_pool,
                                     cmd->temp_pool);
    if (err) {
        return apr_psprintf(cmd->pool, "H2PushLearn: %s: %s", name, err);
    }
    sc->learn_spec = spec ? apr_pstrdup(cmd->pool, spec) : NULL;
    sc->learn = 1;
    return NULL;
}

static const char *cmd_learn_max(cmd_parms *cmd, void *dconf, const char *arg)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);
    long v;
    const char *err = parse_range(cmd, arg, 1, H2P_DIARY_MAX, &v);

    (void)dconf;
    if (!err) {
        sc->learn_max = (int)v;
    }
    return err;
}

/* H2PushLearnIgnoreCookies name|pattern ... (each line adds) */
static const char *cmd_learn_ignore_cookies(cmd_parms *cmd, void *dconf,
                                            const char *arg)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);
    const char *s;

    (void)dconf;
    for (s = arg; *s; ++s) {
        if (*s <= 0x20 || *s >= 0x7f || strchr("=;,\"\\", *s)) {
            return apr_psprintf(cmd->pool, "H2PushLearnIgnoreCookies: '%s' "
                                "is not a cookie name (a pattern may use * "
                                "and ?; no spaces, '=', ';', ',', quotes or "
                                "backslashes)", arg);
        }
    }
    if (!sc->ignore_cookies) {
        sc->ignore_cookies = apr_array_make(cmd->pool, 4, sizeof(char *));
    }
    APR_ARRAY_PUSH(sc->ignore_cookies, const char *) = arg;
    return NULL;
}

/* H2PushLearnScope on|off, in a <Location>, <LocationMatch>, <Directory>
 * (or <Files>): the section is the scope */
static const char *cmd_learn_scope(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    h2p_dir_conf *dc = dconf;

    if (!cmd->path) {
        return "H2PushLearnScope: only in a <Location>, <LocationMatch>, "
               "<Directory> or <Files> section (the section is the scope)";
    }
    dc->scope = apr_pstrdup(cmd->pool, cmd->path);
    return parse_flag(cmd, arg, &dc->learn_scope);
}

static const char *cmd_learn_query(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);

    (void)dconf;
    return parse_flag(cmd, arg, &sc->learn_query);
}

static const char *cmd_learn_ttl(cmd_parms *cmd, void *dconf, const char *arg)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);
    long v = parse_count(arg, 365L * 86400);

    (void)dconf;
    if (v <= 0) {
        return apr_psprintf(cmd->pool, "H2PushLearnTTL: '%s' is not a "
                            "number of seconds from 1 to 31536000", arg);
    }
    sc->learn_ttl = apr_time_from_sec(v);
    return NULL;
}

static const char *cmd_diary(cmd_parms *cmd, void *dconf, const char *arg)
{
    h2p_srv_conf *sc = ap_get_module_config(cmd->server->module_config,
                                            &h2push_module);
    long v = parse_count(arg, H2P_DIARY_MAX);

    (void)dconf;
    if (v < 0) {
        return apr_psprintf(cmd->pool, "H2PushDiaryEntries: '%s' is not a "
                            "whole number from 0 (off) to %d", arg,
                            H2P_DIARY_MAX);
    }
    sc->diary_entries = (int)v;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Counters, shared by all children                                   */

enum { C_RESPONSES, C_LINKS, C_N };       /* responses examined, links */
enum { H_SENT, H_LINKS, H_HTML, H_N };     /* 103s, links in them, HTML */
enum { L_STORED, L_REPLACED, L_EXPIRED, L_EVICTED, L_FAILED, L_N };
/* the Preload header: requests it selected links in, their links, the
 * promised and hinted of those, documents fetched for nested selectors,
 * and why responses were left alone */
enum { P_REQUESTS, P_LINKS, P_PROMISED, P_HINTED, P_NESTED, P_BAD_HEADER,
       P_BAD_JSON, P_TOO_LARGE, P_NO_MATCH, P_N };

typedef struct {
    apr_uint64_t top[C_N];
    apr_uint64_t reasons[H2P_NREASONS];    /* [H2P_PROMISED] = promised */
    apr_uint64_t hints[H_N];
    apr_uint64_t learned[L_N];
    apr_uint64_t refused[H2P_LR_N];     /* why not learned from */
    apr_uint64_t preload[P_N];
} h2p_counters;

static h2p_counters h2p_local_counters; /* if shared memory fails */
static h2p_counters *h2p_stats = &h2p_local_counters;

/* ------------------------------------------------------------------ */
/* Per-connection diary                                               */

/* Lives on the primary connection; streams run on several worker threads,
 * so everything past the mutex is touched under it only, and the diary's
 * memory comes from a pool of its own (never the connection's pool from a
 * worker thread). */
/* The 1xx responses a handler or a proxied backend sends on a connection
 * (HTTP/1.1, or an h2 stream's own connection), while a request is armed
 * (from insert_filter until its final response starts). */
typedef struct {
    request_rec *r;                /* armed for, or NULL */
    int bypass;                    /* this module's own 103 goes through */
    char *buf;                     /* a 1xx block read so far */
    apr_size_t len, size;
} h2p_interim;

typedef struct {
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    apr_pool_t *pool;
    h2p_diary *diary;
    h2p_interim interim;
    int interim_added;             /* its filter is on the connection */
} h2p_conn;

static ap_filter_rec_t *h2p_interim_handle;

static apr_status_t conn_cleanup(void *data)
{
    h2p_conn *hc = data;

    if (hc->pool) {
        apr_pool_destroy(hc->pool);
        hc->pool = NULL;
    }
    return APR_SUCCESS;
}

static int h2p_pre_connection(conn_rec *c, void *csd)
{
    h2p_conn *hc;

    (void)csd;
    if (c->master) {
        return DECLINED; /* a stream: its diary is on c->master */
    }
    hc = apr_pcalloc(c->pool, sizeof(*hc));
    ap_set_module_config(c->conn_config, &h2push_module, hc);
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&hc->mutex, APR_THREAD_MUTEX_DEFAULT,
                                c->pool) != APR_SUCCESS) {
        return DECLINED;
    }
#endif
    apr_pool_cleanup_register(c->pool, hc, conn_cleanup,
                              apr_pool_cleanup_null);
    return DECLINED;
}

/* ------------------------------------------------------------------ */
/* Per-request state and the policy callbacks                         */

typedef struct {
    request_rec *r;
    h2p_dir_conf *dc;
    h2p_conn *conn;            /* NULL: no diary for this request */
    int diary_entries;
    int push_ok;               /* the client takes pushes on this stream */
    int push_off;              /* it would, but "H2Push off" applies here:
                                  hints carry nopush (mod_http2 pushes
                                  from a 103 whatever H2Push says) */
    h2p_mode mode;             /* of the decision under way */
    int lookups;               /* lookups left for this response */
    int static_done;           /* the static list was decided at fixups */
    int remaining;             /* H2PushMax left */
    int promised;
    const char *paths;         /* promised paths, space-separated */
    apr_array_header_t *late_links; /* hints of a later 103 (dropped), for
                                  the final response */
    apr_table_t *page_headers; /* r->headers_out while the 103 is made */
    int hint_links;            /* links in that 103 */
    apr_uint64_t lk_base;      /* lookups' key: client and headers */
    int fixups_ran;            /* else a quick handler (mod_cache) serves */
    int html_links;            /* Link headers the HTML scan added */
    apr_hash_t *preload_links; /* targets the Preload header selected */
    apr_hash_t *own_links;     /* their text: decided already */
    apr_array_header_t *static_cands; /* the static list, once decided */
    h2p_seen *seen;            /* what this response decided, made on use */
    ap_conf_vector_t *lookup_conf; /* per-dir config of lookup parents */
    int hinted;                /* a 103 went out for this request (on
                                  the first of an internal-redirect chain:
                                  for the whole chain) */
    /* learned hints, on the first request of a chain (the URL asked) */
    int learned_done;          /* the store was asked */
    const char *learn_key;     /* readable key (h2p_learn_key()) */
    int learn_scope;           /* the key is a scope's */
    h2p_learn_entry *entry;    /* as stored, or NULL */
    /* on the request whose response went out (the last of a chain) */
    const char *learn_set;     /* its same-origin preloads, ", "-joined;
                                  NULL: the response was not decided */
    apr_uint64_t learn_source; /* what they were made from */
} h2p_req;

static APR_OPTIONAL_FN_TYPE(http2_var_lookup) *h2_var_lookup;
static ap_conf_vector_t *h2p_no_dir_conf;

static const char *h2_var(request_rec *r, const char *name)
{
    const char *v;

    if (!h2_var_lookup || !r->connection->master) {
        return NULL;
    }
    v = h2_var_lookup(r->pool, r->server, r->connection, r, (char *)name);
    return (v && *v) ? v : NULL;
}

/* The first request of an internal-redirect chain: the URL asked for. */
static request_rec *first_of(request_rec *r)
{
    while (r->prev) {
        r = r->prev;
    }
    return r;
}

/* What the request's per-directory configuration allows it. */
static void req_configure(h2p_req *rq, h2p_dir_conf *dc)
{
    const char *v;

    rq->dc = dc;
    /* mod_http2's H2_PUSH says what the client and the server-wide H2Push
     * allow; a per-directory "H2Push off" it applies by itself to the
     * final response only, so it is read here too */
    v = h2_var(rq->r, "H2_PUSH");
    rq->push_ok = v && !strcmp(v, "on") && dc->h2_push != 0;
    rq->push_off = v && !strcmp(v, "on") && dc->h2_push == 0;
    rq->remaining = H2P_OR_DEFAULT(dc->max, H2P_DEFAULT_MAX);
    rq->lookups = rq->remaining * H2P_LOOKUPS_PER_PUSH;
    if (rq->lookups < H2P_LOOKUPS_MIN) {
        rq->lookups = H2P_LOOKUPS_MIN;
    }
}

/* The request's state says only that the fixups ran, nothing else. */
static char fixups_seen;

/* The request's state if it has one (not get_req(): makes none). */
static h2p_req *req_of(request_rec *r)
{
    void *v = ap_get_module_config(r->request_config, &h2push_module);

    return v == (void *)&fixups_seen ? NULL : v;
}

static h2p_req *get_req(request_rec *r)
{
    void *v = ap_get_module_config(r->request_config, &h2push_module);
    h2p_srv_conf *sc;
    h2p_req *rq;

    if (v && v != (void *)&fixups_seen) {
        return v;
    }
    rq = apr_pcalloc(r->pool, sizeof(*rq));
    rq->r = r;
    sc = ap_get_module_config(r->server->module_config, &h2push_module);
    rq->diary_entries = H2P_OR_DEFAULT(sc->diary_entries, H2P_DEFAULT_DIARY);
    if (r->connection->master && rq->diary_entries > 0) {
        rq->conn = ap_get_module_config(r->connection->master->conn_config,
                                        &h2push_module);
#if APR_HAS_THREADS
        if (rq->conn && !rq->conn->mutex) {
            rq->conn = NULL;                /* no lock, no diary */
        }
#endif
    }
    req_configure(rq, ap_get_module_config(r->per_dir_config,
                                           &h2push_module));
    rq->paths = "";
    rq->late_links = apr_array_make(r->pool, 1, sizeof(const char *));
    rq->fixups_ran = v == (void *)&fixups_seen;
    ap_set_module_config(r->request_config, &h2push_module, rq);
    return rq;
}

/* The policy's lock on the connection's diary, made on first use. */
static h2p_diary *diary_lock(void *baton)
{
    h2p_req *rq = baton;
    h2p_conn *hc = rq->conn;

#if APR_HAS_THREADS
    apr_thread_mutex_lock(hc->mutex);
#endif
    if (!hc->diary
        && apr_pool_create_unmanaged_ex(&hc->pool, NULL, NULL)
           == APR_SUCCESS) {
        hc->diary = h2p_diary_create(hc->pool, (unsigned)rq->diary_entries);
    }
    return hc->diary;
}

static void diary_unlock(void *baton)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(((h2p_req *)baton)->conn->mutex);
#else
    (void)baton;
#endif
}

/* ------------------------------------------------------------------ */
/* Lookups: what a pushed request of a path would get                  */

/* What a lookup found, before the parent's settings (H2PushMaxSize,
 * H2PushGenerated, push or hint) make a reason of it. */
typedef enum { LK_FORBIDDEN, LK_NOTFOUND, LK_SIZED, LK_GENERATED } h2p_lk;

/* One remembered lookup (a child's cache, below). */
#define H2P_LK_SLOTS    256          /* a power of two */
#define H2P_LK_DIRS     12           /* .htaccess files checked at most */
#define H2P_LK_NAME     480
typedef struct {
    apr_uint64_t key;                /* 0: empty */
    apr_time_t made;
    h2p_lk kind;
    apr_off_t size;
    char ctype[64];
    char file[H2P_LK_NAME];          /* "" when no file was found */
    apr_time_t ctime;                /* any write or chmod changes it */
    apr_ino_t inode;
    apr_dev_t dev;
    int ndirs;                       /* the .htaccess files on its path */
    apr_time_t ht[H2P_LK_DIRS];      /* their ctime, 0: none */
} h2p_lk_entry;

/* The lookups of one child process, shared by its threads: a result is
 * reused only for the same virtual host, path, client address and copied
 * request headers (the whole input of the pushed request), while the file
 * and every .htaccess file on its path are unchanged (a stat each), and
 * for one second at most (rules on the time of day); a configuration
 * reload starts new children, with empty caches. */
static h2p_lk_entry *lk_cache;
#if APR_HAS_THREADS
static apr_thread_mutex_t *lk_mutex;
#endif

static apr_uint64_t fnv_more(apr_uint64_t h, const char *s)
{
    for (; s && *s; ++s) {
        h = (h ^ (unsigned char)*s) * H2P_HASH_PRIME;
    }
    return (h ^ 0xff) * H2P_HASH_PRIME;      /* a separator */
}

static const char * const lk_copied[] = {
    "User-Agent", "Accept", "Accept-Encoding", "Accept-Language",
    "Cache-Control", "Host", NULL
};

static apr_uint64_t lk_key(h2p_req *rq, const char *path)
{
    request_rec *r = rq->r;
    apr_uint64_t h;
    int i;

    if (!rq->lk_base) {         /* what every lookup of the request shares */
        h = fnv_more(H2P_HASH_START, r->useragent_ip);
        for (i = 0; lk_copied[i]; ++i) {
            h = fnv_more(h, apr_table_get(r->headers_in, lk_copied[i]));
        }
        rq->lk_base = h2p_diary_key_pair(h, (apr_uint64_t)(apr_uintptr_t)
                                            r->server);
    }
    h = h2p_diary_key_pair(rq->lk_base, h2p_hash(path));
    return h + !h;
}

/* Stamp (or check, when 'check') the .htaccess files of the directories
 * above 'file': their ctime, 0 where there is none. 0: not cachable or
 * changed. */
static int lk_dirs(request_rec *r, h2p_lk_entry *e, int check)
{
    core_server_config *cc = ap_get_core_module_config(
                                 r->server->module_config);
    const char *access = cc->access_name ? cc->access_name : ".htaccess";
    apr_size_t alen = strlen(access), len = strlen(e->file);
    char path[H2P_LK_NAME + 64];
    int n = 0;

    if (alen >= 64) {
        return 0;
    }
    memcpy(path, e->file, len);
    while (len > 0) {
        apr_finfo_t fi;
        apr_time_t t;

        while (len > 0 && path[len - 1] != '/') {
            --len;                          /* up to the next directory */
        }
        if (!len) {
            break;
        }
        memcpy(path + len, access, alen + 1);
        t = apr_stat(&fi, path, APR_FINFO_CTIME, r->pool) == APR_SUCCESS
            ? fi.ctime : 0;
        if (n == H2P_LK_DIRS || (check && e->ht[n] != t)) {
            return 0;
        }
        e->ht[n++] = t;
        --len;                              /* past this '/' */
    }
    e->ndirs = n;
    return 1;
}

/* The cached facts of a lookup, if still true. */
static int lk_get(request_rec *r, apr_uint64_t key, h2p_lk_entry *out)
{
    h2p_lk_entry *e;
    apr_finfo_t fi;
    int hit;

    if (!lk_cache) {
        return 0;
    }
    e = &lk_cache[key & (H2P_LK_SLOTS - 1)];
#if APR_HAS_THREADS
    apr_thread_mutex_lock(lk_mutex);
#endif
    hit = e->key == key && apr_time_now() - e->made < apr_time_from_sec(1);
    if (hit) {
        *out = *e;
    }
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(lk_mutex);
#endif
    if (!hit || !*out->file) {
        return hit;
    }
    return apr_stat(&fi, out->file, APR_FINFO_CTIME | APR_FINFO_SIZE
                    | APR_FINFO_INODE | APR_FINFO_DEV, r->pool) == APR_SUCCESS
           && fi.ctime == out->ctime && fi.size == out->size
           && fi.inode == out->inode && fi.device == out->dev
           && lk_dirs(r, out, 1);
}

/* Remember a lookup that found a file (what found none is not kept: the
 * file may come at any moment, and nothing cheap would tell). */
static void lk_put(request_rec *r, apr_uint64_t key, h2p_lk_entry *e,
                   const request_rec *rr)
{
    if (!lk_cache || rr->finfo.filetype != APR_REG || !rr->filename
        || *rr->filename != '/' || strlen(rr->filename) >= H2P_LK_NAME) {
        return;
    }
    apr_cpystrn(e->file, rr->filename, sizeof(e->file));
    e->ctime = rr->finfo.ctime;
    e->inode = rr->finfo.inode;
    e->dev = rr->finfo.device;
    if (!lk_dirs(r, e, 0)) {
        return;
    }
    e->key = key;
    e->made = apr_time_now();
#if APR_HAS_THREADS
    apr_thread_mutex_lock(lk_mutex);
#endif
    lk_cache[key & (H2P_LK_SLOTS - 1)] = *e;
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(lk_mutex);
#endif
}

/* What is the handler that would serve the path? */
static int is_default_handler(const request_rec *rr)
{
    return !rr->handler || !strcmp(rr->handler, "default-handler")
           || ap_strchr_c(rr->handler, '/');
}

/* Look 'path' up the way mod_http2 will make the pushed request: GET,
 * only the headers it copies from the parent (no Authorization, no
 * Cookie), none of the parent's environment (a pushed request starts with
 * its own: SetEnvIf on the parent's cookies must not open an access rule),
 * and no authentication carried over from the parent (httpd skips auth
 * for a subrequest whose parent has the same per-dir config; a parent
 * with a config vector of its own prevents that). A per-directory rewrite
 * ("redirect:" + internal redirect, as a front controller does) is
 * followed the way the pushed request would be, a few hops at most. The
 * lookup resolves the path only: no handler runs. */
/* A copy of the request as the parent of a pushed request's stand-in:
 * only the headers mod_http2 copies to a pushed request, no credentials,
 * no environment, and none of this module's per-directory settings. */
static void pushed_parent(h2p_req *rq, request_rec *parent)
{
    request_rec *r = rq->r;
    int i;

    *parent = *r;
    parent->headers_in = apr_table_make(r->pool, 8);
    for (i = 0; lk_copied[i]; ++i) {
        const char *v = apr_table_get(r->headers_in, lk_copied[i]);
        if (v) {
            apr_table_setn(parent->headers_in, lk_copied[i], v);
        }
    }
    parent->subprocess_env = apr_table_make(r->pool, 1);
    parent->notes = apr_table_make(r->pool, 1);
    if (!rq->lookup_conf) {
        rq->lookup_conf = ap_merge_per_dir_configs(r->pool, r->per_dir_config,
                                                   h2p_no_dir_conf);
    }
    parent->per_dir_config = rq->lookup_conf;
    parent->user = NULL;
    parent->ap_auth_type = NULL;
}

static void lookup(h2p_req *rq, const char *path, h2p_lk_entry *e,
                   const char **what)
{
    request_rec *r = rq->r, parent, *rr = NULL;
    apr_uint64_t key = lk_key(rq, path);
    const char *uri = path;
    int hops;

    if (lk_get(r, key, e)) {
        if (APLOGrtrace1(r)) {
            *what = apr_psprintf(r->pool, "as looked up %" APR_TIME_T_FMT
                                 " ms ago", apr_time_as_msec(apr_time_now()
                                                             - e->made));
        }
        return;
    }
    memset(e, 0, sizeof(*e));
    pushed_parent(rq, &parent);
    for (hops = 0; hops < 4; ++hops) {
        if (rr) {
            ap_destroy_sub_req(rr);
        }
        rr = ap_sub_req_method_uri("GET", uri, &parent, NULL);
        if (rr->status != HTTP_OK || !rr->filename
            || strncmp(rr->filename, "redirect:", 9)) {
            break;
        }
        uri = rr->filename + 9;            /* where the rewrite sends it */
    }
    if (rr->status == HTTP_UNAUTHORIZED || rr->status == HTTP_FORBIDDEN
        || rr->status == HTTP_PROXY_AUTHENTICATION_REQUIRED) {
        e->kind = LK_FORBIDDEN;
    }
    else if (rr->status != HTTP_OK || hops == 4) {
        e->kind = LK_NOTFOUND;
    }
    else if (is_default_handler(rr) || !strcmp(rr->handler, "send-as-is")) {
        /* a file, or an .asis file, whose size bounds its body */
        e->kind = rr->finfo.filetype == APR_REG
                  && (!is_default_handler(rr) || !rr->path_info
                      || !*rr->path_info) ? LK_SIZED : LK_NOTFOUND;
        e->size = rr->finfo.size;
    }
    else {
        e->kind = LK_GENERATED;
    }
    if (APLOGrtrace1(r)) {
        *what = apr_psprintf(r->pool, "%s%s%slookup status %d, handler %s, "
                             "type %s, %s", uri == path ? "" : "rewritten to ",
                             uri == path ? "" : uri, uri == path ? "" : ", ",
                             rr->status, rr->handler ? rr->handler : "-",
                             rr->content_type ? rr->content_type : "-",
                             rr->finfo.filetype == APR_REG
                             ? apr_psprintf(r->pool, "file of %" APR_OFF_T_FMT
                                            " bytes", rr->finfo.size)
                             : "no file");
    }
    apr_cpystrn(e->ctype, rr->content_type ? rr->content_type : "",
                sizeof(e->ctype));
    if (hops == 0 && e->kind != LK_GENERATED) {
        lk_put(r, key, e, rr);
    }
    ap_destroy_sub_req(rr);
}

/* Would the pushed request be served 200, within H2PushMaxSize? What a
 * handler makes (CGI, proxy, scripts) has no size before it runs: pushed
 * only with H2PushGenerated on (hinted either way). */
static h2p_reason verify_path(void *baton, const char *path,
                              const char **ctype)
{
    h2p_req *rq = baton;
    h2p_lk_entry e;
    h2p_reason reason = H2P_PROMISED;
    const char *what = "";

    lookup(rq, path, &e, &what);
    switch (e.kind) {
    case LK_FORBIDDEN:
        reason = H2P_SKIP_FORBIDDEN;
        break;
    case LK_NOTFOUND:
        reason = H2P_SKIP_NOTFOUND;
        break;
    case LK_SIZED:
        if (e.size > H2P_OR_DEFAULT(rq->dc->max_size, H2P_DEFAULT_MAX_SIZE)) {
            reason = H2P_SKIP_TOOLARGE;
        }
        break;
    case LK_GENERATED:
        if (rq->mode == H2P_MODE_PUSH
            && H2P_OR_DEFAULT(rq->dc->generated, 0) != 1) {
            reason = H2P_SKIP_GENERATED;
        }
        break;
    }
    *ctype = *e.ctype ? apr_pstrdup(rq->r->pool, e.ctype) : NULL;
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, rq->r, "h2push verify %s: "
                  "%s: %s", path, what, h2p_reason_name(reason));
    return reason;
}

/* The authority links of the response are resolved against: the Host
 * (:authority) the client sent, else the server's name and port. */
static const char *request_authority(request_rec *r)
{
    const char *host = apr_table_get(r->headers_in, "Host");

    return host ? host : apr_psprintf(r->pool, "%s:%u", r->hostname,
                                      ap_get_server_port(r));
}

static void init_policy(h2p_req *rq, h2p_policy *pol, h2p_mode mode,
                        int request_ok)
{
    request_rec *r = rq->r, *first = first_of(r);

    memset(pol, 0, sizeof(*pol));
    pol->scheme = ap_http_scheme(r);
    pol->authority = request_authority(r);
    /* relative references resolve against the URL the client asked for,
     * whatever a rewrite made of it */
    pol->base_path = first->parsed_uri.path ? first->parsed_uri.path
                                            : first->uri;
    pol->self_query = first->args;
    pol->lookups = &rq->lookups;
    pol->request_ok = request_ok;
    pol->mode = mode;
    pol->links_on = H2P_OR_DEFAULT(rq->dc->links, 1);
    pol->remaining = rq->remaining;
    if (!rq->seen) {
        rq->seen = h2p_seen_make(r->pool);
    }
    pol->seen = rq->seen;
    if (rq->conn) {
        pol->lock = diary_lock;
        pol->unlock = diary_unlock;
    }
    if (H2P_OR_DEFAULT(rq->dc->verify, 1)) {
        pol->verify = verify_path;
    }
    pol->baton = rq;
}

static const char *source_name(h2p_source src)
{
    return src == H2P_SRC_STATIC ? "static"
           : src == H2P_SRC_LEARNED ? "learned"
           : src == H2P_SRC_INTERIM ? "interim"
           : src == H2P_SRC_PRELOAD ? "preload-header" : "link";
}

/* Decide, then count and log each decision and note what was promised.
 * Returns how many were promised or hinted. */
static int decide(h2p_req *rq, h2p_mode mode, int request_ok,
                  apr_array_header_t *cands)
{
    request_rec *r = rq->r;
    h2p_policy pol;
    int i, n;

    rq->mode = mode;
    init_policy(rq, &pol, mode, request_ok);
    n = h2p_policy_decide(r->pool, &pol, cands);
    rq->remaining = pol.remaining;
    apr_atomic_add64(&h2p_stats->top[C_LINKS], (apr_uint64_t)cands->nelts);
    for (i = 0; i < cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        const h2p_link *l = c->link;
        int ok = c->reason == H2P_PROMISED || c->reason == H2P_HINTED;

        apr_atomic_inc64(&h2p_stats->reasons[c->reason]);
        rq->promised += c->reason == H2P_PROMISED;
        if (c->source == H2P_SRC_PRELOAD && ok) {
            apr_atomic_inc64(&h2p_stats->preload[
                                 c->reason == H2P_PROMISED ? P_PROMISED
                                                           : P_HINTED]);
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "h2push decision: source=%s target=<%.200s> path=%.200s"
                      " result=%s%s%s%s", source_name(c->source),
                      l->bad ? l->raw : l->target, c->path ? c->path : "-",
                      ok ? h2p_reason_name(c->reason) : "skipped reason=",
                      ok ? "" : h2p_reason_name(c->reason),
                      ok && c->as ? " as=" : "",
                      ok && c->as ? c->as
                      : ok && !l->as ? " (no as=: type unknown)" : "");
    }
    rq->paths = h2p_cands_paths(r->pool, cands, rq->paths);
    apr_table_setn(r->subprocess_env, "H2PUSH_PROMISED",
                   apr_itoa(r->pool, rq->promised));
    {   /* hinted so far for this request: this decision's added */
        const char *was = apr_table_get(r->subprocess_env, "H2PUSH_HINTED");
        int hinted = was ? atoi(was) : 0;

        for (i = 0; i < cands->nelts; ++i) {
            hinted += APR_ARRAY_IDX(cands, i, h2p_cand).reason == H2P_HINTED;
        }
        apr_table_setn(r->subprocess_env, "H2PUSH_HINTED",
                       apr_itoa(r->pool, hinted));
    }
    apr_table_setn(r->subprocess_env, "H2PUSH_PATHS", rq->paths);
    return n;
}

/* ------------------------------------------------------------------ */
/* Learned hints: the preload links of earlier responses, per URL      */
/* The rules are src/h2p_learn.c's; this is the glue to mod_socache, the
 * per-server bound (an LRU of store ids in shared memory) and locking. */

static apr_global_mutex_t *learn_mutex;   /* retained across generations */
static APR_OPTIONAL_FN_TYPE(ssl_var_lookup) *ssl_var;

static h2p_srv_conf *learning(request_rec *r)
{
    h2p_srv_conf *sc = ap_get_module_config(r->server->module_config,
                                            &h2push_module);
    return (sc->learn == 1 && sc->store) ? sc : NULL;
}

static void learn_lock(void)
{
    if (learn_mutex) {
        apr_global_mutex_lock(learn_mutex);
    }
}

static void learn_unlock(void)
{
    if (learn_mutex) {
        apr_global_mutex_unlock(learn_mutex);
    }
}

/* providers not safe across processes (shmcb) are used under the lock */
static int store_locks(const h2p_srv_conf *sc)
{
    return (sc->store->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) != 0;
}

/* The selectors of a request's Preload header lines and ?preload=
 * parameters into 'sels': their number, or -1 when one is not a
 * structured-field list of strings (then the request has none). */
static int preload_list(request_rec *r, apr_array_header_t *sels)
{
    const apr_array_header_t *h = apr_table_elts(r->headers_in);
    int i;

    for (i = 0; i < h->nelts; ++i) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(h, i, apr_table_entry_t);

        if (e->key && !strcasecmp(e->key, "Preload")
            && h2p_preload_parse(r->pool, e->val, sels) < 0) {
            return -1;
        }
    }
    if (h2p_preload_query(r->pool, first_of(r)->args, sels) < 0) {
        return -1;
    }
    return sels->nelts;
}

/* The request's selectors in normal form, where H2PushPreloadHeader
 * applies and it names some; else NULL. */
static const char *preload_key(request_rec *r, const h2p_dir_conf *dc)
{
    apr_array_header_t *sels;

    if (dc->preload != 1 || r->method_number != M_GET) {
        return NULL;
    }
    sels = apr_array_make(r->pool, 2, sizeof(const char *));
    return preload_list(r, sels) > 0 ? h2p_preload_normalise(r->pool, sels)
                                     : NULL;
}

/* The key of the URL the visitor asked for (the first request of an
 * internal-redirect chain), from the virtual host that serves it, or of
 * the H2PushLearnScope section that URL is in. */
static const char *learn_key_of(request_rec *first, h2p_req *frq,
                                const h2p_srv_conf *sc)
{
    h2p_dir_conf *dc = ap_get_module_config(first->per_dir_config,
                                            &h2push_module);
    server_rec *s = first->server;
    unsigned port = s->port ? s->port : first->connection->local_addr->port;
    const char *origin;

    if (!frq->learn_key) {
        const char *preload = preload_key(first, dc);

        origin = h2p_learn_origin(first->pool, ap_http_scheme(first),
                                  s->server_hostname, port);
        frq->learn_scope = dc->learn_scope == 1 && !preload;
        frq->learn_key = h2p_learn_key(
            first->pool, origin,
            first->parsed_uri.path ? first->parsed_uri.path : first->uri,
            sc->learn_query == 1 ? first->args : NULL,
            frq->learn_scope ? dc->scope : NULL);
        if (preload) {
            /* what a Preload request led to is its own: never replayed
             * to a request without it, or with another */
            frq->learn_key = apr_pstrcat(first->pool, frq->learn_key,
                                         " preload ", preload, NULL);
        }
    }
    return frq->learn_key;
}

/* Drop an id from the store and from this server's index. */
static void learn_drop(request_rec *r, const h2p_srv_conf *sc,
                       apr_uint64_t id)
{
    unsigned char idb[H2P_LEARN_ID_LEN];

    h2p_learn_id_bytes(id, idb);
    learn_lock();
    h2p_diary_remove(sc->index, id);
    if (!store_locks(sc)) {
        learn_unlock();
    }
    sc->store->provider->remove(sc->store->cache, r->server, idb,
                                H2P_LEARN_ID_LEN, r->pool);
    if (store_locks(sc)) {
        learn_unlock();
    }
}

/* The entry of the first request's key, as stored (NULL: none, or of
 * another key, or expired: then dropped and counted). Asked once a chain. */
static h2p_learn_entry *learned_entry(request_rec *first, h2p_req *frq,
                                      const h2p_srv_conf *sc)
{
    const char *key = learn_key_of(first, frq, sc);
    unsigned char idb[H2P_LEARN_ID_LEN];
    unsigned int len = H2P_LEARN_MAX_VALUE;
    unsigned char *buf;
    h2p_learn_entry *e;
    apr_uint64_t id = h2p_learn_id(key);
    apr_status_t rv;

    if (frq->learned_done) {
        return frq->entry;
    }
    frq->learned_done = 1;
    h2p_learn_id_bytes(id, idb);
    buf = apr_palloc(first->pool, len);
    if (store_locks(sc)) {
        learn_lock();
    }
    rv = sc->store->provider->retrieve(sc->store->cache, first->server, idb,
                                       H2P_LEARN_ID_LEN, buf, &len,
                                       first->pool);
    if (store_locks(sc)) {
        learn_unlock();
    }
    if (rv != APR_SUCCESS || len > H2P_LEARN_MAX_VALUE) {
        return NULL;
    }
    e = apr_palloc(first->pool, sizeof(*e));
    switch (h2p_learn_decode(first->pool, (const char *)buf, len, key,
                             apr_time_now(), e)) {
    case H2P_LEARN_OK:
        return frq->entry = e;
    case H2P_LEARN_EXPIRED:
        apr_atomic_inc64(&h2p_stats->learned[L_EXPIRED]);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, first,
                      "h2push learn: expired %s", key);
        learn_drop(first, sc, id);
        return NULL;
    default:
        return NULL;      /* a 64-bit id collision or a foreign entry */
    }
}

/* What to replay for this request (", "-joined link-values) or NULL. */
static const char *learned_links(request_rec *r, int max)
{
    h2p_srv_conf *sc = learning(r);
    request_rec *first = first_of(r);
    h2p_req *frq;
    h2p_learn_entry *e;

    if (!sc) {
        return NULL;
    }
    frq = get_req(first);
    e = learned_entry(first, frq, sc);
    return e ? h2p_learn_replay(r->pool, e, frq->learn_scope, max) : NULL;
}

/* all values of a header in both tables, comma-joined, or NULL */
static const char *out_header(request_rec *r, const char *name)
{
    const char *v = apr_table_get(r->headers_out, name);
    const char *e = apr_table_get(r->err_headers_out, name);

    return (v && e) ? apr_pstrcat(r->pool, v, ",", e, NULL) : v ? v : e;
}

static int verified_client_cert(request_rec *r)
{
    conn_rec *c = r->connection->master ? r->connection->master
                                        : r->connection;
    const char *v;

    if (!ssl_var || strcmp(ap_http_scheme(r), "https")) {
        return 0;
    }
    v = ssl_var(r->pool, r->server, c, r, "SSL_CLIENT_VERIFY");
    return v && !strcmp(v, "SUCCESS");
}

/* Why the response to this chain must not be learned from (what it says
 * about one visitor must not be replayed to another), or H2P_LR_NONE. */
static h2p_learn_refusal_t learn_refusal(request_rec *first,
                                         request_rec *last,
                                         const h2p_srv_conf *sc)
{
    h2p_learn_facts f;
    server_rec *s = first->server;
    request_rec *q;

    memset(&f, 0, sizeof(f));
    f.status = last->status;
    for (q = first; q != last; q = q->next) {
        if (q->status != HTTP_OK) {
            f.status = q->status;       /* an ErrorDocument's chain */
        }
    }
    f.host_ok = h2p_learn_host_ok(first->hostname, s->server_hostname,
                                  s->names, s->wild_names);
    f.query = first->args;
    f.learn_query = sc->learn_query == 1;
    f.authorization = apr_table_get(first->headers_in, "Authorization");
    f.user = last->user ? last->user : first->user;
    f.cookie = apr_table_get(first->headers_in, "Cookie");
    f.ignore_cookies = sc->ignore_cookies;
    f.cache_control = out_header(last, "Cache-Control");
    f.set_cookie = out_header(last, "Set-Cookie") != NULL;
    f.vary = out_header(last, "Vary");
    f.client_cert = verified_client_cert(first);
    return h2p_learn_refusal(&f);
}

/* Store an entry under its id and make the id the most recent of this
 * server's index; the least recent goes when the index is full. */
static void learn_store(request_rec *r, const h2p_srv_conf *sc,
                        const h2p_learn_entry *e, int replaced)
{
    apr_uint64_t id = h2p_learn_id(e->key), evicted = 0;
    unsigned char idb[H2P_LEARN_ID_LEN];
    h2p_diary_put_rc put = H2P_DIARY_HELD;
    const char *data;
    apr_size_t len;
    apr_status_t rv = APR_ENOSPC;

    if ((data = h2p_learn_encode(r->pool, e, &len)) != NULL) {
        h2p_learn_id_bytes(id, idb);
        learn_lock();
        if (!store_locks(sc)) {
            learn_unlock();
        }
        rv = sc->store->provider->store(sc->store->cache, r->server, idb,
                                        H2P_LEARN_ID_LEN,
                                        e->expiry + apr_time_from_sec(60),
                                        (unsigned char *)data,
                                        (unsigned int)len, r->pool);
        if (!store_locks(sc)) {
            learn_lock();
        }
        if (rv == APR_SUCCESS) {
            put = h2p_diary_put(sc->index, id, &evicted);
        }
        learn_unlock();
    }
    if (rv != APR_SUCCESS) {
        apr_atomic_inc64(&h2p_stats->learned[L_FAILED]);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, "h2push learn: "
                      "failed to store %s (%" APR_SIZE_T_FMT " bytes)",
                      e->key, data ? len : 0);
        return;
    }
    apr_atomic_inc64(&h2p_stats->learned[replaced ? L_REPLACED : L_STORED]);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push learn: %s %s: %s",
                  replaced ? "replaced" : "stored", e->key,
                  APR_ARRAY_IDX(e->sets, 0, const char *));
    if (put == H2P_DIARY_EVICTED) {
        h2p_learn_id_bytes(evicted, idb);
        if (store_locks(sc)) {
            learn_lock();
        }
        sc->store->provider->remove(sc->store->cache, r->server, idb,
                                    H2P_LEARN_ID_LEN, r->pool);
        if (store_locks(sc)) {
            learn_unlock();
        }
        apr_atomic_inc64(&h2p_stats->learned[L_EVICTED]);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push learn: evicted "
                      "id %016" APR_UINT64_T_HEX_FMT " (H2PushLearnMaxEntries "
                      "reached)", evicted);
    }
}

static int source_more(void *h, const char *key, const char *value)
{
    (void)key;
    *(apr_uint64_t *)h = fnv_more(*(apr_uint64_t *)h, value);
    return 1;
}

/* What a response's learned set is made from: its Link headers as they
 * are, and H2PushMax. */
static apr_uint64_t links_source(request_rec *r, int max)
{
    apr_uint64_t h = H2P_HASH_START ^ (apr_uint64_t)max;

    apr_table_do(source_more, &h, r->headers_out, "Link", NULL);
    apr_table_do(source_more, &h, r->err_headers_out, "Link", NULL);
    return h;
}

/* The same-origin preload links of a decided response, at most
 * H2PushMax, each path once: what would be learned from it. */
static const char *learn_set_of(request_rec *r, const h2p_req *rq,
                                const apr_array_header_t *cands)
{
    h2p_seen *seen = h2p_seen_make(r->pool);
    const char *value = "";
    int i, n = 0, max = H2P_OR_DEFAULT(rq->dc->max, H2P_DEFAULT_MAX);

    for (i = 0; i < cands->nelts && n < max; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        if (c->source == H2P_SRC_STATIC || !c->path
            || h2p_seen_add(seen, h2p_diary_key_pair(0,
                                                     h2p_hash(c->path)))) {
            continue;
        }
        value = apr_pstrcat(r->pool, value, *value ? ", " : "",
                            h2p_link_format(r->pool, c->link, c->path, 0),
                            NULL);
        ++n;
    }
    return value;
}

/* Once the response is done (log_transaction): learn its links under the
 * URL the visitor asked for, unless a refusal says no; a URL whose
 * response names none forgets what it had. */
static int h2p_log_transaction(request_rec *r)
{
    request_rec *first = first_of(r), *last = r;
    h2p_srv_conf *sc = learning(first);
    h2p_req *rq, *frq;
    h2p_learn_entry *old, e;
    h2p_learn_refusal_t why;
    apr_interval_time_t ttl;

    while (last->next) {
        last = last->next;
    }
    rq = req_of(last);
    if (!sc || !rq || !rq->learn_set || first->method_number != M_GET
        || first->header_only) {
        return DECLINED;
    }
    if ((why = learn_refusal(first, last, sc)) != H2P_LR_NONE) {
        if (*rq->learn_set) {
            apr_atomic_inc64(&h2p_stats->refused[why]);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, last, "h2push learn: "
                          "not learned (%s)", h2p_learn_refusal_name(why));
        }
        return DECLINED;
    }
    frq = get_req(first);
    old = learned_entry(first, frq, sc);
    if (!*rq->learn_set && !frq->learn_scope) {
        if (old) {
            learn_drop(last, sc, h2p_learn_id(old->key));
            apr_atomic_inc64(&h2p_stats->learned[L_REPLACED]);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, last, "h2push learn: "
                          "forgotten %s (no preload links now)", old->key);
        }
        return DECLINED;
    }
    ttl = H2P_OR_DEFAULT(sc->learn_ttl,
                         apr_time_from_sec(H2P_DEFAULT_LEARN_TTL));
    if (h2p_learn_update(last->pool, old, learn_key_of(first, frq, sc),
                         rq->learn_set, rq->learn_source, frq->learn_scope,
                         apr_time_now(), ttl, &e)) {
        learn_store(last, sc, &e, old != NULL);
    }
    return DECLINED;
}

/* ------------------------------------------------------------------ */
/* Before the handler: one 103 with the static list and learned hints  */

static int readable(request_rec *r)
{
    apr_file_t *f;

    if (apr_file_open(&f, r->filename, APR_FOPEN_READ, APR_OS_DEFAULT,
                      r->pool) != APR_SUCCESS) {
        return 0;
    }
    apr_file_close(f);
    return 1;
}

/* Will the page be served, so that pushing or hinting ahead of it is
 * right? A conditional request may end as 304, a missing file as 404, a
 * 100-continue must come first: those wait for the output filter. */
static int conditional_free(request_rec *r)
{
    return r->method_number == M_GET && !r->header_only && !r->expecting_100
           && !apr_table_get(r->headers_in, "If-None-Match")
           && !apr_table_get(r->headers_in, "If-Modified-Since");
}

static int page_will_be_served(request_rec *r)
{
    if (!conditional_free(r)) {
        return 0;
    }
    if (r->handler && !strcmp(r->handler, "redirect-handler")) {
        return 0;
    }
    if (!is_default_handler(r)) {
        return 1;
    }
    /* the default handler (or mod_autoindex) answers 404 or 403 for a
     * missing file, a directory without Options Indexes and an unreadable
     * file: no hints ahead of that */
    if (r->finfo.filetype == APR_DIR) {
        return (ap_allow_options(r) & OPT_INDEXES)
               && ap_find_linked_module("mod_autoindex.c");
    }
    return r->finfo.filetype == APR_REG;  /* readable(): once it matters */
}

/* The HTTP/1.1 leg of an h2c Upgrade: the request runs again as h2
 * stream 1, which sends the 103; this leg must not send one as well. */
static int upgrading_to_h2(request_rec *r)
{
    const char *up = apr_table_get(r->headers_in, "Upgrade");
    const char *conn = apr_table_get(r->headers_in, "Connection");
    apr_array_header_t *offers = NULL;
    const char *proto;

    if (r->connection->master || !up || !conn
        || !ap_find_token(r->pool, conn, "upgrade")
        || ap_parse_token_list_strict(r->pool, up, &offers, 0) || !offers) {
        return 0;
    }
    proto = ap_select_protocol(r->connection, r, r->server, offers);
    return proto && strcmp(proto, ap_get_protocol(r->connection));
}

/* Push to a push client; else hints, when H2PushEarlyHints asks for them
 * on this protocol and this is a navigation (browsers act on a 103 for
 * navigations only). After an internal redirect (a front controller's
 * rewrite) only when no request before it in the chain sent a 103, one
 * being all a response gets, and not for an ErrorDocument. */
static h2p_mode fixups_mode(request_rec *r, const h2p_req *rq,
                            const h2p_req *frq)
{
    const char *mode;
    const request_rec *q;
    h2p_srv_conf *sc = ap_get_module_config(r->server->module_config,
                                            &h2push_module);
    /* unset: what mod_http2's H2EarlyHints gave its own H2PushResource */
    int eh = H2P_OR_DEFAULT(rq->dc->early_hints,
                            sc->h2_early_hints == 1 ? EH_H2 : EH_OFF);

    if (frq->hinted) {
        return H2P_MODE_NONE;
    }
    for (q = r->prev; q; q = q->prev) {
        if (q->status != HTTP_OK) {
            return H2P_MODE_NONE;
        }
    }
    if (rq->push_ok) {
        return h2_var(r, "H2_PUSHED") ? H2P_MODE_NONE : H2P_MODE_PUSH;
    }
    if (eh == EH_OFF || r->proto_num < HTTP_VERSION(1, 1)
        || (eh == EH_H2 && !r->connection->master) || upgrading_to_h2(r)) {
        return H2P_MODE_NONE;
    }
    mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    if (mode && strcasecmp(mode, "navigate")) {
        return H2P_MODE_NONE;
    }
    return H2P_MODE_HINT;
}

/* A hint as it goes into a 103 (h2p_link_emit()), with nopush where the
 * client would take pushes but H2Push is off. */
static const char *with_nopush(apr_pool_t *p, const char *v)
{
    const char *gt = v ? strchr(v, '>') : NULL;

    return gt ? apr_pstrcat(p, apr_pstrmemdup(p, v, (apr_size_t)(gt + 1 - v)),
                            "; nopush", gt + 1, NULL) : v;
}

static const char *hint_emit(h2p_req *rq, const h2p_cand *c)
{
    const char *v = h2p_link_emit(rq->r->pool, c->link, c);

    return rq->push_off ? with_nopush(rq->r->pool, v) : v;
}

static h2p_interim *interim_of(conn_rec *c)
{
    h2p_conn *hc = ap_get_module_config(c->conn_config, &h2push_module);

    return hc ? &hc->interim : NULL;
}

/* Decide the 1xx of this request from now until its final response: on
 * a stream's own connection or an HTTP/1.1 one, the filter is added the
 * first time a request may send a 1xx (mod_http2's H2EarlyHint, a handler
 * other than the file handler), and stays. */
static void interim_arm(request_rec *r)
{
    conn_rec *c = r->connection;
    h2p_conn *hc = ap_get_module_config(c->conn_config, &h2push_module);

    if (!hc) {
        hc = apr_pcalloc(c->pool, sizeof(*hc));
        ap_set_module_config(c->conn_config, &h2push_module, hc);
    }
    if (!hc->interim_added) {
        ap_add_output_filter_handle(h2p_interim_handle, &hc->interim, NULL,
                                    c);
        hc->interim_added = 1;
    }
    hc->interim.r = r;
    hc->interim.len = 0;
}

/* The links learned for the URL asked for, as candidates. */
static void add_learned(request_rec *r, h2p_req *rq,
                        apr_array_header_t *cands)
{
    const char *learned = learned_links(r, H2P_OR_DEFAULT(rq->dc->max,
                                                          H2P_DEFAULT_MAX));
    apr_array_header_t *links;

    if (learned) {
        links = apr_array_make(r->pool, 4, sizeof(h2p_link));
        h2p_link_parse(r->pool, learned, links);
        h2p_cands_add(cands, links, H2P_SRC_LEARNED);
    }
}

/* Decide the static list and the learned hints before the handler, and
 * prepare their 103 (h2p_fixups_send() sends it). 'cached': a response
 * from mod_cache's quick handler, a 200 with no file behind it here. */
static void early_decide(request_rec *r, h2p_req *rq, int cached)
{
    h2p_req *frq = r->prev ? get_req(first_of(r)) : rq;
    apr_array_header_t *cands;
    h2p_mode mode;
    int n;

    mode = fixups_mode(r, rq, frq);
    if (mode == H2P_MODE_NONE
        || (cached ? !conditional_free(r) : !page_will_be_served(r))) {
        return;
    }
    cands = apr_array_make(r->pool, 8, sizeof(h2p_cand));
    h2p_cands_add(cands, rq->dc->resources, H2P_SRC_STATIC);
    add_learned(r, rq, cands);
    if (!cands->nelts
        || (!cached && is_default_handler(r) && r->finfo.filetype == APR_REG
            && !readable(r))) {
        return;
    }
    n = decide(rq, mode, 1, cands);
    rq->static_done = 1;
    rq->static_cands = cands;
    if (n) {
        int i;

        rq->page_headers = r->headers_out;
        r->headers_out = apr_table_make(r->pool, n);
        /* only mod_http2's own 103 (H2EarlyHint) could carry them back
         * through the 1xx filter before h2p_fixups_send() */
        if (rq->dc->h2_early_hint == 1) {
            rq->own_links = apr_hash_make(r->pool);
        }
        for (i = 0; i < cands->nelts; ++i) {
            const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
            if (c->reason == H2P_PROMISED || c->reason == H2P_HINTED) {
                const char *v = hint_emit(rq, c);
                apr_table_addn(r->headers_out, "Link", v);
                if (rq->own_links) {
                    apr_hash_set(rq->own_links, v, APR_HASH_KEY_STRING, v);
                }
            }
        }
        rq->hint_links = n;
    }
}

static int h2p_fixups(request_rec *r)
{
    h2p_dir_conf *dc;
    h2p_req *rq;

    if (r->main) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &h2push_module);
    if (!dc->resources->nelts && dc->h2_early_hint != 1
        && !learning(first_of(r))
        && !ap_get_module_config(r->request_config, &h2push_module)) {
        /* nothing to decide before the handler: note only that the
         * fixups ran (h2p_insert_filter() tells a cache hit by that) */
        ap_set_module_config(r->request_config, &h2push_module,
                             &fixups_seen);
        return DECLINED;
    }
    rq = get_req(r);
    rq->fixups_ran = 1;
    if (rq->dc->h2_early_hint == 1) {
        interim_arm(r);    /* mod_http2's own 103 (H2EarlyHint) is next */
    }
    early_decide(r, rq, 0);
    return DECLINED;
}

/* The last fixups: send the 103 prepared by h2p_fixups(), unless mod_http2
 * sent one for its own H2EarlyHint in between, which took this module's
 * links along (it sends whatever r->headers_out holds and empties it):
 * either way the client gets one 103. */
static int h2p_fixups_send(request_rec *r)
{
    h2p_req *rq = req_of(r);
    h2p_interim *in = interim_of(r->connection);
    const apr_array_header_t *elts;
    const char *old_line = r->status_line;
    int i, old_status = r->status;

    if (!rq || !rq->page_headers) {
        return DECLINED;
    }
    if (apr_table_get(r->headers_out, "Link")) {
        /* the 103 has the Links; what other hooks added meanwhile belongs
         * to the page */
        elts = apr_table_elts(r->headers_out);
        r->headers_out = apr_table_make(r->pool, rq->hint_links);
        for (i = 0; i < elts->nelts; ++i) {
            apr_table_entry_t *e = &APR_ARRAY_IDX(elts, i, apr_table_entry_t);
            apr_table_addn(strcasecmp(e->key, "Link") ? rq->page_headers
                                                      : r->headers_out,
                           e->key, e->val);
        }
        r->status = HTTP_EARLY_HINTS;
        r->status_line = "103 Early Hints";
        if (in) {
            in->bypass = 1;               /* decided already */
        }
        ap_send_interim_response(r, 1);   /* sends and empties headers_out */
        if (in) {
            in->bypass = 0;
        }
        r->status = old_status;
        r->status_line = old_line;
        apr_atomic_inc64(&h2p_stats->hints[H_SENT]);
    }                       /* else interim_decide() counted mod_http2's */
    r->headers_out = rq->page_headers;
    rq->page_headers = NULL;
    get_req(first_of(r))->hinted = 1;
    apr_atomic_add64(&h2p_stats->hints[H_LINKS], (apr_uint64_t)rq->hint_links);
    return DECLINED;
}

/* ------------------------------------------------------------------ */
/* With the response headers: Link headers (and a deferred static list) */

/* A response to hint for: GET or HEAD, 2xx or 3xx but not 304. */
static int hint_eligible(request_rec *r)
{
    return r->method_number == M_GET && r->status >= 200 && r->status < 400
           && r->status != HTTP_NOT_MODIFIED;
}

static int response_eligible(request_rec *r)
{
    return r->method_number == M_GET && !r->header_only
           && r->status >= 200 && r->status < 400
           && r->status != HTTP_NOT_MODIFIED;
}

/* The static list in the final response. To a push client: what the 103
 * promised is not repeated, what was withheld goes with nopush. To anyone
 * else: what was hinted, as plain preloads a browser can act on. */
static void add_static_links(request_rec *r, h2p_req *rq, int at_fixups,
                             h2p_seen *final)
{
    int i;

    for (i = 0; rq->static_cands && i < rq->static_cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(rq->static_cands, i, h2p_cand);

        if (c->source != H2P_SRC_STATIC
            || (rq->push_ok && at_fixups && c->reason == H2P_PROMISED)
            || (!rq->push_ok && c->reason != H2P_HINTED)
            || (c->path && h2p_seen_add(final, h2p_diary_key_pair(
                                            0, h2p_hash(c->path))))) {
            continue;       /* one Link a target: a header named it */
        }
        apr_table_addn(r->headers_out, "Link",
                       h2p_link_emit(r->pool, c->link, c));
    }
}

/* The Link headers of the response: decided; put back (h2p_lines_emit:
 * each link-value a header of its own, so that nothing in one can hide
 * another from mod_http2's parser: promised plain, withheld with nopush,
 * malformed dropped) when mod_http2 will read them for pushes, or when a
 * target is named twice (one Link a target); learned. */
static void decide_response(request_rec *r, h2p_req *rq)
{
    request_rec *first = first_of(r);
    apr_array_header_t *cands;
    h2p_seen *final;
    h2p_lines *lines;
    int i, at_fixups = rq->static_done;
    int learn = learning(first) && first->method_number == M_GET
                && !first->header_only;
    int ours = rq->html_links || rq->preload_links || rq->late_links->nelts
               || rq->dc->resources->nelts > 0;
    int quiet = !rq->push_ok && !ours && !APLOGrdebug(r);

    apr_atomic_inc64(&h2p_stats->top[C_RESPONSES]);
    if (learn) {
        h2p_req *frq = get_req(first);
        h2p_learn_entry *e = learned_entry(first, frq, learning(first));

        rq->learn_source = links_source(r, H2P_OR_DEFAULT(rq->dc->max,
                                                          H2P_DEFAULT_MAX));
        if (quiet && e && !frq->learn_scope && e->source == rq->learn_source
            && e->sets->nelts) {
            /* the Link headers the entry was learned from: the same set */
            rq->learn_set = APR_ARRAY_IDX(e->sets, 0, const char *);
            return;
        }
    }
    /* Links that nobody can use are not examined: a client that takes no
     * push, nothing learned from this response, no link of this module's
     * own to keep apart from them, no debug log to explain them in. */
    if (quiet && !learn) {
        return;
    }
    cands = apr_array_make(r->pool, 16, sizeof(h2p_cand));
    final = h2p_seen_make(r->pool);
    lines = h2p_lines_collect(r->pool, r->headers_out, r->err_headers_out,
                              cands);
    for (i = 0; rq->preload_links && i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        if (c->link->target && apr_hash_get(rq->preload_links,
                                            c->link->target,
                                            c->link->target_len)) {
            c->source = H2P_SRC_PRELOAD;
        }
    }
    if (cands->nelts) {
        decide(rq, rq->push_ok ? H2P_MODE_PUSH : H2P_MODE_NONE,
               response_eligible(r), cands);
        if (h2p_cands_dedupe(final, cands) || rq->push_ok) {
            h2p_lines_emit(r->pool, lines, cands);
        }
    }
    if (learn) {
        rq->learn_set = learn_set_of(r, rq, cands);
    }
    if (!at_fixups && rq->dc->resources->nelts) {
        rq->static_cands = apr_array_make(r->pool, rq->dc->resources->nelts,
                                          sizeof(h2p_cand));
        h2p_cands_add(rq->static_cands, rq->dc->resources, H2P_SRC_STATIC);
        decide(rq, rq->push_ok ? H2P_MODE_PUSH : H2P_MODE_HINT,
               rq->push_ok ? response_eligible(r) : hint_eligible(r),
               rq->static_cands);
    }
    add_static_links(r, rq, at_fixups, final);
    for (i = 0; i < rq->late_links->nelts; ++i) {
        apr_table_addn(r->headers_out, "Link",
                       APR_ARRAY_IDX(rq->late_links, i, const char *));
    }
}

/* Is there anything to decide with the response headers: Link headers,
 * a static list, the state of a decision before the handler, learning
 * (a URL whose response names no link forgets what it had)? */
static int has_work(request_rec *r)
{
    void *v = ap_get_module_config(r->request_config, &h2push_module);
    h2p_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                            &h2push_module);

    return (v && v != (void *)&fixups_seen) || dc->resources->nelts
           || apr_table_get(r->headers_out, "Link")
           || apr_table_get(r->err_headers_out, "Link")
           || learning(first_of(r));
}

static apr_status_t h2p_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;

    /* the headers are settled by the first brigade: act once, step out;
     * a pushed response is the answer to a decision, not a new one */
    h2p_interim *in = interim_of(r->connection);

    ap_remove_output_filter(f);
    if (in && in->r) {
        in->r = NULL;       /* the final response: no 1xx after it */
        in->len = 0;
    }
    if (!r->main && has_work(r) && !h2_var(r, "H2_PUSHED")) {
        decide_response(r, get_req(r));
    }
    return ap_pass_brigade(f->next, bb);
}

/* ------------------------------------------------------------------ */
/* 103s of handlers and proxied backends (interim responses)          */

#define H2P_INTERIM_MAX (64 * 1024)   /* a 1xx block held at most */

/* The policy for the Link headers of one 103 a handler sent: to a push
 * client promised plain, withheld with nopush (mod_http2 pushes from it);
 * to anyone else only what is hinted, and only in the first 103 of the
 * response (browsers act on the first): later ones are dropped and their
 * hints go into the final response's Link headers instead. Returns the
 * block to send, or NULL to drop it. */
static const char *interim_decide(request_rec *r, const char *block,
                                  apr_size_t len)
{
    h2p_req *rq = get_req(r), *frq = get_req(first_of(r));
    apr_table_t *t = apr_table_make(r->pool, 8);
    apr_array_header_t *cands = apr_array_make(r->pool, 8, sizeof(h2p_cand));
    const apr_array_header_t *elts;
    apr_array_header_t *others;
    h2p_lines *lines;
    char *text = apr_pstrmemdup(r->pool, block, len), *line, *last, *status;
    const char *out;
    int i, j, kept = 0, own = 0;

    status = apr_strtok(text, "\r\n", &last);
    if (!status || strlen(status) < 12 || strncmp(status + 8, " 103", 4)) {
        return apr_pstrmemdup(r->pool, block, len);     /* 100, 102... */
    }
    while ((line = apr_strtok(NULL, "\r\n", &last)) != NULL) {
        char *v = strchr(line, ':');
        if (v) {
            *v++ = '\0';
            apr_table_addn(t, line, apr_pstrdup(r->pool, v + strspn(v, " \t")));
        }
    }
    if (!(lines = h2p_lines_collect(r->pool, t, NULL, cands))) {
        return apr_pstrmemdup(r->pool, block, len);     /* no Link */
    }
    /* this module's own links (mod_http2 took them into its 103 for
     * H2EarlyHint) were decided at fixups: passed on as they are */
    others = apr_array_make(r->pool, cands->nelts, sizeof(h2p_cand));
    for (i = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        c->source = H2P_SRC_INTERIM;
        if (rq->own_links && apr_hash_get(rq->own_links, c->link->raw,
                                          c->link->raw_len)) {
            c->reason = H2P_SKIP_CLIENT;      /* h2p_link_emit: as it came */
            ++own;
        }
        else {
            *(h2p_cand *)apr_array_push(others) = *c;
        }
    }
    decide(rq, rq->push_ok ? H2P_MODE_PUSH : H2P_MODE_HINT,
           r->method_number == M_GET, others);
    for (i = 0, j = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        if (c->reason == H2P_SKIP_CLIENT) {   /* this module's own */
            kept++;
            continue;
        }
        *c = APR_ARRAY_IDX(others, j++, h2p_cand);
        if (rq->push_ok) {
            continue;
        }
        if (c->reason != H2P_HINTED) {
            c->reason = H2P_SKIP_DUPLICATE;   /* h2p_link_emit drops it */
        }
        else if (frq->hinted) {               /* a 103 went out already */
            APR_ARRAY_PUSH(rq->late_links, const char *) =
                h2p_link_emit(r->pool, c->link, c);
        }
        kept += c->reason == H2P_HINTED;
    }
    h2p_lines_emit(r->pool, lines, cands);
    if (rq->push_off) {                   /* one link-value a line now */
        const apr_array_header_t *links = apr_table_elts(t);
        for (i = 0; i < links->nelts; ++i) {
            apr_table_entry_t *e = &APR_ARRAY_IDX(links, i,
                                                  apr_table_entry_t);
            if (!strcasecmp(e->key, "Link") && !strstr(e->val, "nopush")) {
                e->val = (char *)with_nopush(r->pool, e->val);
            }
        }
    }
    if (!rq->push_ok && (frq->hinted || !kept)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push interim: 103 "
                      "dropped (%s)", kept ? "a 103 went out already: its "
                      "hints go into the final response" : "nothing in it "
                      "to hint");
        return NULL;
    }
    frq->hinted = 1;
    if (!own) {
        apr_atomic_inc64(&h2p_stats->hints[H_SENT]);
    }
    out = apr_pstrcat(r->pool, status, "\r\n", NULL);
    elts = apr_table_elts(t);
    for (i = 0; i < elts->nelts; ++i) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(elts, i,
                                                    apr_table_entry_t);
        out = apr_pstrcat(r->pool, out, e->key, ": ", e->val, "\r\n", NULL);
    }
    return apr_pstrcat(r->pool, out, "\r\n", NULL);
}

/* Stop deciding 1xx blocks: pass what is held as it came. */
static apr_status_t interim_disarm(ap_filter_t *f, h2p_interim *in,
                                   apr_bucket_brigade *bb)
{
    if (in->len) {
        APR_BRIGADE_INSERT_HEAD(bb, apr_bucket_heap_create(
                                    in->buf, in->len, NULL,
                                    f->c->bucket_alloc));
    }
    in->r = NULL;
    in->len = 0;
    return ap_pass_brigade(f->next, bb);
}

/* Connection filter: while a request is armed, whole 1xx blocks
 * ("HTTP/1.1 103 ...\r\n...\r\n\r\n", as ap_send_interim_response writes
 * them on HTTP/1.1 and on an h2 stream's connection, where mod_http2
 * reads them) are collected and passed on as interim_decide() makes
 * them. Anything else (the final response, h2 frames after an Upgrade)
 * disarms it. */
static apr_status_t h2p_interim_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    h2p_interim *in = f->ctx;

    while (in->r && !in->bypass && !APR_BRIGADE_EMPTY(bb)) {
        apr_bucket *b = APR_BRIGADE_FIRST(bb);
        const char *data, *end;
        apr_size_t n;

        if (APR_BUCKET_IS_FLUSH(b)) {
            apr_bucket_delete(b);           /* a whole block is flushed */
            continue;
        }
        if (APR_BUCKET_IS_METADATA(b)
            || apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS
            || in->len + n > H2P_INTERIM_MAX) {
            return interim_disarm(f, in, bb);
        }
        if (in->len + n > in->size) {
            char *buf = apr_palloc(f->c->pool, in->size = H2P_INTERIM_MAX);
            if (in->len) {
                memcpy(buf, in->buf, in->len);
            }
            in->buf = buf;
        }
        memcpy(in->buf + in->len, data, n);
        in->len += n;
        apr_bucket_delete(b);
        if (in->len >= 10 && (strncmp(in->buf, "HTTP/1.", 7)
                              || in->buf[9] != '1')) {
            return interim_disarm(f, in, bb);        /* not a 1xx */
        }
        while ((end = memmem(in->buf, in->len, "\r\n\r\n", 4)) != NULL) {
            apr_size_t blen = (apr_size_t)(end + 4 - in->buf);
            const char *out = interim_decide(in->r, in->buf, blen);
            apr_bucket_brigade *ob;
            apr_status_t rv;

            memmove(in->buf, in->buf + blen, in->len - blen);
            in->len -= blen;
            if (!out) {
                continue;
            }
            ob = apr_brigade_create(f->c->pool, f->c->bucket_alloc);
            APR_BRIGADE_INSERT_TAIL(ob, apr_bucket_heap_create(
                                        out, strlen(out), NULL,
                                        f->c->bucket_alloc));
            APR_BRIGADE_INSERT_TAIL(ob, apr_bucket_flush_create(
                                        f->c->bucket_alloc));
            if ((rv = ap_pass_brigade(f->next, ob)) != APR_SUCCESS) {
                return rv;
            }
        }
    }
    return APR_BRIGADE_EMPTY(bb) ? APR_SUCCESS : ap_pass_brigade(f->next, bb);
}

/* ------------------------------------------------------------------ */
/* Preload links in the HTML head (H2PushFromHTML)                    */

typedef struct {
    h2p_html *scan;
    apr_bucket_brigade *held;      /* what was scanned, held back */
    apr_array_header_t *found;     /* link-values (const char *) */
} h2p_html_ctx;

static int html_scannable(request_rec *r, const h2p_dir_conf *dc)
{
    return H2P_OR_DEFAULT(dc->from_html, 0) == 1 && !r->main
           && r->status >= 200 && r->status < 300
           && r->content_type
           && !strncasecmp(r->content_type, "text/html", 9)
           && !r->content_encoding && !out_header(r, "Content-Encoding");
}

/* Absolute URLs only, once the page has a <base href>: what it does to
 * relative references and absolute paths is not known here. */
static int html_link_usable(const h2p_html *scan, const char *v)
{
    return !h2p_html_has_base(scan) || h2p_scheme_end(v + 1, NULL) != NULL;
}

/* Holds the body back (at most H2PushHTMLScanMax) while it scans the
 * head, then adds what it found as Link headers and lets everything go,
 * unchanged. Ends early at </head>, <body>, a flush, a pause of the
 * handler (once the body has begun: data not ready to read) or the end. */
static apr_status_t h2p_html_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    h2p_html_ctx *ctx = f->ctx;
    apr_bucket *b;
    int i, added = 0, done = 0;

    if (!ctx) {
        h2p_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                                &h2push_module);
        if (!html_scannable(r, dc)) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        f->ctx = ctx = apr_pcalloc(r->pool, sizeof(*ctx));
        ctx->scan = h2p_html_create(r->pool, (apr_size_t)H2P_OR_DEFAULT(
                                        dc->scan_max, H2P_DEFAULT_SCAN_MAX));
        ctx->found = apr_array_make(r->pool, 4, sizeof(const char *));
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb) && !done;
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        apr_status_t rv;

        if (APR_BUCKET_IS_EOS(b) || APR_BUCKET_IS_FLUSH(b)) {
            done = 1;
            continue;
        }
        rv = apr_bucket_read(b, &data, &len, h2p_html_scanned(ctx->scan)
                                             ? APR_NONBLOCK_READ
                                             : APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            done = 1;   /* APR_EAGAIN: the handler pauses, like a flush */
        }
        else if (!APR_BUCKET_IS_METADATA(b)) {
            done = h2p_html_feed(ctx->scan, data, len, ctx->found)
                   == H2P_HTML_DONE;
        }
    }
    if (!done) {
        return ap_save_brigade(f, &ctx->held, &bb, r->pool);
    }
    for (i = 0; i < ctx->found->nelts; ++i) {
        const char *v = APR_ARRAY_IDX(ctx->found, i, const char *);

        if (added >= H2P_HTML_MAX_LINKS) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push html: "
                          "%d more links left out: at most %d are taken "
                          "from a page", ctx->found->nelts - i,
                          H2P_HTML_MAX_LINKS);
            break;
        }
        if (!html_link_usable(ctx->scan, v)) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "h2push html: found %s, left out: the page has a "
                          "<base href>", v);
            continue;
        }
        apr_table_addn(r->headers_out, "Link", v);
        ++added;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "h2push html: found %s", v);
    }
    apr_atomic_add64(&h2p_stats->hints[H_HTML], (apr_uint64_t)added);
    get_req(r)->html_links = added;
    ap_remove_output_filter(f);
    if (ctx->held) {
        APR_BRIGADE_PREPEND(bb, ctx->held);
    }
    return ap_pass_brigade(f->next, bb);
}

/* ------------------------------------------------------------------ */
/* The Vulcain Preload header: links selected in JSON responses        */
/* (H2PushPreloadHeader). The body is held (H2PushJSONScanMax at most)
 * while src/h2p_json.c reads the values the selectors reach; at its end
 * they become preload Links (as=fetch, crossorigin: an API's fetch()),
 * which the policy decides with the response's other Links. A selector
 * that goes on below a value that is a link (a nested selector) goes on
 * in that document, fetched like a pushed request would be. */

typedef struct {
    int sel, depth;
    const char *value;
} h2p_jmatch;

/* One JSON document being read: the response, or a linked one. */
typedef struct {
    request_rec *r;                /* whose pool */
    const char *base;              /* its path, for relative references */
    const h2p_jsel *sels;
    h2p_json *json;
    apr_array_header_t *matches;   /* h2p_jmatch */
    int level;                     /* 1: the response itself */
    apr_off_t read, max;
    const char *failed;            /* why the document is not used */
    int failed_counter;            /* P_* for it */
    apr_bucket_brigade *held;      /* the response's body, held back */
} h2p_jdoc;

static void json_match(void *baton, int sel, int depth, const char *value,
                       apr_size_t len)
{
    h2p_jdoc *d = baton;
    h2p_jmatch *m;

    if (d->matches->nelts >= H2P_JSON_MATCHES_MAX
        || memchr(value, '\0', len)) {
        return;             /* enough, or no URL (a \u0000 in it) */
    }
    m = apr_array_push(d->matches);
    m->sel = sel;
    m->depth = depth;
    m->value = apr_pstrmemdup(d->r->pool, value, len);
}

static h2p_jdoc *jdoc_make(request_rec *r, const char *base,
                           const h2p_jsel *sels, int level, apr_off_t max)
{
    h2p_jdoc *d = apr_pcalloc(r->pool, sizeof(*d));

    d->r = r;
    d->base = base;
    d->sels = sels;
    d->level = level;
    d->max = max;
    d->matches = apr_array_make(r->pool, 8, sizeof(h2p_jmatch));
    d->json = h2p_json_create(r->pool, sels, H2P_JSON_NESTING,
                              H2P_JSON_STRING_MAX, json_match, d);
    return d;
}

/* Read the data of a brigade into the document, until it fails (then
 * d->failed says why). */
static void jdoc_feed(h2p_jdoc *d, apr_bucket_brigade *bb, int *eos)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;
        int rc;

        if (APR_BUCKET_IS_EOS(b)) {
            *eos = 1;
            break;
        }
        if (d->failed || APR_BUCKET_IS_METADATA(b)) {
            continue;
        }
        if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS) {
            d->failed = "the body could not be read";
            d->failed_counter = P_BAD_JSON;
        }
        else if ((d->read += (apr_off_t)len) > d->max) {
            d->failed = apr_psprintf(d->r->pool, "longer than "
                                     "H2PushJSONScanMax (%" APR_OFF_T_FMT
                                     " bytes)", d->max);
            d->failed_counter = P_TOO_LARGE;
        }
        else if ((rc = h2p_json_feed(d->json, data, len)) < 0) {
            d->failed = h2p_json_strerror(rc);
            d->failed_counter = P_BAD_JSON;
        }
    }
    if (*eos && !d->failed) {
        int rc = h2p_json_finish(d->json);

        if (rc < 0) {
            d->failed = h2p_json_strerror(rc);
            d->failed_counter = P_BAD_JSON;
        }
    }
}

/* A JSON response the header may change: 2xx, a JSON type, no content
 * coding, no Cache-Control: no-transform. */
static int json_eligible(request_rec *r)
{
    const char *cc = out_header(r, "Cache-Control");

    return r->status >= 200 && r->status < 300
           && h2p_preload_json_type(r->content_type)
           && !r->content_encoding && !out_header(r, "Content-Encoding")
           && !(cc && ap_find_token(r->pool, cc, "no-transform"));
}

static ap_filter_rec_t *h2p_json_fetch_handle;

/* Takes a linked document's body into its h2p_jdoc, and nothing further:
 * the fetch's output goes nowhere else. */
static apr_status_t h2p_json_fetch_filter(ap_filter_t *f,
                                          apr_bucket_brigade *bb)
{
    h2p_jdoc *d = f->ctx;
    request_rec *rr = f->r;
    int eos = 0;

    if (!d->failed && !d->read && !json_eligible(rr)) {
        d->failed = apr_psprintf(d->r->pool, "status %d, type %s: not a "
                                 "JSON document", rr->status,
                                 rr->content_type ? rr->content_type : "-");
        d->failed_counter = P_NO_MATCH;
    }
    jdoc_feed(d, bb, &eos);
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
}

/* The document at 'path' as a pushed request would get it (no
 * credentials, only the headers mod_http2 gives a pushed request), read
 * with the rest of a nested selector; NULL when it is not served 200. */
static h2p_jdoc *preload_fetch(h2p_req *rq, const char *path,
                               const h2p_jsel *tail, int level)
{
    request_rec *r = rq->r, parent, *rr;
    h2p_jdoc *d = jdoc_make(r, path, tail, level, H2P_OR_DEFAULT(
                                rq->dc->json_scan_max,
                                H2P_DEFAULT_JSON_SCAN_MAX));
    int rc;

    pushed_parent(rq, &parent);
    apr_atomic_inc64(&h2p_stats->preload[P_NESTED]);
    rr = ap_sub_req_method_uri("GET", path, &parent, NULL);
    if (rr->status != HTTP_OK) {
        d->failed = apr_psprintf(r->pool, "status %d", rr->status);
    }
    else {
        ap_add_output_filter_handle(h2p_json_fetch_handle, d, rr,
                                    rr->connection);
        rc = ap_run_sub_req(rr);
        if (rc != OK || rr->status != HTTP_OK) {
            d->failed = apr_psprintf(r->pool, "status %d",
                                     rc != OK ? rc : rr->status);
        }
        else if (!d->failed && !d->read) {
            d->failed = "no body";
        }
    }
    ap_destroy_sub_req(rr);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push preload: fetched "
                  "%s for a nested selector: %s%s", path,
                  d->failed ? "not used: " : "ok",
                  d->failed ? d->failed : "");
    return d->failed ? NULL : d;
}

/* A URL a Link header can carry between < and > as it is. */
static int link_safe(const char *s)
{
    for (; *s; ++s) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f
            || *s == '<' || *s == '>' || *s == '"' || *s == '\\') {
            return 0;
        }
    }
    return 1;
}

/* The values the selectors reached, level by level (the response, then
 * the documents its links lead to, up to H2PushPreloadDepth levels and
 * H2PushMax documents), as preload Links of the response: each target
 * once, same-origin ones by their path. */
static void preload_links(request_rec *r, h2p_req *rq, h2p_jdoc *top)
{
    apr_array_header_t *docs = apr_array_make(r->pool, 4, sizeof(h2p_jdoc *));
    apr_hash_t *fetched = apr_hash_make(r->pool);
    const char *authority = request_authority(r);
    int depth = H2P_OR_DEFAULT(rq->dc->preload_depth,
                               H2P_DEFAULT_PRELOAD_DEPTH);
    int fetches = H2P_OR_DEFAULT(rq->dc->max, H2P_DEFAULT_MAX);
    int d, i, added = 0;

    rq->preload_links = apr_hash_make(r->pool);
    APR_ARRAY_PUSH(docs, h2p_jdoc *) = top;
    for (d = 0; d < docs->nelts; ++d) {
        h2p_jdoc *doc = APR_ARRAY_IDX(docs, d, h2p_jdoc *);

        for (i = 0; i < doc->matches->nelts; ++i) {
            const h2p_jmatch *m = &APR_ARRAY_IDX(doc->matches, i, h2p_jmatch);
            const char *path = NULL, *target, *fkey;
            h2p_uri_rc rc = h2p_uri_resolve(r->pool, ap_http_scheme(r),
                                            authority, doc->base, m->value,
                                            &path);

            target = rc == H2P_URI_OK ? path : m->value;
            if (rc == H2P_URI_BAD || !link_safe(target)) {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push "
                              "preload: \"%.200s\" is not a URL, left out",
                              m->value);
                continue;
            }
            if (!apr_hash_get(rq->preload_links, target, APR_HASH_KEY_STRING)
                && added < H2P_HTML_MAX_LINKS) {
                apr_hash_set(rq->preload_links, target, APR_HASH_KEY_STRING,
                             target);
                apr_table_addn(r->headers_out, "Link", apr_pstrcat(
                                   r->pool, "<", target, ">; rel=preload; "
                                   "as=fetch; crossorigin", NULL));
                ++added;
            }
            if (rc != H2P_URI_OK
                || m->depth >= h2p_jsel_segments(doc->sels, m->sel)
                || doc->level >= depth || fetches <= 0) {
                continue;
            }
            fkey = apr_psprintf(r->pool, "%s %d %d %d", path, d, m->sel,
                                m->depth);
            if (!apr_hash_get(fetched, fkey, APR_HASH_KEY_STRING)) {
                h2p_jdoc *next = preload_fetch(
                    rq, path, h2p_jsel_tail(r->pool, doc->sels, m->sel,
                                            m->depth), doc->level + 1);

                apr_hash_set(fetched, fkey, APR_HASH_KEY_STRING, fkey);
                --fetches;
                if (next) {
                    APR_ARRAY_PUSH(docs, h2p_jdoc *) = next;
                }
            }
        }
    }
    apr_atomic_inc64(&h2p_stats->preload[added ? P_REQUESTS : P_NO_MATCH]);
    apr_atomic_add64(&h2p_stats->preload[P_LINKS], (apr_uint64_t)added);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push preload: %d link%s "
                  "selected in %d document%s", added, added == 1 ? "" : "s",
                  docs->nelts, docs->nelts == 1 ? "" : "s");
}

/* Holds a JSON response back while it reads it; adds Vary: Preload to
 * every response the header could change, and, when the request names
 * selectors, the Links they selected. The body goes on unchanged: at the
 * end, or as soon as it is not read any further (too long, not JSON). */
static apr_status_t h2p_json_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    h2p_jdoc *d = f->ctx;
    int eos = 0;

    if (!d) {
        h2p_req *rq = get_req(r);
        apr_array_header_t *sels;
        const h2p_jsel *js = NULL;
        const char *why = NULL;
        int n;

        if (!json_eligible(r)) {     /* GET only: h2p_insert_filter() */
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        apr_table_mergen(r->headers_out, "Vary", "Preload");
        sels = apr_array_make(r->pool, 2, sizeof(const char *));
        n = preload_list(r, sels);
        if (n < 0) {
            why = "is not a list of strings";
        }
        else if (n > 0) {
            js = h2p_jsel_compile(r->pool, (const char * const *)sels->elts,
                                  sels->nelts, &why);
        }
        if (!js) {
            if (why) {
                apr_atomic_inc64(&h2p_stats->preload[P_BAD_HEADER]);
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push preload:"
                              " the Preload header %s: response left alone",
                              why);
            }
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        f->ctx = d = jdoc_make(r, first_of(r)->parsed_uri.path
                                  ? first_of(r)->parsed_uri.path
                                  : first_of(r)->uri, js, 1,
                               H2P_OR_DEFAULT(rq->dc->json_scan_max,
                                              H2P_DEFAULT_JSON_SCAN_MAX));
    }
    jdoc_feed(d, bb, &eos);
    if (!eos && !d->failed) {
        return ap_save_brigade(f, &d->held, &bb, r->pool);
    }
    if (d->failed) {
        apr_atomic_inc64(&h2p_stats->preload[d->failed_counter]);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push preload: the "
                      "response was not read (%s): left alone", d->failed);
    }
    else {
        preload_links(r, get_req(r), d);
    }
    ap_remove_output_filter(f);
    if (d->held) {
        APR_BRIGADE_PREPEND(bb, d->held);
    }
    return ap_pass_brigade(f->next, bb);
}

static ap_filter_rec_t *h2p_filter_handle;
static ap_filter_rec_t *h2p_html_filter_handle;
static ap_filter_rec_t *h2p_json_filter_handle;

static void h2p_insert_filter(request_rec *r)
{
    void *v = ap_get_module_config(r->request_config, &h2push_module);
    h2p_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                            &h2push_module);

    if (r->main) {
        return;
    }
    if (!v) {
        h2p_req *rq = get_req(r);
        /* a cache hit (mod_cache's quick handler): no phase merged the
         * <Location>, <Directory> and .htaccess settings; a lookup does,
         * and the hints go out now, as they would have at fixups */
        request_rec *rr = ap_sub_req_lookup_uri(r->uri, r, NULL);

        req_configure(rq, ap_get_module_config(rr->per_dir_config,
                                               &h2push_module));
        rq->fixups_ran = 1;
        early_decide(r, rq, 1);
        h2p_fixups_send(r);
        dc = rq->dc;
    }
    if (!is_default_handler(r)) {
        interim_arm(r);     /* until the final response starts */
    }
    ap_add_output_filter_handle(h2p_filter_handle, NULL, r, r->connection);
    if (H2P_OR_DEFAULT(dc->from_html, 0) == 1) {
        ap_add_output_filter_handle(h2p_html_filter_handle, NULL, r,
                                    r->connection);
    }
    if (dc->preload == 1 && r->method_number == M_GET) {
        ap_add_output_filter_handle(h2p_json_filter_handle, NULL, r,
                                    r->connection);
    }
}

/* ------------------------------------------------------------------ */
/* Status page                                                        */

/* Every counter once, in the order of the JSON document: its group (the
 * JSON object it sits in, dotted when nested; "" at the top level), its
 * name there, its value. The HTML tables and the ?auto lines of both the
 * module's page and mod_status's server-status come from the same list. */
typedef struct {
    const char *group;
    const char *name;
    apr_uint64_t value;
} h2p_stat;

#define H2P_NSTATS (C_N + 2 + H2P_NREASONS + H_N + L_N + H2P_LR_N + P_N \
                    + H2P_CHS_N + 1)

static int chan_stats(h2p_stat *out, int n);    /* push channels */

static int stats_group(h2p_stat *out, int n, const char *group,
                       const char * const *names, apr_uint64_t *values,
                       int count)
{
    int i;

    for (i = 0; i < count; ++i) {
        if (values == h2p_stats->reasons
            && (i == H2P_PROMISED || i == H2P_HINTED)) {
            continue;
        }
        out[n].group = group;
        out[n].name = names[i];
        out[n].value = apr_atomic_read64(&values[i]);
        ++n;
    }
    return n;
}

static int stats_collect(h2p_stat *out)
{
    static const char * const top[] = { "responses", "links" };
    static const char * const hints[] = { "sent", "links", "html_links" };
    static const char * const learned[] = { "stored", "replaced", "expired",
                                            "evicted", "failed" };
    static const char * const preload[] = { "requests", "links", "promised",
                                            "hinted", "nested", "bad_header",
                                            "bad_json", "too_large",
                                            "no_match" };
    const char *reasons[H2P_NREASONS], *refusals[H2P_LR_N];
    h2p_counters *st = h2p_stats;
    int i, n;

    for (i = 0; i < H2P_NREASONS; ++i) {
        reasons[i] = h2p_reason_name(i);
    }
    for (i = 0; i < H2P_LR_N; ++i) {
        refusals[i] = h2p_learn_refusal_name(i);
    }
    n = stats_group(out, 0, "", top, st->top, C_N);
    out[n].group = "";
    out[n].name = "promised";
    out[n++].value = apr_atomic_read64(&st->reasons[H2P_PROMISED]);
    out[n].group = "";
    out[n].name = "hinted";
    out[n++].value = apr_atomic_read64(&st->reasons[H2P_HINTED]);
    n = stats_group(out, n, "skipped", reasons, st->reasons, H2P_NREASONS);
    n = stats_group(out, n, "hints", hints, st->hints, H_N);
    n = stats_group(out, n, "learned", learned, st->learned, L_N);
    n = stats_group(out, n, "learned.refused", refusals, st->refused,
                    H2P_LR_N);
    n = stats_group(out, n, "preload", preload, st->preload, P_N);
    return chan_stats(out, n);
}

/* How many leading dot-separated components groups a and b share. */
static int common_depth(const char *a, const char *b)
{
    int depth = 0;

    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");

        if (!la || la != lb || strncmp(a, b, la)) {
            return depth;
        }
        ++depth;
        if (!a[la] || !b[lb]) {
            return depth;
        }
        a += la + 1;
        b += lb + 1;
    }
}

static int group_depth(const char *g)
{
    int depth = *g ? 1 : 0;

    for (; *g; ++g) {
        depth += *g == '.';
    }
    return depth;
}

static void print_json(request_rec *r, const h2p_stat *s, int n)
{
    const char *group = "";
    int i, first = 1;

    ap_rputs("{", r);
    for (i = 0; i < n; ++i) {
        if (strcmp(s[i].group, group)) {
            int keep = common_depth(group, s[i].group);
            int d, depth = group_depth(group);
            const char *g = s[i].group;

            for (d = depth; d > keep; --d) {
                ap_rputs("}", r);
                first = 0;
            }
            for (d = 0; d < group_depth(s[i].group); ++d) {
                const char *dot = strchr(g, '.');
                int len = dot ? (int)(dot - g) : (int)strlen(g);

                if (d >= keep) {
                    ap_rprintf(r, "%s\"%.*s\":{", first ? "" : ",", len, g);
                    first = 1;
                }
                g = dot ? dot + 1 : g + len;
            }
            group = s[i].group;
        }
        ap_rprintf(r, "%s\"%s\":%" APR_UINT64_T_FMT, first ? "" : ",",
                   s[i].name, s[i].value);
        first = 0;
    }
    for (i = group_depth(group); i > 0; --i) {
        ap_rputs("}", r);
    }
    ap_rputs("}\n", r);
}

static const char *html_title(const char *group)
{
    return !*group ? ""
           : !strcmp(group, "skipped") ? "skipped: "
           : !strcmp(group, "hints") ? "103 hints: "
           : !strcmp(group, "learned") ? "learned: "
           : !strcmp(group, "learned.refused") ? "not learned: " : group;
}

/* HTML: table rows, or (mod_status's ?notable) lines. */
static void print_html(request_rec *r, const h2p_stat *s, int n, int table)
{
    int i;

    for (i = 0; i < n; ++i) {
        ap_rprintf(r, table ? "<tr><th>%s%s</th><td>%" APR_UINT64_T_FMT
                              "</td></tr>\n"
                            : "%s%s: %" APR_UINT64_T_FMT "<br />\n",
                   html_title(s[i].group), s[i].name, s[i].value);
    }
}

/* "H2Push" and the JSON name, each word of its group and name capitalised,
 * '.', '-' and '_' dropped: learned.refused.no-store is
 * H2PushLearnedRefusedNoStore. */
static const char *auto_name(apr_pool_t *p, const h2p_stat *s)
{
    const char *in = apr_pstrcat(p, s->group, *s->group ? "." : "", s->name,
                                 NULL);
    char *out = apr_palloc(p, strlen(in) + sizeof("H2Push")), *o;
    int up = 1;

    o = out + strlen(strcpy(out, "H2Push"));
    for (; *in; ++in) {
        if (*in == '.' || *in == '-' || *in == '_') {
            up = 1;
            continue;
        }
        *o++ = up ? apr_toupper(*in) : *in;
        up = 0;
    }
    *o = '\0';
    return out;
}

/* ?auto: "Name: value" lines, as mod_status's own ?auto page has them
 * (what apache_exporter and other monitoring read). */
static void print_auto(request_rec *r, const h2p_stat *s, int n)
{
    int i;

    ap_rputs("H2PushVersion: " MOD_H2PUSH_VERSION "\n", r);
    for (i = 0; i < n; ++i) {
        ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "\n", auto_name(r->pool, &s[i]),
                   s[i].value);
    }
}

static int h2p_status_handler(request_rec *r)
{
    h2p_stat s[H2P_NSTATS];
    int n, json, autof;

    if (!r->handler || strcmp(r->handler, H2P_STATUS_HANDLER)) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    json = r->args && !strcmp(r->args, "json");
    autof = r->args && !strcmp(r->args, "auto");
    ap_set_content_type(r, json ? "application/json"
                           : autof ? "text/plain; charset=ISO-8859-1"
                           : "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    n = stats_collect(s);
    if (json) {
        print_json(r, s, n);
        return OK;
    }
    if (autof) {
        print_auto(r, s, n);
        return OK;
    }
    ap_rputs(DOCTYPE_HTML_4_01 "<html><head><title>mod_h2push status</title>"
             "</head><body><h1>mod_h2push status</h1>\n"
             "<p>mod_h2push/" MOD_H2PUSH_VERSION ". Counters of all child "
             "processes since the last (re)start. <a href=\"?json\">JSON</a>"
             " <a href=\"?auto\">auto</a></p>\n<table border=\"1\">\n", r);
    print_html(r, s, n, 1);
    ap_rputs("</table></body></html>\n", r);
    return OK;
}

/* mod_status's server-status: the same counters, a section of the HTML
 * page, "H2Push...: n" lines of ?auto. */
static int h2p_status_hook(request_rec *r, int flags)
{
    h2p_stat s[H2P_NSTATS];
    int n = stats_collect(s);

    if (flags & AP_STATUS_SHORT) {
        print_auto(r, s, n);
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_h2push/" MOD_H2PUSH_VERSION "</h2>\n"
             "<p>Counters of all child processes since the last (re)start"
             " (also on the module's own h2push-status page, as JSON with"
             " ?json).</p>\n", r);
    if (flags & AP_STATUS_NOTABLE) {
        print_html(r, s, n, 0);
    }
    else {
        ap_rputs("<table border=\"1\">\n", r);
        print_html(r, s, n, 1);
        ap_rputs("</table>\n", r);
    }
    return OK;
}

/* ---- push channels (h2push-channel, h2push-publish) ---- */

/* A push channel holds a stream open and delivers every event published
 * to it: to a push client as a 103 with one preload Link per event (which
 * mod_http2 pushes), the final 204 only when the channel closes; to
 * anyone else as text/event-stream. Events live in one ring of slots in
 * shared memory (src/h2p_channel.h), for every child process and across
 * graceful restarts; publishers and subscribers find each other by the
 * channel's path: a subscriber's URL path, a publisher's without its last
 * segment (POST /updates/publish publishes to /updates). */

#define H2P_CHAN_HANDLER       "h2push-channel"
#define H2P_PUB_HANDLER        "h2push-publish"
#define H2P_CHAN_MUTEX         "h2push-channel"
#define H2P_CHAN_DEFAULT_BUFFER    1000
#define H2P_CHAN_DEFAULT_MAX_EVENT (64 * 1024)
#define H2P_CHAN_DEFAULT_MAX_AGE   apr_time_from_sec(3600)
#define H2P_CHAN_DEFAULT_HEARTBEAT apr_time_from_sec(25)
#define H2P_CHAN_DEFAULT_MAX_PUSHES 256
#define H2P_CHAN_POLL          apr_time_from_msec(250) /* a wait at most */
#define H2P_CHAN_BATCH         64     /* events copied out at a time */

/* Server-wide settings (the main server's config only: one ring). */
static long chan_buffer = -1, chan_max_subs = -1;
static apr_off_t chan_max_event = -1;
static const char *chan_store;            /* NULL: shared memory */
static long chan_subs_default = 1;        /* half of MaxRequestWorkers */
static const char *chan_redis_host, *chan_redis_prefix;
static apr_port_t chan_redis_port;
static int chan_configured;               /* a handler or directive names it */

/* This generation's ring and mutex (retained: survive graceful). */
static h2p_chan_ring *chan_ring;
static apr_global_mutex_t *chan_mutex;

typedef struct {
    apr_shm_t *shm;
    apr_global_mutex_t *mutex;
    apr_uint32_t nslots, max_event;
} h2p_chan_retained;

static const char *cmd_chan_count(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    long v;

    (void)dconf;
    if (err) {
        return err;
    }
    if ((err = parse_range(cmd, arg, 1, 1000000, &v)) != NULL) {
        return err;
    }
    *(cmd->info == (void *)&chan_buffer ? &chan_buffer : &chan_max_subs) = v;
    chan_configured = 1;
    return NULL;
}

static const char *cmd_chan_max_event(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_off_t v;

    (void)dconf;
    if (err || (err = parse_size(cmd, arg, &v)) != NULL) {
        return err;
    }
    if (v < 1 || v > 16 * 1024 * 1024) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not from 1 to 16M",
                            cmd->cmd->name, arg);
    }
    chan_max_event = v;
    chan_configured = 1;
    return NULL;
}

static const char *cmd_chan_store(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dconf;
    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "shm")) {
        chan_store = NULL;
        return NULL;
    }
    if (!h2p_chan_redis_url(cmd->pool, arg, &chan_redis_host,
                            &chan_redis_port, &chan_redis_prefix)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is neither shm nor "
                            "redis://host:port[/key-prefix] (host: letters, "
                            "digits, '.', '-'; port 1-65535; prefix: 1-64 of "
                            "letters, digits, _ . : -)", cmd->cmd->name, arg);
    }
    chan_store = arg;
    chan_configured = 1;
    return NULL;
}

static const char *cmd_chan_interval(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    h2p_dir_conf *dc = dconf;
    apr_interval_time_t v = h2p_chan_interval(arg);

    if (v <= 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an interval: give "
                            "a number followed by ms, s, m or h (e.g. 25s)",
                            cmd->cmd->name, arg);
    }
    if (cmd->info) {
        dc->chan_heartbeat = v;
    }
    else {
        dc->chan_max_age = v;
    }
    chan_configured = 1;
    return NULL;
}

static const char *cmd_chan_max_pushes(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    long v;
    const char *err = parse_range(cmd, arg, 1, 1000000, &v);

    if (!err) {
        ((h2p_dir_conf *)dconf)->chan_max_pushes = v;
        chan_configured = 1;
    }
    return err;
}

static const char *cmd_chan_every(cmd_parms *cmd, void *dconf,
                                  const char *interval, const char *path)
{
    h2p_dir_conf *dc = dconf;
    apr_interval_time_t v = h2p_chan_interval(interval);

    const char *c;

    if (!strcasecmp(interval, "off")) {
        if (path) {
            return apr_psprintf(cmd->pool, "%s: 'off' takes no path",
                                cmd->cmd->name);
        }
        dc->chan_every = 0;
        dc->chan_every_path = NULL;
        return NULL;
    }
    if (v < apr_time_from_msec(100)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an interval of 100ms "
                            "or more (e.g. 5s)", cmd->cmd->name, interval);
    }
    for (c = path; c && *c; ++c) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f
            || strchr("<>\"#\\", *c)) {
            break;
        }
    }
    if (!path || *path != '/' || path[1] == '/' || *c) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a local URL path "
                            "(/..., no spaces, controls, <>\"#\\)",
                            cmd->cmd->name, path ? path : "");
    }
    dc->chan_every = v;
    dc->chan_every_path = path;
    chan_configured = 1;
    return NULL;
}

/* Does the configuration use channels at all (no ring otherwise)? */
static int chan_in_config(ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (d->args && (!strcasecmp(d->directive, "SetHandler")
                        || !strcasecmp(d->directive, "AddHandler"))
            && (ap_strcasestr(d->args, H2P_CHAN_HANDLER)
                || ap_strcasestr(d->args, H2P_PUB_HANDLER))) {
            return 1;
        }
        if (chan_in_config(d->first_child)) {
            return 1;
        }
    }
    return 0;
}

static int chan_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    chan_buffer = chan_max_subs = -1;
    chan_max_event = -1;
    chan_store = NULL;
    chan_configured = 0;
    return ap_mutex_register(pconf, H2P_CHAN_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* The ring: made once, kept across graceful restarts while its shape
 * (H2PushChannelBuffer, H2PushChannelMaxEventSize) stays; every start-up
 * bumps its generation, which ends the channels of the children before. */
static int chan_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    h2p_chan_retained *rt;
    apr_uint32_t n = (apr_uint32_t)H2P_OR_DEFAULT(chan_buffer,
                                                  H2P_CHAN_DEFAULT_BUFFER);
    apr_uint32_t max = (apr_uint32_t)H2P_OR_DEFAULT(
                           chan_max_event, H2P_CHAN_DEFAULT_MAX_EVENT);
    apr_size_t bytes = h2p_chan_ring_bytes(n, max);

    (void)plog; (void)ptemp;
    chan_ring = NULL;
    chan_mutex = NULL;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        || (!chan_configured && !chan_in_config(ap_conftree))) {
        return OK;
    }
    rt = ap_retained_data_get("mod_h2push-channel");
    if (!rt) {
        rt = ap_retained_data_create("mod_h2push-channel", sizeof(*rt));
    }
    if (rt->shm && (rt->nslots != n || rt->max_event != max)) {
        apr_shm_destroy(rt->shm);      /* old children keep their mapping */
        rt->shm = NULL;
    }
    if (!rt->shm) {
        if (!bytes || apr_shm_create(&rt->shm, bytes, NULL,
                                     s->process->pool) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "h2push channel: "
                         "cannot make %" APR_SIZE_T_FMT " bytes of shared "
                         "memory for %u events of %u bytes", bytes, n, max);
            rt->shm = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        h2p_chan_ring_init(apr_shm_baseaddr_get(rt->shm), n, max);
        rt->nslots = n;
        rt->max_event = max;
    }
    if (!rt->mutex
        && ap_global_mutex_create(&rt->mutex, NULL, H2P_CHAN_MUTEX, NULL, s,
                                  s->process->pool, 0) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    chan_ring = apr_shm_baseaddr_get(rt->shm);
    chan_mutex = rt->mutex;
    {
        /* every held subscriber keeps a connection thread busy: by
         * default half of them stay for everything else */
        int daemons = 0, threads = 0;
        ap_mpm_query(AP_MPMQ_MAX_DAEMONS, &daemons);
        ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
        chan_subs_default = (long)(daemons > 0 ? daemons : 1)
                            * (threads > 0 ? threads : 1) / 2;
        if (chan_subs_default < 1) {
            chan_subs_default = 1;
        }
    }
    apr_atomic_inc32(&chan_ring->generation);
    chan_ring->subscribers = 0;     /* children of before count no more */
    h2p_chan_wake(chan_ring);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "h2push channel: ring of %u "
                 "events of up to %u bytes (%" APR_SIZE_T_FMT " bytes of "
                 "shared memory), last event %" APR_UINT64_T_FMT ", at most "
                 "%ld subscribers%s", n, max, bytes, chan_ring->seq,
                 H2P_OR_DEFAULT(chan_max_subs, chan_subs_default),
                 chan_max_subs < 0 ? " (half of MaxRequestWorkers)" : "");
    (void)pconf;
    return OK;
}

static void chan_follower_start(apr_pool_t *p, server_rec *s);

static void chan_child_init(apr_pool_t *p, server_rec *s)
{
    if (chan_mutex) {
        apr_global_mutex_child_init(&chan_mutex,
                                    apr_global_mutex_lockfile(chan_mutex), p);
        if (chan_store) {
            chan_follower_start(p, s);
        }
    }
}

static int chan_stats(h2p_stat *out, int n)
{
    int i;

    for (i = 0; i < H2P_CHS_N; ++i) {
        out[n].group = "channel";
        out[n].name = h2p_chan_stat_names[i];
        out[n++].value = chan_ring ? apr_atomic_read64(&chan_ring->stats[i])
                                   : 0;
    }
    out[n].group = "channel";
    out[n].name = "subscribers";
    out[n++].value = chan_ring ? apr_atomic_read32(&chan_ring->subscribers)
                               : 0;
    return n;
}

static void chan_count(int which, apr_uint64_t n)
{
    apr_atomic_add64(&chan_ring->stats[which], n);
}

/* The channel path of a subscriber's URL: without trailing slashes. */
static const char *chan_path(apr_pool_t *p, const char *uri)
{
    apr_size_t n = strlen(uri);

    while (n > 1 && uri[n - 1] == '/') {
        --n;
    }
    return apr_pstrmemdup(p, uri, n);
}

static int chan_text(request_rec *r, int status, const char *text)
{
    r->status = status;
    ap_set_content_type(r, "text/plain; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_rprintf(r, "%s\n", text);
    return OK;
}

static apr_status_t chan_lock(void)
{
    return apr_global_mutex_lock(chan_mutex);
}

static void chan_unlock(void)
{
    apr_global_mutex_unlock(chan_mutex);
}

/* H2PushChannelStore redis://host:port/prefix: a publish goes to the Redis
 * stream <prefix>:events (XADD, MAXLEN ~ H2PushChannelBuffer; ids from
 * INCR <prefix>:seq unless given); in every Apache, one child process
 * (elected through the ring's header) copies the stream into its ring
 * (XREAD BLOCK), where the subscribers and event resources read as with
 * shared memory alone. A ring that starts empty (a new server) is first
 * filled from the newest entries of the stream (XREVRANGE). */

#define H2P_CHAN_REDIS_TIMEOUT apr_time_from_sec(2)
#define H2P_CHAN_FOLLOW_BLOCK  "250"          /* ms an XREAD blocks */

#if APR_HAS_THREADS
static apr_thread_t *chan_follower;
#endif
static volatile int chan_follower_stop;

static const char *chan_redis_key(apr_pool_t *p, const char *what)
{
    return apr_pstrcat(p, chan_redis_prefix, ":", what, NULL);
}

static int chan_redis_ok(const h2p_resp *rep)
{
    return rep && rep->type != H2P_RESP_ERROR;
}

/* Publish ev to Redis; its id (given or INCR) in *id. NULL or a reason. */
static const char *chan_redis_publish(request_rec *r, h2p_chan_event *ev,
                                      const char **id)
{
    h2p_redis *rc;
    h2p_resp *rep = NULL;
    const char *argv[20];
    apr_size_t lens[20];
    int argc = 0;
    apr_status_t rv;

    if ((rv = h2p_redis_connect(&rc, r->pool, chan_redis_host,
                                chan_redis_port, H2P_CHAN_REDIS_TIMEOUT))
        != APR_SUCCESS) {
        return apr_psprintf(r->pool, "cannot connect to redis %s:%u (%pm)",
                            chan_redis_host, chan_redis_port, &rv);
    }
    *id = ev->id;
    if (!*id) {
        argv[0] = "INCR";
        argv[1] = chan_redis_key(r->pool, "seq");
        if (h2p_redis_cmd(rc, r->pool, &rep, H2P_CHAN_REDIS_TIMEOUT, 2, argv,
                          NULL) != APR_SUCCESS
            || rep->type != H2P_RESP_INT) {
            h2p_redis_close(rc);
            return "redis INCR failed";
        }
        *id = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, rep->integer);
    }
#define ARG(s, n) (argv[argc] = (s), lens[argc++] = (n))
#define SARG(s) ARG((s), strlen(s))
    SARG("XADD");
    SARG(chan_redis_key(r->pool, "events"));
    SARG("MAXLEN");
    SARG("~");
    SARG(apr_psprintf(r->pool, "%u", chan_ring->nslots));
    SARG("*");
    SARG("c"); SARG(ev->channel);
    SARG("t"); SARG(apr_array_pstrcat(r->pool, ev->topics, '\n'));
    SARG("k"); SARG(ev->kind == H2P_CHAN_URL ? "u" : "d");
    SARG("y"); SARG(ev->type ? ev->type : "");
    SARG("i"); SARG(*id);
    SARG("d"); ARG(ev->data, ev->len);
#undef SARG
#undef ARG
    rv = h2p_redis_cmd(rc, r->pool, &rep, H2P_CHAN_REDIS_TIMEOUT, argc, argv,
                       lens);
    h2p_redis_close(rc);
    if (rv != APR_SUCCESS || !chan_redis_ok(rep)) {
        return apr_psprintf(r->pool, "redis XADD failed: %s",
                            rep && rep->str ? rep->str : "no reply");
    }
    return NULL;
}

/* One stream entry [id, [field, value, ...]] into the ring (locked by the
 * caller); 1 when it was an event. */
static int chan_follow_put(apr_pool_t *p, const h2p_resp *entry)
{
    h2p_chan_event ev;
    const h2p_resp *f;
    int i, dropped;

    if (!entry || entry->type != H2P_RESP_ARRAY || entry->n != 2
        || entry->elts[0]->type != H2P_RESP_BULK
        || (f = entry->elts[1])->type != H2P_RESP_ARRAY) {
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.kind = H2P_CHAN_DATA;
    ev.topics = apr_array_make(p, 2, sizeof(const char *));
    for (i = 0; i + 1 < f->n; i += 2) {
        const h2p_resp *k = f->elts[i], *v = f->elts[i + 1];
        if (k->type != H2P_RESP_BULK || v->type != H2P_RESP_BULK || v->nil) {
            continue;
        }
        switch (k->len == 1 ? k->str[0] : 0) {
        case 'c': ev.channel = v->str; break;
        case 'k': ev.kind = v->str[0] == 'u' ? H2P_CHAN_URL : H2P_CHAN_DATA;
                  break;
        case 'y': ev.type = *v->str ? v->str : NULL; break;
        case 'i': ev.id = v->str; break;
        case 'd': ev.data = v->str; ev.len = v->len; break;
        case 't': {
            char *last, *t, *s = apr_pstrdup(p, v->str);
            for (t = apr_strtok(s, "\n", &last); t;
                 t = apr_strtok(NULL, "\n", &last)) {
                APR_ARRAY_PUSH(ev.topics, const char *) = t;
            }
            break;
        }
        }
    }
    apr_cpystrn(chan_ring->store_last, entry->elts[0]->str,
                sizeof(chan_ring->store_last));
    if (!ev.channel || !ev.data || !ev.id) {
        return 0;
    }
    if (!h2p_chan_ring_put(chan_ring, &ev, apr_time_now(), &dropped)) {
        return 0;
    }
    if (dropped) {
        chan_count(H2P_CHS_DROPPED, 1);
    }
    return 1;
}

/* Am I (this process) the follower? Take over when the follower gave no
 * sign of life for 2 s. */
static int chan_follow_elect(void)
{
    apr_uint32_t me = (apr_uint32_t)getpid();
    apr_time_t now = apr_time_now();
    int mine;

    if (chan_lock() != APR_SUCCESS) {
        return 0;
    }
    mine = chan_ring->follower_pid == me;
    if (!mine && now - chan_ring->follower_beat > apr_time_from_sec(2)) {
        chan_ring->follower_pid = me;
        mine = 1;
    }
    if (mine) {
        chan_ring->follower_beat = now;
    }
    chan_unlock();
    return mine;
}

static void *APR_THREAD_FUNC chan_follow(apr_thread_t *thread, void *data)
{
    server_rec *s = data;
    apr_pool_t *p, *it;
    h2p_redis *rc = NULL;
    const char *key;
    int was_leader = 0, complained = 0;

    (void)thread;
    apr_pool_create(&p, NULL);
    apr_pool_create(&it, p);
    key = chan_redis_key(p, "events");
    while (!chan_follower_stop) {
        int state = AP_MPMQ_RUNNING;
        h2p_resp *rep = NULL;
        const char *argv[8];
        int i, j, n = 0;

        apr_pool_clear(it);
        ap_mpm_query(AP_MPMQ_MPM_STATE, &state);
        if (state == AP_MPMQ_STOPPING) {
            break;
        }
        if (!chan_follow_elect()) {
            was_leader = 0;
            apr_sleep(apr_time_from_msec(500));
            continue;
        }
        if (!was_leader) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "h2push channel: "
                         "this process copies redis %s:%u %s into the "
                         "buffer", chan_redis_host, chan_redis_port, key);
            was_leader = 1;
        }
        if (!rc) {
            apr_status_t rv = h2p_redis_connect(&rc, p, chan_redis_host,
                                                chan_redis_port,
                                                H2P_CHAN_REDIS_TIMEOUT);
            if (rv != APR_SUCCESS) {
                rc = NULL;
                if (!complained++) {
                    ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "h2push "
                                 "channel: cannot connect to redis %s:%u",
                                 chan_redis_host, chan_redis_port);
                }
                apr_sleep(apr_time_from_msec(500));
                continue;
            }
            complained = 0;
        }
        if (!chan_ring->store_last[0]) {
            /* a new buffer: the newest entries first, then in order */
            argv[0] = "XREVRANGE"; argv[1] = key; argv[2] = "+";
            argv[3] = "-"; argv[4] = "COUNT";
            argv[5] = apr_psprintf(it, "%u", chan_ring->nslots);
            if (h2p_redis_cmd(rc, it, &rep, H2P_CHAN_REDIS_TIMEOUT, 6, argv,
                              NULL) != APR_SUCCESS
                || rep->type != H2P_RESP_ARRAY) {
                h2p_redis_close(rc);
                rc = NULL;
                continue;
            }
            if (chan_lock() == APR_SUCCESS) {
                for (i = rep->n - 1; i >= 0; --i) {
                    n += chan_follow_put(it, rep->elts[i]);
                }
                if (!chan_ring->store_last[0]) {
                    apr_cpystrn(chan_ring->store_last, "0-0",
                                sizeof(chan_ring->store_last));
                }
                chan_unlock();
            }
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "h2push channel: "
                         "%d events taken from redis into a new buffer", n);
        }
        else {
            argv[0] = "XREAD"; argv[1] = "COUNT"; argv[2] = "100";
            argv[3] = "BLOCK"; argv[4] = H2P_CHAN_FOLLOW_BLOCK;
            argv[5] = "STREAMS"; argv[6] = key;
            argv[7] = apr_pstrdup(it, chan_ring->store_last);
            if (h2p_redis_cmd(rc, it, &rep, H2P_CHAN_REDIS_TIMEOUT, 8, argv,
                              NULL) != APR_SUCCESS || !chan_redis_ok(rep)) {
                h2p_redis_close(rc);
                rc = NULL;
                continue;
            }
            if (rep->type == H2P_RESP_ARRAY && !rep->nil
                && chan_lock() == APR_SUCCESS) {
                for (i = 0; i < rep->n; ++i) {
                    const h2p_resp *st = rep->elts[i];
                    if (st->type != H2P_RESP_ARRAY || st->n != 2
                        || st->elts[1]->type != H2P_RESP_ARRAY) {
                        continue;
                    }
                    for (j = 0; j < st->elts[1]->n; ++j) {
                        n += chan_follow_put(it, st->elts[1]->elts[j]);
                    }
                }
                chan_unlock();
            }
        }
        if (n) {
            h2p_chan_wake(chan_ring);
        }
    }
    if (rc) {
        h2p_redis_close(rc);
    }
    if (chan_lock() == APR_SUCCESS) {
        if (chan_ring->follower_pid == (apr_uint32_t)getpid()) {
            chan_ring->follower_beat = 0;   /* another takes over now */
        }
        chan_unlock();
    }
    apr_pool_destroy(p);
    return NULL;
}

static apr_status_t chan_follower_cleanup(void *data)
{
    (void)data;
    chan_follower_stop = 1;
#if APR_HAS_THREADS
    if (chan_follower) {
        apr_status_t rv;
        apr_thread_join(&rv, chan_follower);
        chan_follower = NULL;
    }
#endif
    return APR_SUCCESS;
}

static void chan_follower_start(apr_pool_t *p, server_rec *s)
{
#if APR_HAS_THREADS
    chan_follower_stop = 0;
    if (apr_thread_create(&chan_follower, NULL, chan_follow, s, p)
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "h2push channel: cannot "
                     "start the redis follower thread");
        return;
    }
    apr_pool_cleanup_register(p, NULL, chan_follower_cleanup,
                              apr_pool_cleanup_null);
#else
    (void)p;
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "h2push channel: "
                 "H2PushChannelStore redis needs threads");
#endif
}

/* 201 Created, Location: <channel>/events/<id>, {"id":"<id>"} */
static int chan_created(request_rec *r, const char *channel, const char *id)
{
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, strcmp(channel, "/") ? channel : "",
                               "/events/", id, NULL));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    r->status = HTTP_CREATED;
    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\"id\":\"%s\"}\n", id);
    return OK;
}

/* Publish through Redis; answer once this server's buffer holds the
 * event (its follower copied it), 1 s at most. */
static int chan_publish_redis(request_rec *r, h2p_chan_event *ev)
{
    const char *id = NULL, *err = chan_redis_publish(r, ev, &id);
    apr_time_t until = apr_time_now() + apr_time_from_sec(1);
    int held = 0;

    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "h2push channel %s: "
                      "publish failed: %s", ev->channel, err);
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    chan_count(H2P_CHS_PUBLISHED, 1);
    while (!held && apr_time_now() < until) {
        apr_uint32_t seen = apr_atomic_read32(&chan_ring->wake);
        held = h2p_chan_ring_find(chan_ring, ev->channel, id) != 0;
        if (!held) {
            h2p_chan_wait(chan_ring, seen, until - apr_time_now());
        }
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: event "
                  "%s published to redis %s:%u (%s %s, %" APR_SIZE_T_FMT
                  " bytes)%s", ev->channel, id, chan_redis_host,
                  chan_redis_port, ev->kind == H2P_CHAN_URL ? "url" : "data",
                  ev->kind == H2P_CHAN_URL ? ev->data : "", ev->len,
                  held ? "" : ", not yet in this server's buffer");
    return chan_created(r, ev->channel, id);
}

/* POST <channel>/<anything>: a form makes an event (201). */
static int chan_publish(request_rec *r)
{
    apr_size_t max = chan_ring->max_event, limit = max * 3 + 16384, len = 0;
    apr_array_header_t *fields = apr_array_make(r->pool, 8,
                                                sizeof(h2p_chan_field));
    const char *channel = h2p_chan_parent(r->pool, r->uri), *err;
    h2p_chan_event ev, got;
    char *body;
    apr_uint64_t seq;
    int dropped, rc;

    if (r->method_number != M_POST) {
        ap_allow_methods(r, REPLACE_ALLOW, "POST", NULL);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        return rc;
    }
    if (r->remaining > (apr_off_t)limit) {
        ap_discard_request_body(r);
        return chan_text(r, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                             r->pool, "the form is larger than %"
                             APR_SIZE_T_FMT " bytes", limit));
    }
    body = apr_palloc(r->pool, limit + 1);
    if (ap_should_client_block(r)) {
        long got_n;
        while ((got_n = ap_get_client_block(r, body + len, limit + 1 - len))
               > 0) {
            len += (apr_size_t)got_n;
            if (len > limit) {
                ap_discard_request_body(r);
                return chan_text(r, HTTP_REQUEST_ENTITY_TOO_LARGE,
                                 "the form is too large");
            }
        }
        if (got_n < 0) {
            return HTTP_BAD_REQUEST;
        }
    }
    body[len] = '\0';
    if ((err = h2p_chan_form_parse(r->pool, apr_table_get(r->headers_in,
                                                          "Content-Type"),
                                   body, len, fields)) != NULL
        || (err = h2p_chan_event_from_form(r->pool, fields, &ev)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: "
                      "publish refused: %s", channel, err);
        return chan_text(r, HTTP_BAD_REQUEST, err);
    }
    if (ev.len > max) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: "
                      "publish refused: %" APR_SIZE_T_FMT " bytes, "
                      "H2PushChannelMaxEventSize is %" APR_SIZE_T_FMT,
                      channel, ev.len, max);
        return chan_text(r, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                             r->pool, "the event is larger than %"
                             APR_SIZE_T_FMT " bytes", max));
    }
    if (strlen(channel) > H2P_CHAN_PATH_MAX) {
        return chan_text(r, HTTP_BAD_REQUEST, "channel path too long");
    }
    if (ev.kind == H2P_CHAN_URL) {
        /* decided as a push candidate: what its pushed request would get
         * (no credentials), within H2PushMaxSize */
        h2p_req *rq = get_req(r);
        const char *ctype, *path = apr_pstrmemdup(r->pool, ev.data,
                                                  strcspn(ev.data, "?"));
        h2p_reason why;

        rq->mode = H2P_MODE_PUSH;
        why = verify_path(rq, path, &ctype);
        if (why != H2P_PROMISED) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: "
                          "publish refused: %s is not pushable (%s)",
                          channel, ev.data, h2p_reason_name(why));
            return chan_text(r, HTTP_BAD_REQUEST, apr_psprintf(
                                 r->pool, "url %s would not be pushed: %s",
                                 ev.data, h2p_reason_name(why)));
        }
    }
    ev.channel = channel;
    if (chan_store) {
        return chan_publish_redis(r, &ev);
    }
    if (chan_lock() != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    seq = h2p_chan_ring_put(chan_ring, &ev, apr_time_now(), &dropped);
    if (seq) {
        h2p_chan_ring_get(chan_ring, seq, r->pool, &got);
    }
    chan_unlock();
    if (!seq) {
        return chan_text(r, HTTP_BAD_REQUEST, "the event does not fit a "
                         "slot (id, type or topics too long)");
    }
    h2p_chan_wake(chan_ring);
    chan_count(H2P_CHS_PUBLISHED, 1);
    if (dropped) {
        chan_count(H2P_CHS_DROPPED, 1);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: event "
                  "%s published (%s %s, %" APR_SIZE_T_FMT " bytes, sequence %"
                  APR_UINT64_T_FMT "%s)", channel, got.id,
                  ev.kind == H2P_CHAN_URL ? "url" : "data",
                  ev.kind == H2P_CHAN_URL ? ev.data : "", ev.len, seq,
                  dropped ? ", the oldest event dropped" : "");
    return chan_created(r, channel, got.id);
}

/* GET <channel>/events/<id>: a data event's payload. */
static int chan_event_resource(request_rec *r, const char *channel,
                               const char *id)
{
    h2p_chan_event ev;
    apr_uint64_t seq;
    int found = 0;

    if (r->method_number != M_GET) {
        ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    /* no lock: a pushed event's resource is read by every push
     * subscriber at once (see h2p_channel.h, the seqlock) */
    seq = h2p_chan_ring_find(chan_ring, channel, id);
    found = seq && h2p_chan_ring_get(chan_ring, seq, r->pool, &ev);
    if (!found) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: "
                      "event %s is not in the buffer", channel, id);
        return HTTP_NOT_FOUND;
    }
    apr_table_setn(r->headers_out, "H2Push-Event-ID", ev.id);
    apr_table_setn(r->headers_out, "H2Push-Topic",
                   apr_array_pstrcat(r->pool, ev.topics, ','));
    if (ev.kind == H2P_CHAN_URL) {
        apr_table_setn(r->headers_out, "Location", ev.data);
        return HTTP_SEE_OTHER;
    }
    ap_set_content_type(r, ev.type ? ev.type : "text/plain");
    ap_set_content_length(r, (apr_off_t)ev.len);
    if (!r->header_only && ev.len) {
        ap_rwrite(ev.data, (int)ev.len, r);
    }
    return OK;
}

/* One subscriber's state. */
typedef struct {
    request_rec *r;
    const char *channel;
    apr_array_header_t *topics;    /* wanted; empty: every topic */
    int push;                      /* push client, else SSE */
    apr_bucket_brigade *bb;        /* SSE output */
    apr_bucket_brigade *probe;     /* HTTP/1.1: is the client there? */
    apr_uint64_t cursor;           /* the last sequence number seen */
    apr_uint64_t delivered;
    apr_uint64_t max_pushes;       /* H2PushChannelMaxPushes (push only) */
    int counted;                   /* in ring->subscribers */
    apr_uint32_t generation;
} h2p_chan_sub;

static apr_status_t chan_sub_cleanup(void *data)
{
    h2p_chan_sub *sub = data;

    if (sub->counted && chan_ring
        && sub->generation == apr_atomic_read32(&chan_ring->generation)) {
        apr_atomic_dec32(&chan_ring->subscribers);
    }
    sub->counted = 0;
    return APR_SUCCESS;
}

/* Send one 103 with a preload Link: mod_http2 pushes it. This module's
 * own 103: the 1xx filter passes it as it is (decided at publish). */
static int chan_send_103(h2p_chan_sub *sub, apr_pool_t *tmp, const char *url)
{
    request_rec *r = sub->r;
    h2p_interim *in = interim_of(r->connection);
    apr_table_t *saved = r->headers_out;

    r->headers_out = apr_table_make(tmp, 1);
    apr_table_setn(r->headers_out, "Link",
                   apr_pstrcat(tmp, "<", url, ">; rel=preload", NULL));
    r->status = HTTP_EARLY_HINTS;
    r->status_line = "103 Early Hints";
    if (in) {
        in->bypass = 1;
    }
    ap_send_interim_response(r, 1);
    if (in) {
        in->bypass = 0;
    }
    r->headers_out = saved;
    r->status = HTTP_OK;
    r->status_line = NULL;
    return !r->connection->aborted;
}

static int chan_send_sse(h2p_chan_sub *sub, const char *text)
{
    request_rec *r = sub->r;
    apr_status_t rv;

    apr_brigade_puts(sub->bb, NULL, NULL, text);
    APR_BRIGADE_INSERT_TAIL(sub->bb, apr_bucket_flush_create(
                                r->connection->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, sub->bb);
    apr_brigade_cleanup(sub->bb);
    return rv == APR_SUCCESS && !r->connection->aborted;
}

static int chan_deliver(h2p_chan_sub *sub, apr_pool_t *tmp,
                        const h2p_chan_event *ev, int replay)
{
    int ok;

    if (sub->push) {
        const char *url = ev->kind == H2P_CHAN_URL
            ? h2p_chan_url_unique(tmp, ev->data, ev->id)
            : apr_pstrcat(tmp, strcmp(sub->channel, "/") ? sub->channel : "",
                          "/events/", ev->id, NULL);
        ok = chan_send_103(sub, tmp, url);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, sub->r, "h2push channel "
                      "%s: event %s %s as a push of %s", sub->channel,
                      ev->id, replay ? "replayed" : "delivered", url);
    }
    else {
        ok = chan_send_sse(sub, h2p_chan_sse(tmp, ev, sub->topics));
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, sub->r, "h2push channel "
                      "%s: event %s %s as server-sent event", sub->channel,
                      ev->id, replay ? "replayed" : "delivered");
    }
    if (ok) {
        chan_count(sub->push ? H2P_CHS_PUSHED : H2P_CHS_SSE, 1);
        if (replay) {
            chan_count(H2P_CHS_REPLAYED, 1);
        }
        sub->delivered++;
    }
    return ok;
}

/* Deliver what came after sub->cursor. 0: the client is gone. */
static int chan_catch_up(h2p_chan_sub *sub, apr_pool_t *tmp, int replay)
{
    for (;;) {
        h2p_chan_event evs[H2P_CHAN_BATCH];
        apr_uint64_t seq, oldest, last;
        int n = 0, i;

        /* no lock: every subscriber reads at once (the seqlock) */
        last = h2p_chan_ring_last(chan_ring);
        oldest = h2p_chan_ring_oldest(chan_ring);
        if (sub->cursor + 1 < oldest) {
            chan_count(H2P_CHS_MISSED, oldest - 1 - sub->cursor);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, sub->r, "h2push "
                          "channel %s: %" APR_UINT64_T_FMT " events left the "
                          "buffer before this subscriber saw them",
                          sub->channel, oldest - 1 - sub->cursor);
            sub->cursor = oldest - 1;
        }
        for (seq = sub->cursor + 1; seq <= last && n < H2P_CHAN_BATCH
             && !(sub->push && sub->delivered + n >= sub->max_pushes);
             ++seq) {
            h2p_chan_event *ev = &evs[n];
            sub->cursor = seq;
            if (!h2p_chan_ring_get(chan_ring, seq, tmp, ev)) {
                /* the oldest, overwritten since 'last' was read */
                chan_count(H2P_CHS_MISSED, 1);
            }
            else if (!strcmp(ev->channel, sub->channel)
                     && h2p_chan_topic_match(ev->topics, sub->topics)) {
                ++n;
            }
        }
        for (i = 0; i < n; ++i) {
            if (!chan_deliver(sub, tmp, &evs[i], replay)) {
                return 0;
            }
        }
        if (sub->cursor >= last
            || (sub->push && sub->delivered >= sub->max_pushes)) {
            return 1;
        }
    }
}

/* HTTP/1.1: has the client closed the connection? (On h2, mod_http2
 * sets c->aborted for a reset or a disconnect.) A non-blocking
 * speculative read through the connection's input filters (TLS too). */
static int chan_h1_gone(h2p_chan_sub *sub)
{
    conn_rec *c = sub->r->connection;
    apr_status_t rv;

    if (c->master) {
        return c->aborted;
    }
    if (!sub->probe) {
        sub->probe = apr_brigade_create(sub->r->pool, c->bucket_alloc);
    }
    rv = ap_get_brigade(c->input_filters, sub->probe, AP_MODE_SPECULATIVE,
                        APR_NONBLOCK_READ, 1);
    apr_brigade_cleanup(sub->probe);
    return c->aborted || (rv != APR_SUCCESS && !APR_STATUS_IS_EAGAIN(rv));
}

static int chan_stopping(h2p_chan_sub *sub)
{
    int state = AP_MPMQ_RUNNING;

    ap_mpm_query(AP_MPMQ_MPM_STATE, &state);
    return state == AP_MPMQ_STOPPING
           || sub->generation != apr_atomic_read32(&chan_ring->generation);
}

/* GET <channel>[?topic=..&lastEventID=..]: hold the stream. */
static int chan_subscribe(request_rec *r, h2p_dir_conf *dc)
{
    h2p_chan_sub *sub = apr_pcalloc(r->pool, sizeof(*sub));
    apr_array_header_t *args = apr_array_make(r->pool, 4,
                                              sizeof(h2p_chan_field));
    const char *accept = apr_table_get(r->headers_in, "Accept");
    const char *last_id = apr_table_get(r->headers_in, "Last-Event-ID");
    const char *push_var = h2_var(r, "H2_PUSH"), *why = "";
    apr_interval_time_t max_age = H2P_OR_DEFAULT(dc->chan_max_age,
                                                 H2P_CHAN_DEFAULT_MAX_AGE);
    apr_interval_time_t heartbeat = H2P_OR_DEFAULT(
                                        dc->chan_heartbeat,
                                        H2P_CHAN_DEFAULT_HEARTBEAT);
    apr_interval_time_t every = dc->chan_every_path && dc->chan_every > 0
                                ? dc->chan_every : 0;
    apr_time_t start = apr_time_now(), next_hb, next_tick, deadline;
    apr_time_t next_probe = 0;
    apr_uint64_t ticks = 0;
    apr_pool_t *tmp;
    long max_subs = H2P_OR_DEFAULT(chan_max_subs, chan_subs_default);
    int i, ok = 1;

    if (r->method_number != M_GET) {
        ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    sub->r = r;
    sub->max_pushes = (apr_uint64_t)H2P_OR_DEFAULT(
                          dc->chan_max_pushes, H2P_CHAN_DEFAULT_MAX_PUSHES);
    sub->channel = chan_path(r->pool, r->uri);
    sub->topics = apr_array_make(r->pool, 4, sizeof(const char *));
    if (r->args && h2p_chan_urlencoded(r->pool, r->args, strlen(r->args),
                                       args)) {
        return chan_text(r, HTTP_BAD_REQUEST, "bad query string");
    }
    for (i = 0; i < args->nelts; ++i) {
        h2p_chan_field *f = &APR_ARRAY_IDX(args, i, h2p_chan_field);
        if (!strcmp(f->name, "topic") && h2p_chan_topic_ok(f->value)) {
            APR_ARRAY_PUSH(sub->topics, const char *) = f->value;
        }
        else if (!strcmp(f->name, "lastEventID") && *f->value) {
            last_id = f->value;
        }
    }
    if (r->header_only) {               /* HEAD: what a GET would start */
        ap_set_content_type(r, "text/event-stream; charset=utf-8");
        apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
        return OK;
    }
    sub->push = push_var && !strcmp(push_var, "on")
                && !h2_var(r, "H2_PUSHED")
                && !(accept && ap_strcasestr(accept, "text/event-stream"));
    sub->generation = apr_atomic_read32(&chan_ring->generation);
    if (apr_atomic_inc32(&chan_ring->subscribers) >= (apr_uint32_t)max_subs) {
        apr_atomic_dec32(&chan_ring->subscribers);
        chan_count(H2P_CHS_REFUSED, 1);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "h2push channel %s: "
                      "subscriber refused: H2PushChannelMaxSubscribers (%ld) "
                      "reached", sub->channel, max_subs);
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    sub->counted = 1;
    apr_pool_cleanup_register(r->pool, sub, chan_sub_cleanup,
                              apr_pool_cleanup_null);
    chan_count(H2P_CHS_SUBSCRIBED, 1);
    apr_pool_create(&tmp, r->pool);
    apr_pool_tag(tmp, "h2push-channel");

    /* where to start: after Last-Event-ID (all held events of the channel
     * when that id is no longer held), else from now */
    sub->cursor = h2p_chan_ring_last(chan_ring);
    if (last_id) {
        apr_uint64_t at = h2p_chan_id_ok(last_id)
                          ? h2p_chan_ring_find(chan_ring, sub->channel,
                                               last_id) : 0;
        sub->cursor = at ? at : h2p_chan_ring_oldest(chan_ring) - 1;
        why = at ? ", replaying after it" : ", not held: replaying every "
                                            "held event";
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: "
                  "subscribed as a %s client (%s%s), topics %s, last event "
                  "id %s%s, max age %" APR_TIME_T_FMT " s", sub->channel,
                  sub->push ? "push" : "server-sent events",
                  sub->push ? "push enabled" : !push_var ? "not HTTP/2"
                  : strcmp(push_var, "on") ? "push not enabled"
                  : h2_var(r, "H2_PUSHED") ? "a pushed stream"
                  : "Accept: text/event-stream", "",
                  sub->topics->nelts ? apr_array_pstrcat(r->pool, sub->topics,
                                                         ',') : "(all)",
                  last_id ? last_id : "-", why, apr_time_sec(max_age));

    if (!sub->push) {
        ap_set_content_type(r, "text/event-stream; charset=utf-8");
        apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
        apr_table_setn(r->headers_out, "X-Accel-Buffering", "no");
        apr_table_setn(r->subprocess_env, "no-gzip", "1");
        sub->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
        ok = chan_send_sse(sub, ": h2push channel\n\n");
    }
    deadline = start + max_age;
    next_hb = start + heartbeat;
    next_tick = start + every;
    if (ok) {
        ok = chan_catch_up(sub, tmp, last_id != NULL);
    }
    while (ok) {
        apr_time_t now = apr_time_now(), until = now + H2P_CHAN_POLL;
        apr_uint32_t seen;

        apr_pool_clear(tmp);
        /* HTTP/1.1: a read probe at most every H2P_CHAN_POLL, not at
         * every event (a write to a gone client fails anyway) */
        if (r->connection->master || now >= next_probe) {
            if (chan_h1_gone(sub)) {
                why = "the client went away";
                break;
            }
            next_probe = now + H2P_CHAN_POLL;
        }
        if (chan_stopping(sub)) {
            why = "the server restarts or stops";
            break;
        }
        if (now >= deadline) {
            why = "H2PushChannelMaxAge reached";
            break;
        }
        if (sub->push && sub->delivered >= sub->max_pushes) {
            /* mod_http2 keeps some 4 KB a 103 until the stream ends */
            why = "H2PushChannelMaxPushes reached";
            break;
        }
        if (every && now >= next_tick) {
            h2p_chan_event ev;

            memset(&ev, 0, sizeof(ev));
            ev.kind = H2P_CHAN_URL;
            ev.id = apr_psprintf(tmp, "tick-%" APR_UINT64_T_FMT "-%"
                                 APR_TIME_T_FMT, ++ticks, start);
            ev.channel = sub->channel;
            ev.topics = apr_array_make(tmp, 1, sizeof(const char *));
            APR_ARRAY_PUSH(ev.topics, const char *) = "tick";
            ev.data = dc->chan_every_path;
            ev.len = strlen(ev.data);
            if (sub->push) {
                ok = chan_deliver(sub, tmp, &ev, 0);
            }
            else {
                /* no id: a tick is not replayed, and must not move the
                 * client's Last-Event-ID */
                ok = chan_send_sse(sub, apr_pstrcat(tmp, "event: tick\n"
                                                    "data: ", ev.data,
                                                    "\n\n", NULL));
                if (ok) {
                    chan_count(H2P_CHS_SSE, 1);
                }
            }
            next_tick += every;
            if (next_tick <= now) {
                next_tick = now + every;
            }
            continue;
        }
        if (!sub->push && now >= next_hb) {
            ok = chan_send_sse(sub, ": hb\n\n");
            next_hb = now + heartbeat;
            continue;
        }
        seen = apr_atomic_read32(&chan_ring->wake);
        if (h2p_chan_ring_last(chan_ring) > sub->cursor) {
            ok = chan_catch_up(sub, tmp, 0);
            continue;
        }
        if (deadline < until) {
            until = deadline;
        }
        if (every && next_tick < until) {
            until = next_tick;
        }
        if (!sub->push && next_hb < until) {
            until = next_hb;
        }
        h2p_chan_wait(chan_ring, seen, until - now);
    }
    if (!ok) {
        why = "the client went away";
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "h2push channel %s: closed "
                  "after %" APR_TIME_T_FMT " ms, %" APR_UINT64_T_FMT
                  " events delivered (%s)", sub->channel,
                  apr_time_as_msec(apr_time_now() - start), sub->delivered,
                  why);
    apr_pool_destroy(tmp);
    chan_sub_cleanup(sub);
    if (sub->push) {
        r->status = HTTP_NO_CONTENT;    /* the final response, at last */
    }
    return OK;
}

static int chan_handler(request_rec *r)
{
    h2p_dir_conf *dc;
    const char *id;
    int publish;

    if (!r->handler || (strcmp(r->handler, H2P_CHAN_HANDLER)
                        && strcmp(r->handler, H2P_PUB_HANDLER))) {
        return DECLINED;
    }
    publish = !strcmp(r->handler, H2P_PUB_HANDLER);
    if (!chan_ring) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "h2push channel: no "
                      "event buffer (the handler was not seen in the "
                      "configuration)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (r->main) {
        return DECLINED;
    }
    if (publish) {
        return chan_publish(r);
    }
    dc = ap_get_module_config(r->per_dir_config, &h2push_module);
    /* <channel>/events/<id>: an event */
    {
        const char *ev = strstr(r->uri, "/events/");
        if (ev && h2p_chan_event_path(r->pool, apr_pstrmemdup(
                                          r->pool, r->uri, ev - r->uri),
                                      r->uri, &id)) {
            return chan_event_resource(r, chan_path(r->pool, apr_pstrmemdup(
                                           r->pool, r->uri,
                                           ev == r->uri ? 1 : ev - r->uri)),
                                       id);
        }
    }
    return chan_subscribe(r, dc);
}

/* The pushed request of a URL event: "h2push-event=<id>" made its URL
 * unique (mod_http2 pushes a URL once per connection); the resource is
 * served as if it were not there. */
static int chan_post_read_request(request_rec *r)
{
    int found;

    if (r->args && strstr(r->args, "h2push-event=")) {
        const char *args = h2p_chan_strip_marker(r->pool, r->args, &found);
        if (found) {
            r->args = (char *)args;
            r->parsed_uri.query = (char *)args;
            apr_table_setn(r->subprocess_env, "H2PUSH_CHANNEL_EVENT", "1");
        }
    }
    return DECLINED;
}

/* ------------------------------------------------------------------ */
/* Start-up                                                           */

/* What the main config asks of Early Hints, to tell an admin when the
 * 103s this module sends on HTTP/2 would never reach a client. */
static int eh_wanted, eh_forwarded;

/* httpd runs every module's handler for a directive that several modules
 * define, the most recently loaded first. mod_http2 would then keep a push
 * list of its own (and reject this module's attributes), so before the
 * main config is processed every H2PushResource line is renamed to a name
 * only this module defines. */
static void scan_config_lines(ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (!strcasecmp(d->directive, "H2PushResource")) {
            d->directive = H2P_RESOURCE_OWN;
        }
        else if (!strcasecmp(d->directive, "H2PushEarlyHints") && d->args
                 && strcasecmp(d->args, "off")) {
            eh_wanted = 1;
        }
        else if (!strcasecmp(d->directive, "H2EarlyHints") && d->args
                 && !strcasecmp(d->args, "on")) {
            eh_forwarded = 1;
        }
        scan_config_lines(d->first_child);
    }
}

static int h2p_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    eh_wanted = eh_forwarded = 0;
    scan_config_lines(ap_conftree);
    return ap_mutex_register(pconf, H2P_LEARN_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* .htaccess files: httpd would hand "H2PushResource" lines to mod_http2
 * as well (it pushed a path named "off", and sent a 103 of its own for
 * every entry). This module opens .htaccess files itself and renames the
 * directive at the start of each logical line to the name only it
 * defines, as scan_config_lines() does for the main configuration. */
typedef struct {
    ap_configfile_t *file;
    int continued;                 /* the last line ended with '\' */
} h2p_htaccess;

#define H2P_RESOURCE_QUOTED "\"" H2P_RESOURCE_OWN "\""

static apr_status_t htaccess_getch(char *ch, void *param)
{
    h2p_htaccess *h = param;

    return h->file->getch(ch, h->file->param);
}

static apr_status_t htaccess_getstr(void *buf, apr_size_t bufsiz,
                                    void *param)
{
    static const char name[] = "H2PushResource";
    h2p_htaccess *h = param;
    char *s = buf, *w;
    apr_size_t len, extra = sizeof(H2P_RESOURCE_QUOTED) - sizeof(name);
    apr_status_t rv = h->file->getstr(buf, bufsiz, h->file->param);
    int continued = h->continued;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    len = strlen(s);
    h->continued = len >= 2 && s[len - 1] == '\n'
                   && (s[len - 2] == '\\'
                       || (len >= 3 && s[len - 2] == '\r'
                           && s[len - 3] == '\\'));
    for (w = s; apr_isspace(*w); ++w)
        ;
    if (!continued && !strncasecmp(w, name, sizeof(name) - 1)
        && (apr_isspace(w[sizeof(name) - 1]) || !w[sizeof(name) - 1])
        && len + extra < bufsiz) {
        memmove(w + sizeof(name) - 1 + extra, w + sizeof(name) - 1,
                len - (apr_size_t)(w - s) - (sizeof(name) - 1) + 1);
        memcpy(w, H2P_RESOURCE_QUOTED, sizeof(H2P_RESOURCE_QUOTED) - 1);
    }
    return APR_SUCCESS;
}

static apr_status_t htaccess_close(void *param)
{
    h2p_htaccess *h = param;

    return h->file->close ? h->file->close(h->file->param) : APR_SUCCESS;
}

static apr_status_t h2p_open_htaccess(request_rec *r, const char *dir_name,
                                      const char *access_name,
                                      ap_configfile_t **conffile,
                                      const char **full_name)
{
    h2p_htaccess *h;
    ap_configfile_t *file;
    apr_status_t rv;

    *full_name = ap_make_full_path(r->pool, dir_name, access_name);
    rv = ap_pcfg_openfile(&file, r->pool, *full_name);
    if (rv == APR_SUCCESS) {
        h = apr_pcalloc(r->pool, sizeof(*h));
        h->file = file;
        *conffile = ap_pcfg_open_custom(r->pool, *full_name, h,
                                        htaccess_getch, htaccess_getstr,
                                        htaccess_close);
    }
    return rv;
}

/* In .htaccess files both modules see H2PushResource, this one first only
 * when loaded after mod_http2: insist on that order. */
static int h2p_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    module *m;

    (void)pconf; (void)plog; (void)ptemp;
    for (m = ap_top_module; m && m != &h2push_module; m = m->next) {
        if (!strcmp(m->name, "mod_http2.c")) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "mod_h2push must be loaded after mod_http2: move "
                         "'LoadModule h2push_module ...' below 'LoadModule "
                         "http2_module ...' (with Debian's a2enmod, "
                         "h2push.conf does this), otherwise mod_http2 takes "
                         "the H2PushResource directive");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* What outlives a generation (a graceful restart): the mutex, the shmcb
 * stores and each server's index, in the process pool. A retained piece
 * no longer configured is destroyed at the next start-up (children of the
 * old generation keep their own mapping of it until they exit). */
typedef struct {
    apr_pool_t *pool;
    apr_global_mutex_t *mutex;
    apr_hash_t *stores;            /* spec -> h2p_store (shmcb) */
    apr_hash_t *indexes;           /* identity -> h2p_index */
    apr_uint64_t generation;
} h2p_retained;

typedef struct {
    apr_shm_t *shm;
    h2p_diary *diary;
    apr_uint64_t generation;
} h2p_index;

static apr_status_t store_cleanup(void *data)
{
    h2p_store *st = data;

    st->provider->destroy(st->cache, ap_server_conf);
    return APR_SUCCESS;
}

/* The store of a spec. shmcb's is kept across generations (what was
 * learned survives a graceful restart); other providers keep their data
 * themselves, and their instance lives one generation. The default store
 * (H2PushLearn on) is shmcb sized for the entries of every server that
 * uses it (H2P_LEARN_ENTRY_BYTES each). */
static h2p_store *learn_store_get(h2p_retained *rt, apr_hash_t *made,
                                  apr_pool_t *pconf, server_rec *s,
                                  h2p_srv_conf *sc, unsigned entries)
{
    struct ap_socache_hints hints = { H2P_LEARN_ID_LEN, 512,
                                      apr_time_from_sec(600) };
    const char *spec = sc->learn_spec, *args, *err;
    int keep = !strcmp(sc->learn_provider->name, "shmcb");
    apr_pool_t *pool = pconf;
    h2p_store *st;
    apr_status_t rv;

    if (!spec) {
        spec = apr_psprintf(pconf, "shmcb:h2push-learn(%u)",
                            entries * H2P_LEARN_ENTRY_BYTES);
    }
    if ((st = apr_hash_get(made, spec, APR_HASH_KEY_STRING)) != NULL) {
        return st;
    }
    if (keep && (st = apr_hash_get(rt->stores, spec, APR_HASH_KEY_STRING))) {
        st->provider = sc->learn_provider;   /* its DSO was loaded anew */
        st->generation = rt->generation;
        apr_hash_set(made, spec, APR_HASH_KEY_STRING, st);
        return st;
    }
    /* A kept instance gets a pool of its own that is never destroyed:
     * the cleanups the provider registers there point into its DSO,
     * which a restart unloads. The kernel frees the shared memory when
     * the last process that maps it exits. */
    if (keep && apr_pool_create_unmanaged_ex(&pool, NULL, NULL)
                != APR_SUCCESS) {
        return NULL;
    }
    st = apr_pcalloc(pool, sizeof(*st));
    st->spec = apr_pstrdup(pool, spec);
    st->provider = sc->learn_provider;
    st->generation = rt->generation;
    args = strchr(st->spec, ':');
    err = st->provider->create(&st->cache, args ? args + 1 : NULL, pconf,
                               pool);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "H2PushLearn: %s: %s",
                     st->spec, err);
        return NULL;
    }
    rv = st->provider->init(st->cache, "mod_h2push-learn", &hints, s, pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "H2PushLearn: cannot set "
                     "up the store %s", st->spec);
        return NULL;
    }
    if (keep) {
        apr_hash_set(rt->stores, st->spec, APR_HASH_KEY_STRING, st);
    }
    else {
        apr_pool_cleanup_register(pconf, st, store_cleanup,
                                  apr_pool_cleanup_null);
    }
    apr_hash_set(made, st->spec, APR_HASH_KEY_STRING, st);
    return st;
}

/* A server's index: the ids it stored, most recently learned first, at
 * most H2PushLearnMaxEntries (the bound of what it keeps in any store).
 * Kept across generations for the same store, name, port and size. */
static h2p_diary *learn_index_get(h2p_retained *rt, apr_pool_t *ptemp,
                                  server_rec *s, const h2p_store *st,
                                  unsigned entries)
{
    const char *id = apr_psprintf(ptemp, "%s|%s:%u|%u", st->spec,
                                  s->server_hostname, s->port, entries);
    h2p_index *ix = apr_hash_get(rt->indexes, id, APR_HASH_KEY_STRING);

    if (!ix) {
        ix = apr_pcalloc(rt->pool, sizeof(*ix));
        if (apr_shm_create(&ix->shm, h2p_diary_bytes(entries), NULL,
                           rt->pool) != APR_SUCCESS) {
            return NULL;
        }
        ix->diary = h2p_diary_init(apr_shm_baseaddr_get(ix->shm), entries);
        apr_hash_set(rt->indexes, apr_pstrdup(rt->pool, id),
                     APR_HASH_KEY_STRING, ix);
    }
    ix->generation = rt->generation;
    return ix->diary;
}

/* Retained pieces this generation does not use go. */
static void learn_retained_sweep(h2p_retained *rt)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, rt->stores); hi; hi = apr_hash_next(hi)) {
        h2p_store *st = apr_hash_this_val(hi);
        if (st->generation != rt->generation) {
            st->provider->destroy(st->cache, ap_server_conf);
            apr_hash_set(rt->stores, st->spec, APR_HASH_KEY_STRING, NULL);
        }
    }
    for (hi = apr_hash_first(NULL, rt->indexes); hi; hi = apr_hash_next(hi)) {
        h2p_index *ix = apr_hash_this_val(hi);
        if (ix->generation != rt->generation) {
            apr_shm_destroy(ix->shm);
            apr_hash_set(rt->indexes, apr_hash_this_key(hi),
                         APR_HASH_KEY_STRING, NULL);
        }
    }
}

/* Set up the store and index of every server that learns, and the mutex
 * that guards the indexes and the stores not safe across processes. */
static apr_status_t learn_init(apr_pool_t *pconf, apr_pool_t *ptemp,
                               server_rec *main_s)
{
    h2p_retained *rt = ap_retained_data_get("mod_h2push");
    apr_hash_t *made = apr_hash_make(ptemp);
    unsigned default_entries = 0;
    server_rec *s;

    if (!rt) {
        rt = ap_retained_data_create("mod_h2push", sizeof(*rt));
        rt->pool = main_s->process->pool;
        rt->stores = apr_hash_make(rt->pool);
        rt->indexes = apr_hash_make(rt->pool);
    }
    rt->generation++;
    learn_mutex = NULL;
    for (s = main_s; s; s = s->next) {
        h2p_srv_conf *sc = ap_get_module_config(s->module_config,
                                                &h2push_module);
        if (sc->learn == 1 && !sc->learn_spec) {
            default_entries += (unsigned)H2P_OR_DEFAULT(sc->learn_max,
                                                        H2P_DEFAULT_LEARN_MAX);
        }
    }
    for (s = main_s; s; s = s->next) {
        h2p_srv_conf *sc = ap_get_module_config(s->module_config,
                                                &h2push_module);
        unsigned entries = (unsigned)H2P_OR_DEFAULT(sc->learn_max,
                                                    H2P_DEFAULT_LEARN_MAX);

        sc->store = NULL;
        if (sc->learn != 1) {
            continue;
        }
        if (!rt->mutex
            && ap_global_mutex_create(&rt->mutex, NULL, H2P_LEARN_MUTEX, NULL,
                                      main_s, rt->pool, 0) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        learn_mutex = rt->mutex;
        sc->store = learn_store_get(rt, made, pconf, s, sc, default_entries);
        if (!sc->store
            || !(sc->index = learn_index_get(rt, ptemp, s, sc->store,
                                             entries))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "H2PushLearn: cannot "
                         "set up the learned-hints store of %s",
                         s->server_hostname);
            return APR_EGENERAL;
        }
    }
    learn_retained_sweep(rt);
    return APR_SUCCESS;
}

static void h2p_child_init(apr_pool_t *p, server_rec *s)
{
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&lk_mutex, APR_THREAD_MUTEX_DEFAULT, p)
        == APR_SUCCESS)
#endif
    {
        lk_cache = apr_pcalloc(p, H2P_LK_SLOTS * sizeof(*lk_cache));
    }
    if (learn_mutex) {
        apr_global_mutex_child_init(&learn_mutex,
                                    apr_global_mutex_lockfile(learn_mutex),
                                    p);
    }
    (void)s;
}

/* mod_http2's version, for the start-up line: mod_http2 publishes it
 * nowhere but in its own start-up message (AH03090), so it is read from
 * its shared object: the one string there that looks like a version
 * ("2.0.42"). NULL when mod_http2 is not loaded, is built in, or the file
 * does not say. */
static const char *http2_version(apr_pool_t *p)
{
    module *m = ap_find_linked_module("mod_http2.c");
    const char *found = NULL;
    apr_file_t *f;
    apr_finfo_t fi;
    Dl_info dl;
    char *buf;
    apr_size_t len, i, start;

    if (!m || !dladdr(m, &dl) || !dl.dli_fname
        || !strstr(dl.dli_fname, "mod_http2")
        || apr_file_open(&f, dl.dli_fname, APR_FOPEN_READ, 0, p)
           != APR_SUCCESS) {
        return NULL;
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS
        || fi.size <= 0 || fi.size > 64 * 1024 * 1024
        || !(buf = apr_palloc(p, (apr_size_t)fi.size + 1))
        || apr_file_read_full(f, buf, len = (apr_size_t)fi.size, &len)
           != APR_SUCCESS) {
        apr_file_close(f);
        return NULL;
    }
    apr_file_close(f);
    buf[len] = '\0';
    for (start = i = 0; i <= len; ++i) {
        if (buf[i]) {
            continue;
        }
        /* a NUL-terminated string "1.x.y" or "2.x.y", maybe "-DEV" */
        if (i - start >= 5 && i - start <= 16
            && (buf[start] == '1' || buf[start] == '2')
            && buf[start + 1] == '.' && apr_isdigit(buf[start + 2])) {
            const char *c = buf + start;
            int dots = 0, ok = 1;

            for (; c < buf + i && *c != '-'; ++c) {
                dots += *c == '.';
                ok &= apr_isdigit(*c) || (*c == '.' && apr_isdigit(c[1]));
            }
            if (ok && dots == 2) {
                if (found && strcmp(found, buf + start)) {
                    return NULL;            /* two candidates: unsure */
                }
                found = buf + start;
            }
        }
        start = i + 1;
    }
    return found ? apr_pstrdup(p, found) : NULL;
}

static int h2p_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t *shm;

    (void)plog;
    ap_add_version_component(pconf, "mod_h2push/" MOD_H2PUSH_VERSION);
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        const char *v = http2_version(ptemp);

        /* like httpd's own "configured -- resuming normal operations" */
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "mod_h2push/"
                     MOD_H2PUSH_VERSION " (mod_http2 %s) configured",
                     v ? v : ap_find_linked_module("mod_http2.c")
                             ? "of unknown version" : "not loaded");
    }
    h2_var_lookup = APR_RETRIEVE_OPTIONAL_FN(http2_var_lookup);
    h2p_no_dir_conf = ap_create_per_dir_config(pconf);
    if (!h2_var_lookup) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "mod_http2 is not loaded: mod_h2push will push "
                     "nothing, and only add static-list Link headers");
    }
    if (eh_wanted && !eh_forwarded) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "H2PushEarlyHints is on but mod_http2's H2EarlyHints is "
                     "not: on HTTP/2, 103 responses will not reach clients "
                     "(add 'H2EarlyHints on')");
    }
    ssl_var = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
    if (learn_init(pconf, ptemp, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (apr_shm_create(&shm, sizeof(h2p_counters), NULL, pconf)
        == APR_SUCCESS) {
        h2p_stats = apr_shm_baseaddr_get(shm);
        memset(h2p_stats, 0, sizeof(*h2p_stats));
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "no shared memory for the counters: the status page "
                     "shows one child's counts");
        h2p_stats = &h2p_local_counters;
    }
    return OK;
}

static const command_rec h2p_cmds[] = {
    AP_INIT_TAKE_ARGV("H2PushResource", cmd_resource, NULL, OR_FILEINFO,
        "[add] <url-path> [critical] [as=<destination>] "
        "[crossorigin[=anonymous|use-credentials]] [nopush] | off"),
    AP_INIT_TAKE_ARGV(H2P_RESOURCE_OWN, cmd_resource, NULL, OR_FILEINFO,
        "H2PushResource as handed over from the main config"),
    AP_INIT_TAKE1("H2PushLinks", cmd_links, NULL, OR_FILEINFO,
        "on|off: push what rel=preload Link response headers name"),
    AP_INIT_TAKE1("H2PushMax", cmd_max, NULL, OR_FILEINFO,
        "pushes per response at most (default 10)"),
    AP_INIT_TAKE1("H2PushMaxSize", cmd_max_size, NULL, OR_FILEINFO,
        "do not push a resource larger than this (default 1M)"),
    AP_INIT_TAKE1("H2PushVerify", cmd_verify, NULL, OR_FILEINFO,
        "on|off: push only what a lookup says would be served 200"),
    AP_INIT_TAKE1("H2PushDiaryEntries", cmd_diary, NULL, RSRC_CONF,
        "resources remembered per connection (default 256, 0: off)"),
    AP_INIT_TAKE1("H2PushEarlyHints", cmd_early_hints, NULL, OR_FILEINFO,
        "off|h2|on: send a 103 with preload hints to clients that do not "
        "take pushes (h2: on HTTP/2 only; default off)"),
    AP_INIT_TAKE12("H2PushLearn", cmd_learn, NULL, RSRC_CONF,
        "on [provider[:args]] | off: learn preload links per URL and replay "
        "them before the handler (default provider shmcb)"),
    AP_INIT_TAKE1("H2PushLearnQuery", cmd_learn_query, NULL, RSRC_CONF,
        "on|off: learn per URL including its query string (default off)"),
    AP_INIT_TAKE1("H2PushLearnTTL", cmd_learn_ttl, NULL, RSRC_CONF,
        "seconds a learned entry lives (default 86400)"),
    AP_INIT_TAKE1("H2PushLearnMaxEntries", cmd_learn_max, NULL, RSRC_CONF,
        "learned entries a virtual host keeps at most (default 10000); the "
        "least recently learned go first"),
    AP_INIT_ITERATE("H2PushLearnIgnoreCookies", cmd_learn_ignore_cookies,
        NULL, RSRC_CONF, "names (* and ? wildcards) of cookies that do not "
        "personalise pages: a request carrying only these is learned from"),
    AP_INIT_TAKE1("H2PushLearnScope", cmd_learn_scope, NULL, ACCESS_CONF,
        "on|off: the URLs of this section learn and replay together what "
        "their recent responses agree on"),
    AP_INIT_TAKE1("H2PushGenerated", cmd_generated, NULL, OR_FILEINFO,
        "on|off: push targets a handler makes (CGI, proxy, scripts), whose "
        "size is not known before they run (default off: hinted only)"),
    AP_INIT_TAKE1("H2Push", cmd_h2_push, NULL, RSRC_CONF | OR_AUTHCFG,
        "mod_http2's H2Push, read by mod_h2push too"),
    AP_INIT_TAKE1("H2EarlyHints", cmd_h2_early_hints, NULL, RSRC_CONF,
        "mod_http2's H2EarlyHints, read by mod_h2push too"),
    AP_INIT_TAKE2("H2EarlyHint", cmd_h2_early_hint, NULL,
        OR_FILEINFO | OR_AUTHCFG,
        "mod_http2's H2EarlyHint: mod_h2push decides that 103's links too"),
    AP_INIT_TAKE1("H2PushFromHTML", cmd_from_html, NULL, OR_FILEINFO,
        "on|off: find <link rel=preload> in the head of HTML responses"),
    AP_INIT_TAKE1("H2PushHTMLScanMax", cmd_scan_max, NULL, OR_FILEINFO,
        "bytes of an HTML response scanned (and held back) at most "
        "(default 32K)"),
    AP_INIT_TAKE1("H2PushPreloadHeader", cmd_preload, NULL, OR_FILEINFO,
        "on|off: push (or hint) what a request's Preload header (Vulcain) "
        "selects in its JSON response (default off)"),
    AP_INIT_TAKE1("H2PushJSONScanMax", cmd_json_scan_max, NULL, OR_FILEINFO,
        "bytes of a JSON response read (and held back) for the Preload "
        "header at most (default 1M)"),
    AP_INIT_TAKE1("H2PushPreloadDepth", cmd_preload_depth, NULL, OR_FILEINFO,
        "levels of linked documents a nested Preload selector is followed "
        "through (default 3)"),
    /* push channels */
    AP_INIT_TAKE1("H2PushChannelBuffer", cmd_chan_count, &chan_buffer,
        RSRC_CONF, "events the channels' shared buffer holds (default 1000)"),
    AP_INIT_TAKE1("H2PushChannelMaxEventSize", cmd_chan_max_event, NULL,
        RSRC_CONF, "bytes of an event's payload at most (default 64K)"),
    AP_INIT_TAKE1("H2PushChannelMaxSubscribers", cmd_chan_count,
        &chan_max_subs, RSRC_CONF,
        "subscribers held open at once, whole server (default: half of "
        "MaxRequestWorkers)"),
    AP_INIT_TAKE1("H2PushChannelStore", cmd_chan_store, NULL, RSRC_CONF,
        "shm: where events are kept (shared memory of this server)"),
    AP_INIT_TAKE1("H2PushChannelMaxAge", cmd_chan_interval, NULL,
        RSRC_CONF | ACCESS_CONF, "how long a subscriber is held (default 1h)"),
    AP_INIT_TAKE1("H2PushChannelMaxPushes", cmd_chan_max_pushes, NULL,
        RSRC_CONF | ACCESS_CONF, "events pushed on one held stream before "
        "its final response (default 256)"),
    AP_INIT_TAKE1("H2PushChannelHeartbeat", cmd_chan_interval, (void *)1,
        RSRC_CONF | ACCESS_CONF,
        "interval of the event-stream comment line (default 25s)"),
    AP_INIT_TAKE12("H2PushChannelEvery", cmd_chan_every, NULL,
        RSRC_CONF | ACCESS_CONF,
        "<interval> <path> | off: push <path> to each subscriber of this "
        "channel every interval"),
    { NULL }
};

static void h2p_register_hooks(apr_pool_t *p)
{
    static const char * const after_dir[] = { "mod_dir.c", NULL };

    (void)p;
    ap_hook_pre_config(h2p_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(h2p_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(h2p_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(h2p_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_open_htaccess(h2p_open_htaccess, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_connection(h2p_pre_connection, NULL, NULL, APR_HOOK_MIDDLE);
    /* after mod_dir, before mod_http2's own 103 (H2EarlyHint), which then
     * carries this module's links too; h2p_fixups_send() sends it if not */
    ap_hook_fixups(h2p_fixups, after_dir, NULL, APR_HOOK_LAST - 1);
    ap_hook_fixups(h2p_fixups_send, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_log_transaction(h2p_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(h2p_insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(h2p_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, h2p_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    /* below AP_FTYPE_PROTOCOL, where mod_http2 reads the headers, and
     * above mod_headers' output fixups */
    h2p_filter_handle = ap_register_output_filter(H2P_FILTER_NAME,
                                                  h2p_out_filter, NULL,
                                                  AP_FTYPE_PROTOCOL - 1);
    /* before content codings (mod_deflate), after content generators */
    /* before mod_ssl (HTTP/1.1) and mod_http2's stream filters (NETWORK) */
    h2p_interim_handle = ap_register_output_filter("H2PUSH_INTERIM",
                                                   h2p_interim_filter, NULL,
                                                   AP_FTYPE_CONNECTION);
    h2p_html_filter_handle = ap_register_output_filter(H2P_HTML_FILTER_NAME,
                                                       h2p_html_filter, NULL,
                                                       AP_FTYPE_CONTENT_SET - 1);
    /* where the HTML scan is: the JSON as the handler made it */
    h2p_json_filter_handle = ap_register_output_filter("H2PUSH_JSON",
                                                       h2p_json_filter, NULL,
                                                       AP_FTYPE_CONTENT_SET - 1);
    /* first of a nested selector's fetch: nothing passes beyond it */
    h2p_json_fetch_handle = ap_register_output_filter("H2PUSH_JSON_FETCH",
                                                      h2p_json_fetch_filter,
                                                      NULL,
                                                      AP_FTYPE_CONTENT_SET - 1);
    /* push channels */
    ap_hook_pre_config(chan_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(chan_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(chan_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(chan_post_read_request, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_handler(chan_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(h2push) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_srv_conf,
    merge_srv_conf,
    h2p_cmds,
    h2p_register_hooks
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    , AP_MODULE_FLAG_ALWAYS_MERGE
#endif
};
