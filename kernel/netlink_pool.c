// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands for pools and volumes (see include/uapi/linux/hastor.h
 * for the attribute trees).  Policies reject what is malformed; handlers
 * reject what is invalid in the pool's current state, with the reason in
 * the extended ack; management changes run under the pool's mutex and
 * are announced on the events group once done.
 */
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "pool.h"
#include "vol.h"
#include "node.h"
#include "wlog.h"

#define HS_PATH_MAX	255

static struct netlink_range_validation hs_size_range = {
	.min = HASTOR_BLOCK_SIZE,
	.max = HASTOR_VOL_SIZE_MAX,
};

static const struct nla_policy pool_policy[HASTOR_A_POOL_MAX + 1] = {
	[HASTOR_A_POOL_NAME] = { .type = NLA_NUL_STRING,
				 .len = HASTOR_NAME_MAX },
	[HASTOR_A_POOL_MEMBER] = { .type = NLA_NUL_STRING,
				   .len = HS_PATH_MAX },
};

static const struct nla_policy vol_policy[HASTOR_A_VOL_MAX + 1] = {
	[HASTOR_A_VOL_POOL] = { .type = NLA_NUL_STRING,
				.len = HASTOR_NAME_MAX },
	[HASTOR_A_VOL_NAME] = { .type = NLA_NUL_STRING,
				.len = HASTOR_VOL_NAME_LEN - 1 },
	[HASTOR_A_VOL_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U64, &hs_size_range),
	[HASTOR_A_VOL_SNAP] = { .type = NLA_NUL_STRING,
				.len = HASTOR_NAME_MAX },
	[HASTOR_A_VOL_ORIGIN] = { .type = NLA_NUL_STRING,
				  .len = HASTOR_VOL_NAME_LEN - 1 },
	[HASTOR_A_VOL_SPACE] = { .type = NLA_FLAG },
};

const struct nla_policy hastor_pool_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_POOL] = NLA_POLICY_NESTED(pool_policy),
};

const struct nla_policy hastor_vol_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_VOL] = NLA_POLICY_NESTED(vol_policy),
};

/* ---- message building ---- */

static int put_devt(struct sk_buff *skb, int type, dev_t devt)
{
	char s[24];

	snprintf(s, sizeof(s), "%u:%u", MAJOR(devt), MINOR(devt));
	return nla_put_string(skb, type, s);
}

static int put_pool(struct sk_buff *skb, struct hs_pool *pool)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_POOL);
	u64 used, meta, free, records, done;
	bool taken, replaying = false;
	u32 state;
	int i, err = -EMSGSIZE;

	if (!nest)
		return -EMSGSIZE;
	down_read(&pool->meta_lock);
	if (pool->dead) {
		err = -ENOENT;
		goto out;
	}
	used = pool->sm.nr_used;
	meta = pool->sm.nr_meta;
	free = pool->total_blocks - used;
	taken = hs_tko_progress(pool, &records, &done, &replaying);
	state = pool->state == HASTOR_POOL_ACTIVE && replaying ?
		HASTOR_POOL_REPLAYING : pool->state;
	if (nla_put_string(skb, HASTOR_A_POOL_NAME, pool->name) ||
	    nla_put(skb, HASTOR_A_POOL_UUID, 16, pool->uuid) ||
	    nla_put_u32(skb, HASTOR_A_POOL_STATE, state) ||
	    (taken &&
	     (nla_put_u64_64bit(skb, HASTOR_A_POOL_REPLAY_RECORDS, records,
				HASTOR_A_POOL_PAD) ||
	      nla_put_u64_64bit(skb, HASTOR_A_POOL_REPLAY_DONE, done,
				HASTOR_A_POOL_PAD))) ||
	    nla_put_u64_64bit(skb, HASTOR_A_POOL_SIZE,
			      hs_blocks_to_bytes(pool->total_blocks),
			      HASTOR_A_POOL_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_POOL_USED,
			      hs_blocks_to_bytes(used), HASTOR_A_POOL_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_POOL_FREE,
			      hs_blocks_to_bytes(free), HASTOR_A_POOL_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_POOL_META_USED,
			      hs_blocks_to_bytes(meta), HASTOR_A_POOL_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_POOL_CP_GENERATION,
			      pool->generation, HASTOR_A_POOL_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_POOL_CP_TIME, pool->cp_time_ns,
			      HASTOR_A_POOL_PAD) ||
	    nla_put_u32(skb, HASTOR_A_POOL_OWNER, pool->owner_node) ||
	    nla_put_u32(skb, HASTOR_A_POOL_HOME, pool->home_node) ||
	    nla_put_u32(skb, HASTOR_A_POOL_VOLUMES, hs_vol_count(pool)) ||
	    put_devt(skb, HASTOR_A_POOL_DM_DEV, pool->dm_devt))
		goto out;
	for (i = 0; i < pool->nr_members; i++)
		if (put_devt(skb, HASTOR_A_POOL_MEMBER,
			     pool->members[i].bdev->bd_dev))
			goto out;
	err = 0;
out:
	up_read(&pool->meta_lock);
	if (err)
		nla_nest_cancel(skb, nest);
	else
		nla_nest_end(skb, nest);
	return err;
}

/* Called with meta_lock held (read or write). */
static int put_vol(struct sk_buff *skb, struct hs_pool *pool,
		   struct hs_vol *vol, bool space)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_VOL);
	struct hs_vol *parent;
	u64 unique, shared;

	if (!nest)
		return -EMSGSIZE;
	parent = vol->parent_id ? hs_vol_find_id(pool, vol->parent_id) : NULL;
	if (nla_put_string(skb, HASTOR_A_VOL_POOL, pool->name) ||
	    nla_put_string(skb, HASTOR_A_VOL_NAME, vol->name) ||
	    nla_put_u64_64bit(skb, HASTOR_A_VOL_ID, vol->id,
			      HASTOR_A_VOL_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_VOL_SIZE,
			      hs_blocks_to_bytes(vol->size_blocks),
			      HASTOR_A_VOL_PAD) ||
	    nla_put_u32(skb, HASTOR_A_VOL_TYPE, hs_vol_type(vol)) ||
	    nla_put_u64_64bit(skb, HASTOR_A_VOL_MAPPED,
			      hs_blocks_to_bytes(vol->mapped),
			      HASTOR_A_VOL_PAD) ||
	    nla_put_u32(skb, HASTOR_A_VOL_ACTIVE, vol->active) ||
	    nla_put_u64_64bit(skb, HASTOR_A_VOL_CTIME, vol->ctime_ns,
			      HASTOR_A_VOL_PAD) ||
	    (parent && nla_put_string(skb, HASTOR_A_VOL_ORIGIN, parent->name)))
		goto err;
	if (space) {
		if (hs_vol_space(pool, vol, &unique, &shared) ||
		    nla_put_u64_64bit(skb, HASTOR_A_VOL_UNIQUE,
				      hs_blocks_to_bytes(unique),
				      HASTOR_A_VOL_PAD) ||
		    nla_put_u64_64bit(skb, HASTOR_A_VOL_SHARED,
				      hs_blocks_to_bytes(shared),
				      HASTOR_A_VOL_PAD))
			goto err;
	}
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static void notify(struct hs_pool *pool, const char *vol_name, u32 event)
{
	struct hs_vol *vol = NULL;
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = hastor_genl_put(skb, 0, 0, vol_name ? HASTOR_CMD_VOL_NTF :
			      HASTOR_CMD_POOL_NTF);
	if (!hdr)
		goto err;
	if (nla_put_u32(skb, HASTOR_A_EVENT, event))
		goto err;
	if (vol_name) {
		down_read(&pool->meta_lock);
		vol = pool->dead ? NULL : hs_vol_find(pool, vol_name);
		if (vol) {
			err = put_vol(skb, pool, vol, false);
		} else {
			/* Deleted: the name is all there is to say. */
			struct nlattr *n = nla_nest_start(skb, HASTOR_A_VOL);

			err = !n || nla_put_string(skb, HASTOR_A_VOL_POOL,
						   pool->name) ||
			      nla_put_string(skb, HASTOR_A_VOL_NAME, vol_name);
			if (n)
				nla_nest_end(skb, n);
		}
		up_read(&pool->meta_lock);
	} else {
		err = put_pool(skb, pool);
	}
	if (err)
		goto err;
	genlmsg_end(skb, hdr);
	hastor_genl_notify(skb);
	return;
err:
	nlmsg_free(skb);
}

/* A pool's state changed on its own (fenced; a takeover's replay ended). */
void hs_pool_notify(struct hs_pool *pool, u32 event)
{
	notify(pool, NULL, event);
}

/* ---- request parsing ---- */

/*
 * The engine explains refusals with static strings it picks at run time;
 * 6.1's NL_SET_ERR_MSG* take only literals, so set the ack directly.
 */
static void set_err(struct netlink_ext_ack *extack,
		    const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	extack->bad_attr = attr;
}

static int parse_nest(struct genl_info *info, int type, int max,
		      const struct nla_policy *policy, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, type)) {
		set_err(info->extack, NULL, type == HASTOR_A_POOL ?
			"pool attributes (HASTOR_A_POOL) missing" :
			"volume attributes (HASTOR_A_VOL) missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, max, info->attrs[type], policy,
				info->extack);
}

static int need(struct genl_info *info, struct nlattr **tb, int type,
		const char *what)
{
	if (tb[type])
		return 0;
	NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_VOL] ?:
			     info->attrs[HASTOR_A_POOL], type);
	set_err(info->extack, NULL, what);
	return -EINVAL;
}

static struct hs_pool *pool_of(struct genl_info *info, struct nlattr *attr)
{
	struct hs_pool *pool = hs_pool_find(nla_data(attr));

	if (!pool)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such active pool");
	return pool;
}

/* The volume as a reply to cmd; name_attr, if given, names it in errors. */
static int reply_vol(struct genl_info *info, struct hs_pool *pool,
		     const char *name, u8 cmd, bool space,
		     const struct nlattr *name_attr)
{
	struct sk_buff *msg;
	struct hs_vol *vol;
	void *hdr;
	int err = -EMSGSIZE;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hastor_genl_put(msg, info->snd_portid, info->snd_seq, cmd);
	if (!hdr)
		goto err;
	down_read(&pool->meta_lock);
	vol = pool->dead ? NULL : hs_vol_find(pool, name);
	err = vol ? put_vol(msg, pool, vol, space) : -ENOENT;
	up_read(&pool->meta_lock);
	if (err == -ENOENT)
		set_err(info->extack, name_attr, "no such volume");
	if (err)
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return err;
}

/* ---- pools ---- */

int hastor_nl_pool_create(struct sk_buff *skb, struct genl_info *info)
{
	static const char holder[] = "hastor pool create";
	struct nlattr *tb[HASTOR_A_POOL_MAX + 1], *a;
	struct block_device *bdevs[HASTOR_MAX_MEMBERS];
	struct nlattr *member_attr[HASTOR_MAX_MEMBERS];
	const fmode_t mode = FMODE_READ | FMODE_WRITE | FMODE_EXCL;
	const char *name, *why = "cannot create the pool";
	struct hs_pool *active;
	struct sk_buff *msg;
	int n = 0, i, rem, bad, err;
	struct nlattr *nest;
	u8 uuid[16];
	u64 size;
	void *hdr;

	err = parse_nest(info, HASTOR_A_POOL, HASTOR_A_POOL_MAX, pool_policy,
			 tb);
	if (err)
		return err;
	err = need(info, tb, HASTOR_A_POOL_NAME, "pool name missing");
	if (err)
		return err;
	name = nla_data(tb[HASTOR_A_POOL_NAME]);
	if (!hastor_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_POOL_NAME],
				    "pool name must be 1-63 characters of A-Z a-z 0-9 . _ -");
		return -EINVAL;
	}
	active = hs_pool_find(name);
	if (active) {
		hs_pool_put(active);
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_POOL_NAME],
				    "a pool of that name is active");
		return -EEXIST;
	}
	nla_for_each_nested(a, info->attrs[HASTOR_A_POOL], rem) {
		if (nla_type(a) != HASTOR_A_POOL_MEMBER)
			continue;
		if (n == HASTOR_MAX_MEMBERS) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "more than 64 members");
			return -E2BIG;
		}
		member_attr[n++] = a;
	}
	if (!n) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_POOL],
				     HASTOR_A_POOL_MEMBER);
		GENL_SET_ERR_MSG(info, "at least one member disk is required");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		bdevs[i] = blkdev_get_by_path(nla_data(member_attr[i]), mode,
					      (void *)holder);
		if (IS_ERR(bdevs[i])) {
			err = PTR_ERR(bdevs[i]);
			set_err(info->extack, member_attr[i],
				err == -EBUSY ? "member disk is in use" :
				"cannot open member disk");
			goto out_put;
		}
	}
	/* Opened exclusively by us, a disk listed twice fails above. */
	err = hs_pool_format(name, bdevs, n, uuid, &size, &why, &bad);
	if (err) {
		if (bad >= 0)
			set_err(info->extack, member_attr[bad], why);
		else
			set_err(info->extack, NULL, why);
		goto out_put;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out_put;
	hdr = hastor_genl_put(msg, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_POOL_CREATE);
	nest = hdr ? nla_nest_start(msg, HASTOR_A_POOL) : NULL;
	if (!nest || nla_put_string(msg, HASTOR_A_POOL_NAME, name) ||
	    nla_put(msg, HASTOR_A_POOL_UUID, 16, uuid) ||
	    nla_put_u64_64bit(msg, HASTOR_A_POOL_SIZE, size,
			      HASTOR_A_POOL_PAD)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out_put;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_put:
	while (i--)
		blkdev_put(bdevs[i], mode);
	return err;
}

struct pool_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	int done;
};

static int dump_one_pool(struct hs_pool *pool, void *data)
{
	struct pool_dump *d = data;
	void *hdr;

	hdr = hastor_genl_put(d->skb, NETLINK_CB(d->cb->skb).portid,
			      d->cb->nlh->nlmsg_seq, HASTOR_CMD_POOL_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(d->cb, hdr);
	if (put_pool(d->skb, pool)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	d->done++;
	return 0;
}

int hastor_nl_pool_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pool_dump d = { .skb = skb, .cb = cb };

	hs_pool_for_each(dump_one_pool, &d, cb->args[0]);
	cb->args[0] += d.done;
	return skb->len;
}

int hastor_nl_pool_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_POOL_MAX + 1];
	struct hs_pool *pool;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = parse_nest(info, HASTOR_A_POOL, HASTOR_A_POOL_MAX, pool_policy,
			 tb);
	if (!err)
		err = need(info, tb, HASTOR_A_POOL_NAME, "pool name missing");
	if (err)
		return err;
	pool = pool_of(info, tb[HASTOR_A_POOL_NAME]);
	if (!pool)
		return -ENOENT;
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = hastor_genl_put(msg, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_POOL_GET);
	if (!hdr || put_pool(msg, pool)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	hs_pool_put(pool);
	return err;
}

/* ---- volumes ---- */

enum vol_op { OP_CREATE, OP_DELETE, OP_RESIZE, OP_SNAP, OP_CLONE };

static int vol_change(struct sk_buff *skb, struct genl_info *info,
		      enum vol_op op)
{
	struct nlattr *tb[HASTOR_A_VOL_MAX + 1];
	char result[HASTOR_VOL_NAME_LEN];
	const char *name, *why = NULL;
	struct hs_pool *pool;
	struct hs_vol vol;
	u64 size = 0;
	int err;

	err = parse_nest(info, HASTOR_A_VOL, HASTOR_A_VOL_MAX, vol_policy, tb);
	if (!err)
		err = need(info, tb, HASTOR_A_VOL_POOL, "pool name missing");
	if (!err)
		err = need(info, tb, HASTOR_A_VOL_NAME, "volume name missing");
	if (!err && (op == OP_CREATE || op == OP_RESIZE))
		err = need(info, tb, HASTOR_A_VOL_SIZE, "size missing");
	if (!err && op == OP_SNAP)
		err = need(info, tb, HASTOR_A_VOL_SNAP,
			   "snapshot name missing");
	if (!err && op == OP_CLONE)
		err = need(info, tb, HASTOR_A_VOL_ORIGIN,
			   "origin snapshot missing");
	if (err)
		return err;
	if (tb[HASTOR_A_VOL_SIZE]) {
		size = nla_get_u64(tb[HASTOR_A_VOL_SIZE]);
		if (size % HASTOR_BLOCK_SIZE) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_VOL_SIZE],
					    "size must be a multiple of 4096");
			return -EINVAL;
		}
	}
	name = nla_data(tb[HASTOR_A_VOL_NAME]);
	pool = pool_of(info, tb[HASTOR_A_VOL_POOL]);
	if (!pool)
		return -ENOENT;
	strscpy(result, name, sizeof(result));

	mutex_lock(&pool->mutex);
	if (pool->dead) {
		/* Its last user went while we waited. */
		mutex_unlock(&pool->mutex);
		set_err(info->extack, tb[HASTOR_A_VOL_POOL],
			"no such active pool");
		err = -ENOENT;
		goto out;
	}
	switch (op) {
	case OP_CREATE:
		err = hs_vol_create(pool, name, size >> HASTOR_BLOCK_SHIFT,
				    &vol, &why);
		break;
	case OP_RESIZE:
		err = hs_vol_resize(pool, name, size >> HASTOR_BLOCK_SHIFT,
				    &vol, &why);
		break;
	case OP_DELETE:
		err = hs_vol_delete(pool, name, &why);
		break;
	case OP_SNAP:
		/* The volume's blocks are not all there yet. */
		if (hs_tko_replaying(pool)) {
			why = "the pool replays its takeover log; snapshot it after that";
			err = -EBUSY;
			break;
		}
		err = hs_vol_snapshot(pool, name,
				      nla_data(tb[HASTOR_A_VOL_SNAP]), &vol,
				      &why);
		if (!err)
			strscpy(result, vol.name, sizeof(result));
		break;
	case OP_CLONE:
		err = hs_vol_clone(pool, nla_data(tb[HASTOR_A_VOL_ORIGIN]),
				   name, &vol, &why);
		break;
	}
	/*
	 * What was acknowledged survives a crash: with a write log, writes
	 * to a new volume are acknowledged long before a timed CP would
	 * record the volume they went to.  (A delete commits itself.)
	 */
	if (!err && op != OP_DELETE) {
		err = hs_pool_commit(pool);
		if (err)
			why = "commit failed";
	}
	mutex_unlock(&pool->mutex);
	if (err) {
		if (why)
			set_err(info->extack, tb[HASTOR_A_VOL_NAME], why);
		goto out;
	}
	notify(pool, result, op == OP_DELETE ? HASTOR_EVENT_DELETED :
	       op == OP_RESIZE ? HASTOR_EVENT_CHANGED : HASTOR_EVENT_CREATED);
	if (op != OP_DELETE)
		err = reply_vol(info, pool, result, info->genlhdr->cmd, false,
				NULL);
out:
	hs_pool_put(pool);
	return err;
}

int hastor_nl_vol_create(struct sk_buff *skb, struct genl_info *info)
{
	return vol_change(skb, info, OP_CREATE);
}

int hastor_nl_vol_delete(struct sk_buff *skb, struct genl_info *info)
{
	return vol_change(skb, info, OP_DELETE);
}

int hastor_nl_vol_resize(struct sk_buff *skb, struct genl_info *info)
{
	return vol_change(skb, info, OP_RESIZE);
}

int hastor_nl_snap_create(struct sk_buff *skb, struct genl_info *info)
{
	return vol_change(skb, info, OP_SNAP);
}

int hastor_nl_clone_create(struct sk_buff *skb, struct genl_info *info)
{
	return vol_change(skb, info, OP_CLONE);
}

int hastor_nl_vol_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_VOL_MAX + 1];
	struct hs_pool *pool;
	int err;

	err = parse_nest(info, HASTOR_A_VOL, HASTOR_A_VOL_MAX, vol_policy, tb);
	if (!err)
		err = need(info, tb, HASTOR_A_VOL_POOL, "pool name missing");
	if (!err)
		err = need(info, tb, HASTOR_A_VOL_NAME, "volume name missing");
	if (err)
		return err;
	pool = pool_of(info, tb[HASTOR_A_VOL_POOL]);
	if (!pool)
		return -ENOENT;
	err = reply_vol(info, pool, nla_data(tb[HASTOR_A_VOL_NAME]),
			HASTOR_CMD_VOL_GET, tb[HASTOR_A_VOL_SPACE],
			tb[HASTOR_A_VOL_NAME]);
	hs_pool_put(pool);
	return err;
}

int hastor_nl_vol_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct nlattr *tb[HASTOR_A_VOL_MAX + 1];
	struct hs_pool *pool;
	struct hs_vol *vol;
	long i = 0;
	int err;

	if (!di->attrs[HASTOR_A_VOL]) {
		NL_SET_ERR_MSG(cb->extack, "volume attributes (pool) missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, HASTOR_A_VOL_MAX, di->attrs[HASTOR_A_VOL],
			       vol_policy, cb->extack);
	if (err)
		return err;
	if (!tb[HASTOR_A_VOL_POOL]) {
		NL_SET_ERR_MSG(cb->extack, "pool name missing");
		return -EINVAL;
	}
	pool = hs_pool_find(nla_data(tb[HASTOR_A_VOL_POOL]));
	if (!pool) {
		NL_SET_ERR_MSG(cb->extack, "no such active pool");
		return -ENOENT;
	}
	down_read(&pool->meta_lock);
	list_for_each_entry(vol, &pool->vols, list) {
		void *hdr;

		if (pool->dead)
			break;

		if (i++ < cb->args[0])
			continue;
		hdr = hastor_genl_put(skb, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, HASTOR_CMD_VOL_GET);
		if (!hdr)
			break;
		if (put_vol(skb, pool, vol, tb[HASTOR_A_VOL_SPACE])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
	up_read(&pool->meta_lock);
	hs_pool_put(pool);
	return skb->len;
}
