/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	zone.h - answers a question set from a small zone table (tests)
 */
#ifndef DKIMMOD_TEST_ZONE_H
#define DKIMMOD_TEST_ZONE_H

#include <glib.h>

#include "dnsquery.h"

/* Answers every open question of Q from ZONE: "NAME TYPE DATA" lines,
 * DATA SERVFAIL, TIMEOUT or a record; absent names are NXDOMAIN, a name
 * with other types only NODATA. */
void answer_from_zone (DkimmodDnsQueries *q, const char *zone);

#endif
