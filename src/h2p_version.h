/* Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * The version of mod_h2push: the one place it is written.  The module
 * (start-up log line, status pages, server banner), Makefile.apxs (the
 * package's version, checked against debian/changelog) and t/package.sh
 * read it from here.
 */
#ifndef H2P_VERSION_H
#define H2P_VERSION_H

#define MOD_H2PUSH_VERSION "0.10.1"

#endif
