/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hactl coredump: the coredump disk (Documentation/coredump.md).
 */
#ifndef HACTL_COREDUMP_H
#define HACTL_COREDUMP_H

#include "hactl.h"

extern const struct hactl_cmd coredump_cmds[];

#endif
