// SPDX-License-Identifier: GPL-2.0
/*
 * Shared disks: who owns them (labels) and who may write them (SCSI-3
 * persistent reservations).  See Documentation/fencing.md.
 *
 * Reservations go through the block layer's pr_ops only, so the same
 * code fences SCSI disks and NVMe namespaces and nothing is shelled
 * out.  The key is always this node's (hastor_pr_key()) and the type
 * always Write Exclusive: the holder alone writes, every node reads,
 * which is what the partner needs to read labels and disk heartbeats
 * of a pool it does not serve.  Policy (when to reserve, whether to
 * preempt) is hactl's; this file only carries the commands out and
 * reports what the target said.
 *
 * Labels: a disk in no pool may carry a spare label naming its owner
 * and home node (HASTOR_INCOMPAT_SPARE); a pool imported on a node
 * other than the one its labels name as owner gets its labels
 * rewritten to name this node, before anything else of the pool is
 * written, so the disks themselves say who serves the pool.
 */
#include <linux/blkdev.h>
#include <linux/dm-bufio.h>
#include <linux/netlink.h>
#include <linux/pr.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>
#include <linux/nvme.h>
#include <asm/unaligned.h>
#include <scsi/scsi.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_proto.h>
#include <kunit/visibility.h>

#include "fence.h"
#include "meta.h"
#include "node.h"
#include "pool.h"

/* PR commands need no write access: a read-only open disturbs least. */
#define HS_PR_MODE	FMODE_READ
#define HS_LABEL_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)
#define HS_MIN_SPARE_BLOCKS	(HASTOR_RESERVED_BLOCKS + 64)
#define HS_PR_TIMEOUT		(30 * HZ)
#define HS_PR_RETRIES		3

static const char * const pr_action_names[] = {
	[HASTOR_PR_REGISTER] = "register",
	[HASTOR_PR_UNREGISTER] = "unregister",
	[HASTOR_PR_RESERVE] = "reserve",
	[HASTOR_PR_RELEASE] = "release",
	[HASTOR_PR_PREEMPT] = "preempt",
	[HASTOR_PR_CLEAR] = "clear",
};

/*
 * 6.1's sd and nvme pr_ops return the device's status, positive, when
 * the command failed on the target; only a reservation conflict means
 * something to the caller (it lost to another node), so it keeps its
 * errno and everything else is an I/O error, logged with the status.
 */
int hs_pr_status_errno(bool nvme, int ret)
{
	bool conflict;

	if (ret <= 0)
		return ret;
	conflict = nvme ? (ret & 0x7ff) == NVME_SC_RESERVATION_CONFLICT :
			  (ret & 0xff) == SAM_STAT_RESERVATION_CONFLICT;
	return conflict ? -EBADE : -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(hs_pr_status_errno);

static int pr_errno(struct block_device *bdev, int ret,
		    enum hastor_pr_action action,
		    struct netlink_ext_ack *extack)
{
	bool nvme = !strncmp(bdev->bd_disk->disk_name, "nvme", 4);

	if (ret < 0) {
		NL_SET_ERR_MSG(extack,
			       "the persistent-reservation command could not be sent");
		return ret;
	}
	if (!ret)
		return 0;
	if (hs_pr_status_errno(nvme, ret) == -EBADE) {
		NL_SET_ERR_MSG(extack,
			       "reservation conflict: the disk refused the command (another node's reservation or registration decides)");
		return -EBADE;
	}
	pr_warn("hastor: %s: persistent reservation %s failed: %s status 0x%x\n",
		bdev->bd_disk->disk_name, pr_action_names[action],
		nvme ? "NVMe" : "SCSI", ret);
	NL_SET_ERR_MSG(extack,
		       "the disk refused the persistent-reservation command (status in the kernel log)");
	return -EIO;
}

/*
 * sd's pr_register always sets APTPL (keep the registration across a
 * target power loss), and a target that cannot keep it, tgtd among
 * them, refuses the whole command (ILLEGAL REQUEST, invalid field).
 * Then the same REGISTER AND IGNORE EXISTING KEY goes down the disk's
 * own request queue without APTPL, as sd would send it otherwise: the
 * registration lasts while the target runs, which is all such a
 * target offers anyway.  SCSI disks only; others keep pr_ops' answer.
 */
static int pr_register_no_aptpl(struct block_device *bdev, u64 new_key,
				int failed)
{
	u8 cmd[10] = { PERSISTENT_RESERVE_OUT, 0x06 };
	struct scsi_sense_hdr sshdr;
	struct scsi_device *sdev;
	struct device *parent;
	u8 *data;
	int ret;

	if (!scsi_status_is_check_condition(failed))
		return failed;
	/* sd's disks hang off their scsi_device; nothing else here does. */
	parent = disk_to_dev(bdev->bd_disk)->parent;
	if (!parent || !scsi_is_sdev_device(parent))
		return failed;
	sdev = to_scsi_device(parent);
	if (scsi_device_get(sdev))
		return failed;
	/* Mapped into a request: not on the stack. */
	data = kzalloc(24, GFP_KERNEL);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	put_unaligned_be32(24, &cmd[5]);
	put_unaligned_be64(new_key, &data[8]);
	ret = scsi_execute_req(sdev, cmd, DMA_TO_DEVICE, data, 24, &sshdr,
			       HS_PR_TIMEOUT, HS_PR_RETRIES, NULL);
	kfree(data);
	if (!ret)
		pr_info("hastor: %pg: the target refuses APTPL; %s without it (lasts while the target runs)\n",
			bdev, new_key ? "registered" : "unregistered");
out:
	scsi_device_put(sdev);
	return ret;
}

int hs_pr_call(struct block_device *bdev, const struct pr_ops *ops,
	       enum hastor_pr_action action, u64 own, u64 key)
{
	switch (action) {
	case HASTOR_PR_REGISTER:
	case HASTOR_PR_UNREGISTER:
		/*
		 * Ignoring any key already there, so both are idempotent;
		 * key 0 unregisters.
		 */
		if (action == HASTOR_PR_UNREGISTER)
			own = 0;
		if (!ops->pr_register)
			return -EOPNOTSUPP;
		return pr_register_no_aptpl(bdev, own,
					    ops->pr_register(bdev, 0, own,
							     PR_FL_IGNORE_KEY));
	case HASTOR_PR_RESERVE:
		return ops->pr_reserve ?
		       ops->pr_reserve(bdev, own, PR_WRITE_EXCLUSIVE, 0) :
		       -EOPNOTSUPP;
	case HASTOR_PR_RELEASE:
		return ops->pr_release ?
		       ops->pr_release(bdev, own, PR_WRITE_EXCLUSIVE) :
		       -EOPNOTSUPP;
	case HASTOR_PR_PREEMPT:
		return ops->pr_preempt ?
		       ops->pr_preempt(bdev, own, key, PR_WRITE_EXCLUSIVE,
				       false) : -EOPNOTSUPP;
	case HASTOR_PR_CLEAR:
		return ops->pr_clear ? ops->pr_clear(bdev, own) : -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hs_pr_call);

/*
 * One reservation command with this node's key.  The disk is opened
 * without exclusivity: the pool it belongs to may hold it.  key is the
 * registration to preempt (PREEMPT only; the caller checked it).
 */
int hs_fence_pr(const char *path, enum hastor_pr_action action, u64 key,
		struct netlink_ext_ack *extack)
{
	struct hastor_node_info node;
	struct block_device *bdev;
	const struct pr_ops *ops;
	u64 own;
	int ret;

	bdev = blkdev_get_by_path(path, HS_PR_MODE, NULL);
	if (IS_ERR(bdev)) {
		NL_SET_ERR_MSG(extack, "cannot open the disk");
		return PTR_ERR(bdev);
	}
	ops = bdev->bd_disk->fops->pr_ops;
	ret = -EOPNOTSUPP;
	if (!ops) {
		NL_SET_ERR_MSG(extack,
			       "the disk does not support persistent reservations (no pr_ops)");
		goto out;
	}
	ret = -EINVAL;
	/* A reservation covers the whole disk, never one partition. */
	if (bdev_is_partition(bdev)) {
		NL_SET_ERR_MSG(extack,
			       "a partition: reservations apply to the whole disk, name it");
		goto out;
	}
	hastor_node_get(&node);
	if (node.state == HASTOR_NODE_UNCONFIGURED) {
		NL_SET_ERR_MSG(extack,
			       "configure the node (hactl node set) first: its ids make the key");
		goto out;
	}
	own = hastor_pr_key(node.cluster_id, node.id);
	ret = hs_pr_call(bdev, ops, action, own, key);
	if (ret == -EOPNOTSUPP) {
		NL_SET_ERR_MSG(extack,
			       "the disk's driver does not offer this reservation command");
		goto out;
	}
	ret = pr_errno(bdev, ret, action, extack);
	if (!ret)
		pr_info("hastor: %s: persistent reservation %s (key 0x%llx%s)\n",
			bdev->bd_disk->disk_name, pr_action_names[action], own,
			action == HASTOR_PR_PREEMPT ? ", preempted" : "");
out:
	blkdev_put(bdev, HS_PR_MODE);
	return ret;
}

/* The newer valid copy of a disk's label: 0, -EILSEQ (none) or -EIO. */
static int label_read(struct dm_bufio_client *c, struct hastor_label *out)
{
	bool have = false, io = false;
	const char *why;
	int i;

	for (i = 0; i < 2; i++) {
		const struct hastor_label *l;
		struct dm_buffer *buf;

		l = dm_bufio_read(c, HASTOR_LABEL_BLOCK + i, &buf);
		if (IS_ERR(l)) {
			io = true;
			continue;
		}
		if (!hs_header_check(l, HASTOR_LABEL_MAGIC,
				     HASTOR_LABEL_BLOCK + i, NULL, U64_MAX,
				     &why) &&
		    (!have || le64_to_cpu(l->hdr.generation) >
			      le64_to_cpu(out->hdr.generation))) {
			memcpy(out, l, sizeof(*out));
			have = true;
		}
		dm_bufio_release(buf);
	}
	if (have)
		return 0;
	return io ? -EIO : -EILSEQ;
}

/* Copy `copy` of the label, as given but for its header's place. */
static int label_put(struct dm_bufio_client *c, const struct hastor_label *l,
		     int copy)
{
	struct hastor_label *d;
	struct dm_buffer *buf;

	d = dm_bufio_new(c, HASTOR_LABEL_BLOCK + copy, &buf);
	if (IS_ERR(d))
		return PTR_ERR(d);
	memset(d, 0, HASTOR_BLOCK_SIZE);
	memcpy(d, l, sizeof(*l));
	d->hdr.blocknr = cpu_to_le64(HASTOR_LABEL_BLOCK + copy);
	/* The checksum is sealed by meta.c's write callback. */
	dm_bufio_mark_buffer_dirty(buf);
	dm_bufio_release(buf);
	return 0;
}

static int bufio_sync(struct dm_bufio_client *c)
{
	int err = dm_bufio_write_dirty_buffers(c);

	return err ?: dm_bufio_issue_flush(c);
}

/*
 * Label a disk in no pool as a spare owned by owner, homed on home.  A
 * spare label is rewritten (a new owner), anything else hastor wrote
 * is refused, and so is a disk someone holds open exclusively.  Copy 0
 * is durable before copy 1 is touched, as for pool labels.
 */
int hs_fence_label_spare(const char *path, u32 owner, u32 home,
			 struct netlink_ext_ack *extack)
{
	static const char holder[] = "hastor disk label";
	struct hastor_node_info node;
	struct dm_bufio_client *c;
	struct block_device *bdev;
	struct hastor_label *l;
	u64 gen = 1, blocks;
	int copy, err;

	hastor_node_get(&node);
	if (node.state == HASTOR_NODE_UNCONFIGURED) {
		NL_SET_ERR_MSG(extack,
			       "configure the node (hactl node set) first: the label names its cluster");
		return -EINVAL;
	}
	bdev = blkdev_get_by_path(path, HS_LABEL_MODE, (void *)holder);
	if (IS_ERR(bdev)) {
		err = PTR_ERR(bdev);
		if (err == -EBUSY)
			NL_SET_ERR_MSG(extack,
				       "the disk is in use (held open exclusively, e.g. by a pool)");
		else
			NL_SET_ERR_MSG(extack, "cannot open the disk");
		return err;
	}
	blocks = bdev_nr_sectors(bdev) >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	err = -EINVAL;
	if (blocks < HS_MIN_SPARE_BLOCKS) {
		NL_SET_ERR_MSG(extack, "disk too small (at least 1.25 MiB)");
		goto out_put;
	}
	err = -ENOMEM;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		goto out_put;
	c = hs_bufio_create(bdev);
	if (IS_ERR(c)) {
		err = PTR_ERR(c);
		goto out_free;
	}
	err = label_read(c, l);
	if (err == -EIO) {
		NL_SET_ERR_MSG(extack, "cannot read the disk's label");
		goto out_client;
	}
	if (!err && !hs_label_is_spare(l)) {
		NL_SET_ERR_MSG(extack,
			       "the disk holds a pool label: it is a pool member, not a spare");
		err = -EBUSY;
		goto out_client;
	}
	if (!err) {
		/* A spare keeps its identity; only ownership changes. */
		gen = le64_to_cpu(l->hdr.generation) + 1;
	} else {
		memset(l, 0, sizeof(*l));
		generate_random_uuid(l->disk_uuid);
	}
	memset(&l->hdr, 0, sizeof(l->hdr));
	l->hdr.magic = cpu_to_le32(HASTOR_LABEL_MAGIC);
	l->hdr.generation = cpu_to_le64(gen);
	l->version = cpu_to_le32(HASTOR_FORMAT_VERSION);
	l->incompat = cpu_to_le32(HASTOR_INCOMPAT_SPARE);
	l->compat = 0;
	l->member_index = 0;
	l->member_count = 0;
	l->cluster_id = cpu_to_le32(node.cluster_id);
	l->owner_node = cpu_to_le32(owner);
	l->home_node = cpu_to_le32(home);
	l->disk_blocks = cpu_to_le64(blocks);
	l->ctime = cpu_to_le64(ktime_get_real_seconds());
	for (copy = 0; copy < 2; copy++) {
		err = label_put(c, l, copy);
		if (!err)
			err = bufio_sync(c);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "writing the label failed (a reservation conflict if another node holds the disk)");
			goto out_client;
		}
	}
	pr_info("hastor: %pg: spare label, owner node %u, home node %u\n",
		bdev, owner, home);
out_client:
	dm_bufio_client_destroy(c);
out_free:
	kfree(l);
out_put:
	blkdev_put(bdev, HS_LABEL_MODE);
	return err;
}

/*
 * A pool being imported on a node its labels do not name as owner:
 * every member's label names this node from now on.  Called by the
 * import after every check passed and before the pool writes anything
 * else, so a refused import writes nothing and a pool's first write on
 * its new node is this one; with the disks reserved by this node it is
 * also the first proof that the reservation holds.  Every member gets
 * copy 0 (generation + 1) and a flush before any copy 1 changes, as
 * pool.c writes labels: a crash leaves one valid copy per disk.
 */
int hs_fence_claim(struct hs_pool *pool, const char **why)
{
	struct hastor_node_info node;
	struct hastor_label *l;
	u32 old = pool->owner_node;
	int i, copy, err = 0;

	hastor_node_get(&node);
	if (node.state == HASTOR_NODE_UNCONFIGURED || old == node.id)
		return 0;
	l = kmalloc_array(pool->nr_members, sizeof(*l), GFP_KERNEL);
	if (!l) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (i = 0; i < pool->nr_members; i++) {
		err = label_read(pool->members[i].bufio, &l[i]);
		if (err) {
			*why = "label unreadable while taking ownership";
			goto out;
		}
		l[i].owner_node = cpu_to_le32(node.id);
		le64_add_cpu(&l[i].hdr.generation, 1);
	}
	for (copy = 0; copy < 2; copy++) {
		for (i = 0; i < pool->nr_members && !err; i++)
			err = label_put(pool->members[i].bufio, &l[i], copy);
		if (!err)
			err = hs_meta_write_all(pool);
		if (err) {
			*why = "writing the labels failed (is the pool reserved by another node?)";
			goto out;
		}
	}
	pool->owner_node = node.id;
	pr_info("hastor: pool %s: labels name node %u as owner (was %u)\n",
		pool->name, node.id, old);
out:
	kfree(l);
	return err;
}
