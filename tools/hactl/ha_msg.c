// SPDX-License-Identifier: GPL-2.0
/*
 * The daemons' conversation for planned moves (Documentation/ha.md,
 * "Planned takeover and giveback"), carried by the kernel's HA channel
 * (HASTOR_CMD_HA_SEND, HASTOR_CMD_HA_NTF).
 *
 * A message is one line of text, "HAv1 NODE VERB [POOL]": readable in
 * "hactl monitor" and in a packet capture, and trivially strict to
 * parse.  NODE is the sender's node id, checked against the configured
 * partner.  The channel is authenticated, but a partner running another
 * version (or a bug) must not make this daemon export or import what
 * it did not mean to, so anything that is not exactly one of the forms
 * below is refused and logged.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "hactl.h"
#include "ha.h"
#include "names.h"
#include "nl.h"
#include "output.h"

static const char *const verbs[] = {
	[HA_MSG_TAKEOVER] = "takeover",
	[HA_MSG_HANDED] = "handed",
	[HA_MSG_REFUSED] = "refused",
};

static bool needs_pool(enum ha_msg_verb verb)
{
	return verb == HA_MSG_HANDED || verb == HA_MSG_REFUSED;
}

int ha_msg_send(struct hnl *h, uint32_t self, enum ha_msg_verb verb,
		const char *pool)
{
	char text[HASTOR_HA_MSG_MAX];
	struct nl_msg *msg;
	struct nlattr *nest;
	int len;

	len = snprintf(text, sizeof(text), "HAv1 %" PRIu32 " %s%s%s", self,
		       verbs[verb], pool ? " " : "", pool ? pool : "");
	if (len < 0 || len >= (int)sizeof(text))
		return -EINVAL;
	msg = hnl_msg(h, HASTOR_CMD_HA_SEND);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, HASTOR_A_HA);
	if (!nest || nla_put(msg, HASTOR_A_HA_MSG, len, text) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return hnl_request(h, msg, NULL, NULL);
}

int ha_msg_parse(const void *buf, size_t len, uint32_t partner,
		 struct ha_msg *m, char *why, size_t why_len)
{
	char text[HASTOR_HA_MSG_MAX + 1], verb[16], pool[128];
	unsigned int v;
	uint32_t node;
	int end = -1, n;

	memset(m, 0, sizeof(*m));
	if (!len || len > HASTOR_HA_MSG_MAX) {
		snprintf(why, why_len, "%zu bytes", len);
		return -1;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	for (n = 0; n < (int)len; n++)
		if (text[n] < ' ' || text[n] > '~') {
			snprintf(why, why_len, "byte %d is not printable", n);
			return -1;
		}
	*pool = '\0';
	n = sscanf(text, "HAv1 %" SCNu32 " %15[a-z] %n%127s %n", &node, verb,
		   &end, pool, &end);
	if (n < 2 || end < 0 || text[end] || strstr(text, "  ")) {
		snprintf(why, why_len, "not \"HAv1 NODE VERB [POOL]\"");
		return -1;
	}
	if (node != partner) {
		snprintf(why, why_len, "from node %" PRIu32 ", the partner is %" PRIu32,
			 node, partner);
		return -1;
	}
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (verbs[v] && !strcmp(verb, verbs[v]))
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0])) {
		snprintf(why, why_len, "unknown verb \"%s\"", verb);
		return -1;
	}
	if (needs_pool(v) != (n == 3)) {
		snprintf(why, why_len, "\"%s\" %s", verb,
			 needs_pool(v) ? "needs a pool name" : "takes no pool name");
		return -1;
	}
	if (n == 3 && !hactl_name_ok(pool)) {
		snprintf(why, why_len, "invalid pool name");
		return -1;
	}
	m->verb = v;
	snprintf(m->pool, sizeof(m->pool), "%s", pool);
	return 0;
}

int ha_msg_from_event(struct nlmsghdr *nlh, const void **buf, size_t *len)
{
	struct nlattr *tb[HASTOR_A_MAX + 1], *ha[HASTOR_A_HA_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, NULL) < 0 ||
	    !tb[HASTOR_A_HA] ||
	    nla_parse_nested(ha, HASTOR_A_HA_MAX, tb[HASTOR_A_HA], NULL) < 0 ||
	    !ha[HASTOR_A_HA_MSG])
		return -1;
	*buf = nla_data(ha[HASTOR_A_HA_MSG]);
	*len = nla_len(ha[HASTOR_A_HA_MSG]);
	return 0;
}

int ha_msg_event_print(struct nlmsghdr *nlh)
{
	char esc[HACTL_ESC_LEN], text[HASTOR_HA_MSG_MAX + 1];
	const void *buf;
	size_t len;

	if (ha_msg_from_event(nlh, &buf, &len) < 0 || len > HASTOR_HA_MSG_MAX)
		return -1;
	memcpy(text, buf, len);
	text[len] = '\0';
	hactl_esc(text, esc, sizeof(esc));
	if (out_json()) {
		json_open(NULL);
		json_str("event", "ha_message");
		json_str("message", esc);
		json_close();
	} else {
		printf("ha message from the partner: %s\n", esc);
	}
	return 0;
}
