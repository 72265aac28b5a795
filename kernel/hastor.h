/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_H
#define _HASTOR_H

#define HASTOR_VERSION "0.1.0"

#endif /* _HASTOR_H */
