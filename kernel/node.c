// SPDX-License-Identifier: GPL-2.0
/*
 * The node's identity: who this node is in which cluster.
 *
 * Everything that names a node to the outside derives from these values:
 * the SCSI-3 reservation key it registers on shared disks, the owner
 * fields of on-disk labels, the interconnect handshake.  They change only
 * through hastor_node_update(), which takes values the caller validated
 * (netlink.c, against its policies) and checks what depends on the
 * current state before touching anything, so a rejected request changes
 * nothing.  The
 * generation counter lets a reader of events tell two states apart even
 * when a change was undone.
 */
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/netlink.h>
#include <kunit/visibility.h>

#include "node.h"

static DEFINE_MUTEX(hastor_node_lock);
static struct hastor_node_info hastor_node;	/* under hastor_node_lock */

/*
 * Names end up in device-mapper device names, sysfs and log lines; the
 * narrow character set keeps them safe in all of these without quoting.
 */
bool hastor_name_valid(const char *name)
{
	size_t len = strnlen(name, HASTOR_NAME_MAX + 1);
	size_t i;

	if (len == 0 || len > HASTOR_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	/* "." and ".." would read as paths in sysfs and tooling. */
	return strcmp(name, ".") && strcmp(name, "..");
}
EXPORT_SYMBOL_IF_KUNIT(hastor_name_valid);

u64 hastor_pr_key(u32 cluster_id, u32 node_id)
{
	return HASTOR_PR_KEY_TAG << 48 | (u64)cluster_id << 16 |
	       (node_id & HASTOR_NODE_ID_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(hastor_pr_key);

void hastor_node_get(struct hastor_node_info *info)
{
	mutex_lock(&hastor_node_lock);
	*info = hastor_node;
	mutex_unlock(&hastor_node_lock);
}
EXPORT_SYMBOL_IF_KUNIT(hastor_node_get);

int hastor_node_update(const struct hastor_node_update *upd,
		       struct hastor_node_info *info, bool *changed,
		       struct netlink_ext_ack *extack)
{
	struct hastor_node_info next;
	int err = 0;

	mutex_lock(&hastor_node_lock);
	next = hastor_node;
	if (next.state == HASTOR_NODE_UNCONFIGURED &&
	    (!upd->id || !upd->cluster_id)) {
		NL_SET_ERR_MSG(extack,
			       "node id and cluster id are both required to configure a node");
		err = -EINVAL;
		goto out;
	}
	if (upd->id)
		next.id = upd->id;
	if (upd->cluster_id)
		next.cluster_id = upd->cluster_id;
	if (upd->name)
		strscpy(next.name, upd->name, sizeof(next.name));
	next.state = HASTOR_NODE_CONFIGURED;

	*changed = next.state != hastor_node.state ||
		   next.id != hastor_node.id ||
		   next.cluster_id != hastor_node.cluster_id ||
		   strcmp(next.name, hastor_node.name);
	if (*changed) {
		next.generation++;
		hastor_node = next;
	}
	*info = hastor_node;
out:
	mutex_unlock(&hastor_node_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hastor_node_update);
