// SPDX-License-Identifier: GPL-2.0
/*
 * hactl disk list | assign | pr, and the reservation steps of pool
 * import and export (Documentation/fencing.md).
 *
 * Every reservation change is the kernel's (HASTOR_CMD_DISK_PR), made
 * with this node's key through the block layer's pr_ops.  What is on
 * a disk is read here: labels with format.c, registered keys and the
 * reservation with PERSISTENT RESERVE IN over SG_IO, which only SCSI
 * disks answer; a disk that does not is shown (or treated by import)
 * as one without reservations.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>
#include <scsi/sg.h>

#include <linux/hastor.h>
#include <linux/hastor_format.h>

#include "disk.h"
#include "diskhb.h"
#include "format.h"
#include "names.h"
#include "output.h"

#define SYS_BLOCK	"/sys/class/block"
#define PR_KEYS_MAX	64
#define PRIN_CMD	0x5e
#define PRIN_READ_KEYS	0x00
#define PRIN_READ_RES	0x01

/* What PERSISTENT RESERVE IN said about a disk. */
struct pr_state {
	bool supported;
	char why[128];			/* when not supported */
	uint32_t generation;
	unsigned int nr_keys;		/* listed, at most PR_KEYS_MAX */
	unsigned int total_keys;	/* registered */
	uint64_t keys[PR_KEYS_MAX];
	bool reserved;
	uint64_t holder;
	unsigned int type, scope;
};

enum label_kind { LABEL_NONE, LABEL_POOL, LABEL_SPARE, LABEL_INVALID };

static const char *const label_kind_names[] = {
	[LABEL_NONE] = "none",
	[LABEL_POOL] = "pool",
	[LABEL_SPARE] = "spare",
	[LABEL_INVALID] = "invalid",
};

struct disk_entry {
	char path[PATH_MAX];
	unsigned int major, minor;
	uint64_t size;
	enum label_kind kind;
	char why[300];			/* LABEL_INVALID: both copies' reasons */
	struct hastor_label label;
	struct pr_state pr;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* A hastor key names its node and cluster; others are someone else's. */
static bool key_node(uint64_t key, uint32_t *node, uint32_t *cluster)
{
	if (key >> 48 != HASTOR_PR_KEY_TAG)
		return false;
	*cluster = (uint32_t)(key >> 16);
	*node = key & HASTOR_NODE_ID_MAX;
	return true;
}

static const char *key_str(uint64_t key, char *buf, size_t len)
{
	uint32_t node, cluster;

	if (key_node(key, &node, &cluster))
		snprintf(buf, len, "node %u", node);
	else
		snprintf(buf, len, "key 0x%016llx", (unsigned long long)key);
	return buf;
}

/* SPC's reservation types, by the names fencing.md uses. */
static const char *pr_type_name(unsigned int type)
{
	switch (type) {
	case 1: return "write-exclusive";
	case 3: return "exclusive-access";
	case 5: return "write-exclusive-registrants-only";
	case 6: return "exclusive-access-registrants-only";
	case 7: return "write-exclusive-all-registrants";
	case 8: return "exclusive-access-all-registrants";
	default: return "unknown";
	}
}

/* One PERSISTENT RESERVE IN; 0, or -1 with the reason in why. */
static int pr_in(int fd, uint8_t sa, uint8_t *buf, uint16_t len, char *why,
		 size_t whylen)
{
	uint8_t cdb[10] = { PRIN_CMD, sa, 0, 0, 0, 0, 0, len >> 8, len & 0xff };
	uint8_t sense[32] = { 0 };
	struct sg_io_hdr io = {
		.interface_id = 'S',
		.dxfer_direction = SG_DXFER_FROM_DEV,
		.cmd_len = sizeof(cdb),
		.mx_sb_len = sizeof(sense),
		.dxfer_len = len,
		.dxferp = buf,
		.cmdp = cdb,
		.sbp = sense,
		.timeout = 30000,
	};
	unsigned int key;

	memset(buf, 0, len);
	if (ioctl(fd, SG_IO, &io) < 0) {
		snprintf(why, whylen, "no SCSI commands (SG_IO: %s)",
			 strerror(errno));
		return -1;
	}
	if ((io.info & SG_INFO_OK_MASK) == SG_INFO_OK)
		return 0;
	/* Fixed (0x70, 0x71) or descriptor (0x72, 0x73) sense. */
	key = (sense[0] & 0x7f) >= 0x72 ? sense[1] & 0xf : sense[2] & 0xf;
	if (key == 0x5)
		snprintf(why, whylen, "the disk does not support persistent reservations");
	else
		snprintf(why, whylen, "PERSISTENT RESERVE IN failed (status 0x%x, host 0x%x, driver 0x%x, sense key 0x%x)",
			 io.status, io.host_status, io.driver_status, key);
	return -1;
}

/* Keys and reservation of the disk open on fd. */
static void pr_read(int fd, struct pr_state *st)
{
	uint8_t buf[8 + 8 * PR_KEYS_MAX];
	uint32_t len;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	if (pr_in(fd, PRIN_READ_KEYS, buf, sizeof(buf), st->why,
		  sizeof(st->why)))
		return;
	st->generation = be32(buf);
	len = be32(buf + 4);
	st->total_keys = len / 8;
	st->nr_keys = st->total_keys < PR_KEYS_MAX ? st->total_keys :
		      PR_KEYS_MAX;
	for (i = 0; i < st->nr_keys; i++)
		st->keys[i] = be64(buf + 8 + 8 * i);
	if (pr_in(fd, PRIN_READ_RES, buf, 24, st->why, sizeof(st->why)))
		return;
	st->supported = true;
	if (be32(buf + 4) >= 16) {
		st->reserved = true;
		st->holder = be64(buf + 8);
		st->type = buf[21] & 0xf;
		st->scope = buf[21] >> 4;
	}
}

/* O_DIRECT: another node may have changed the label since we read it. */
static int open_disk(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd;
}

static void label_read(int fd, struct disk_entry *d)
{
	struct hastor_label_copies lc;
	const struct hastor_label *l;
	int best = hastor_read_label_copies(fd, &lc);

	if (best < 0) {
		/* Neither block is a label at all: an unlabelled disk. */
		if (lc.err[0] == HASTOR_E_MAGIC && lc.err[1] == HASTOR_E_MAGIC) {
			d->kind = LABEL_NONE;
			return;
		}
		d->kind = LABEL_INVALID;
		snprintf(d->why, sizeof(d->why), "copy 0: %s; copy 1: %s",
			 lc.why[0], lc.why[1]);
		return;
	}
	l = &lc.copy[best];
	d->label = *l;
	if (le32toh(l->incompat) & HASTOR_INCOMPAT_SPARE) {
		d->kind = le32toh(l->member_count) ? LABEL_INVALID : LABEL_SPARE;
		if (d->kind == LABEL_INVALID)
			snprintf(d->why, sizeof(d->why), "spare label with members");
		return;
	}
	d->kind = hastor_check_label(l, NULL, NULL) ? LABEL_INVALID :
		  LABEL_POOL;
	if (d->kind == LABEL_INVALID)
		hastor_read_label(fd, &d->label, d->why, sizeof(d->why));
}

/* Reads everything shown about path; -1 (reported) if it cannot. */
static int disk_read(const char *op, const char *path, struct disk_entry *d)
{
	char esc[HACTL_ESC_LEN];
	struct stat st;
	int fd;

	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", path);
	fd = open_disk(path);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "hactl: %s: %s: %s\n", op,
			hactl_esc(path, esc, sizeof(esc)),
			fd < 0 ? strerror(errno) : "not a block device");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->major = major(st.st_rdev);
	d->minor = minor(st.st_rdev);
	if (ioctl(fd, BLKGETSIZE64, &d->size) < 0)
		d->size = 0;
	label_read(fd, d);
	pr_read(fd, &d->pr);
	close(fd);
	return 0;
}

/* A whole SCSI disk, as sysfs names it: not a partition, sd-driven. */
static bool scsi_disk(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/partition", name);
	if (!stat(path, &st))
		return false;
	snprintf(path, sizeof(path), SYS_BLOCK "/%s/device/scsi_disk", name);
	return !stat(path, &st);
}

struct disk_set {
	struct disk_entry *d;
	size_t n, cap;
};

static int set_add(struct disk_set *s, const struct disk_entry *d)
{
	struct disk_entry *grow;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->d[i].major == d->major && s->d[i].minor == d->minor)
			return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		grow = realloc(s->d, s->cap * sizeof(*s->d));
		if (!grow)
			return -1;
		s->d = grow;
	}
	s->d[s->n++] = *d;
	return 0;
}

static void json_key(const char *name, uint64_t key)
{
	uint32_t node, cluster;
	char hex[24];

	json_open(name);
	/* A string: JSON numbers lose 64-bit precision in most readers. */
	snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)key);
	json_str("key", hex);
	if (key_node(key, &node, &cluster)) {
		json_uint("node", node);
		json_uint("cluster", cluster);
	}
	json_close();
}

static void label_json(const struct disk_entry *d)
{
	const struct hastor_label *l = &d->label;
	char name[HASTOR_POOL_NAME_LEN + 1], uuid[37];

	json_open("label");
	json_str("type", label_kind_names[d->kind]);
	if (d->kind == LABEL_INVALID)
		json_str("why", d->why);
	if (d->kind == LABEL_POOL) {
		memcpy(name, l->pool_name, HASTOR_POOL_NAME_LEN);
		name[HASTOR_POOL_NAME_LEN] = '\0';
		json_str("pool", name);
		hactl_uuid_str(l->hdr.pool_uuid, uuid);
		json_str("pool_uuid", uuid);
		json_uint("member", le32toh(l->member_index));
		json_uint("members", le32toh(l->member_count));
	}
	if (d->kind == LABEL_SPARE)
		json_str("role", le32toh(l->compat) & HASTOR_COMPAT_DUMP_DISK ?
			 "dump" : "spare");
	if (d->kind == LABEL_POOL || d->kind == LABEL_SPARE) {
		json_uint("owner", le32toh(l->owner_node));
		json_uint("home", le32toh(l->home_node));
		json_uint("cluster", le32toh(l->cluster_id));
		json_uint("generation", le64toh(l->hdr.generation));
		hactl_uuid_str(l->disk_uuid, uuid);
		json_str("disk_uuid", uuid);
	}
	json_close();
}

static void disk_json(const struct disk_entry *d)
{
	char dev[24];
	unsigned int i;

	json_open(NULL);
	json_str("path", d->path);
	snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	json_str("dev", dev);
	json_uint("size", d->size);
	label_json(d);
	json_open("pr");
	json_bool("supported", d->pr.supported);
	if (!d->pr.supported) {
		json_str("why", d->pr.why);
	} else {
		json_uint("generation", d->pr.generation);
		json_uint("registered", d->pr.total_keys);
		json_array_open("keys");
		for (i = 0; i < d->pr.nr_keys; i++)
			json_key(NULL, d->pr.keys[i]);
		json_array_close();
		if (d->pr.reserved) {
			json_open("reservation");
			json_str("type", pr_type_name(d->pr.type));
			json_uint("scope", d->pr.scope);
			json_close();
			json_key("holder", d->pr.holder);
		} else {
			json_null("reservation");
			json_null("holder");
		}
	}
	json_close();
	json_close();
}

static void disk_line(const struct disk_entry *d)
{
	const struct hastor_label *l = &d->label;
	char size[32], label[96], owner[16] = "-", home[16] = "-";
	char res[96] = "-", keys[256] = "-", k[40];
	size_t len = 0;
	unsigned int i;

	switch (d->kind) {
	case LABEL_POOL:
		snprintf(label, sizeof(label), "pool %.63s %u/%u",
			 l->pool_name, le32toh(l->member_index),
			 le32toh(l->member_count));
		break;
	case LABEL_SPARE:
		snprintf(label, sizeof(label), "%s",
			 le32toh(l->compat) & HASTOR_COMPAT_DUMP_DISK ?
			 "spare (dump)" : "spare");
		break;
	default:
		snprintf(label, sizeof(label), "%s", label_kind_names[d->kind]);
		break;
	}
	if (d->kind == LABEL_POOL || d->kind == LABEL_SPARE) {
		snprintf(owner, sizeof(owner), "%u", le32toh(l->owner_node));
		snprintf(home, sizeof(home), "%u", le32toh(l->home_node));
	}
	if (!d->pr.supported)
		snprintf(res, sizeof(res), "(no PR)");
	else if (d->pr.reserved)
		snprintf(res, sizeof(res), "%s %s",
			 key_str(d->pr.holder, k, sizeof(k)),
			 pr_type_name(d->pr.type));
	for (i = 0; i < d->pr.nr_keys && len < sizeof(keys); i++)
		len += snprintf(keys + len, sizeof(keys) - len, "%s%s",
				i ? ", " : "",
				key_str(d->pr.keys[i], k, sizeof(k)));
	printf("%-18s %-10s %-20s %-5s %-5s %-30s %s\n", d->path,
	       hactl_fmt_size(d->size, size, sizeof(size)), label, owner, home,
	       res, keys);
}

/* Shared disks (those answering PR) plus the paths given; -1 on a failure. */
static int disk_scan_set(const char *op, char **paths, int n,
			 struct disk_set *s)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	struct disk_entry d;
	int ret = 0, i, nr;

	nr = scandir(SYS_BLOCK, &names, NULL, alphasort);
	for (i = 0; i < nr; i++) {
		if (names[i]->d_name[0] != '.' && scsi_disk(names[i]->d_name)) {
			snprintf(path, sizeof(path), "/dev/%s",
				 names[i]->d_name);
			/* Shared disks are those that answer PR. */
			if (!disk_read(op, path, &d) && d.pr.supported &&
			    set_add(s, &d) < 0)
				ret = -1;
		}
		free(names[i]);
	}
	free(names);
	for (i = 0; i < n; i++) {
		if (disk_read(op, paths[i], &d) || set_add(s, &d) < 0)
			ret = -1;
	}
	return ret;
}

static int cmd_disk_list(struct hactl *ctx, int argc, char **argv)
{
	struct disk_set s = { 0 };
	int ret;
	size_t j;

	ret = hactl_args(ctx, argc, argv, 0, INT_MAX);
	if (ret >= 0)
		return ret;
	ret = disk_scan_set(ctx->path, argv + optind, argc - optind, &s) ?
	      HACTL_EXIT_FAIL : HACTL_EXIT_OK;
	if (out_json()) {
		json_open(NULL);
		json_array_open("disks");
		for (j = 0; j < s.n; j++)
			disk_json(&s.d[j]);
		json_array_close();
		json_close();
	} else {
		printf("%-18s %-10s %-20s %-5s %-5s %-30s %s\n", "DISK", "SIZE",
		       "LABEL", "OWNER", "HOME", "RESERVATION", "KEYS");
		for (j = 0; j < s.n; j++)
			disk_line(&s.d[j]);
	}
	free(s.d);
	return ret;
}

int disk_scan(const char *op, char **paths, int n, struct disk_brief **out,
	      size_t *nr)
{
	struct disk_set s = { 0 };
	struct disk_brief *b;
	int ret = disk_scan_set(op, paths, n, &s);
	size_t i;

	*out = NULL;
	*nr = 0;
	b = calloc(s.n ? s.n : 1, sizeof(*b));
	if (!b) {
		free(s.d);
		return -1;
	}
	for (i = 0; i < s.n; i++) {
		const struct disk_entry *d = &s.d[i];

		snprintf(b[i].path, sizeof(b[i].path), "%s", d->path);
		b[i].size = d->size;
		b[i].label = d->label;
		b[i].kind = d->kind == LABEL_NONE ? DISK_KIND_NONE :
			    d->kind == LABEL_POOL ? DISK_KIND_POOL :
			    d->kind == LABEL_SPARE ? DISK_KIND_SPARE :
			    DISK_KIND_INVALID;
		b[i].pr_supported = d->pr.supported;
		b[i].reserved = d->pr.reserved;
		b[i].holder = d->pr.holder;
		b[i].nr_keys = d->pr.nr_keys < DISK_BRIEF_KEYS ?
			       d->pr.nr_keys : DISK_BRIEF_KEYS;
		memcpy(b[i].keys, d->pr.keys, b[i].nr_keys * sizeof(uint64_t));
	}
	*out = b;
	*nr = s.n;
	free(s.d);
	return ret;
}

/* The kernel takes paths of at most HASTOR_PATH_MAX characters. */
static int check_path(struct hactl *ctx, const char *path)
{
	char esc[HACTL_ESC_LEN];

	if (!hactl_client_checks() ||
	    (path[0] == '/' && strlen(path) <= HASTOR_PATH_MAX))
		return -1;
	return hactl_usage_error(ctx, "disk '%s' must be an absolute path of at most %u characters",
				 hactl_esc(path, esc, sizeof(esc)),
				 HASTOR_PATH_MAX);
}

/* HASTOR_CMD_DISK_PR; 0 or the negative errno (reported). */
int disk_pr(struct hnl *h, const char *path, uint32_t action, bool has_key,
	    uint64_t key)
{
	struct nl_msg *msg = hnl_msg(h, HASTOR_CMD_DISK_PR);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, HASTOR_A_DISK | NLA_F_NESTED);
	if (!nest || nla_put_string(msg, HASTOR_A_DISK_PATH, path) < 0 ||
	    nla_put_u32(msg, HASTOR_A_DISK_PR_ACTION, action) < 0 ||
	    (has_key && nla_put_u64(msg, HASTOR_A_DISK_PR_KEY, key) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "hactl: %s: request too large\n", h->op);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return hnl_request(h, msg, NULL, NULL);
}

static const char *const pr_actions[] = {
	[HASTOR_PR_REGISTER] = "register",
	[HASTOR_PR_UNREGISTER] = "unregister",
	[HASTOR_PR_RESERVE] = "reserve",
	[HASTOR_PR_RELEASE] = "release",
	[HASTOR_PR_PREEMPT] = "preempt",
	[HASTOR_PR_CLEAR] = "clear",
};

/* Decimal, or hexadecimal after "0x"; digits only, no sign or blanks. */
static bool parse_u64(const char *s, uint64_t *val)
{
	const char *digits = "0123456789";
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = "0123456789abcdefABCDEF";
		base = 16;
		s += 2;
	}
	if (!*s || s[strspn(s, digits)])
		return false;
	errno = 0;
	*val = strtoull(s, &end, base);
	return !errno && !*end;
}

static int cmd_disk_pr(struct hactl *ctx, int argc, char **argv)
{
	const char *path, *verb;
	uint64_t key = 0;
	bool has_key;
	uint32_t action;
	struct hnl h;
	int ret;

	ret = hactl_args(ctx, argc, argv, 2, 3);
	if (ret >= 0)
		return ret;
	path = argv[optind];
	verb = argv[optind + 1];
	has_key = argc - optind == 3;
	for (action = 0; action <= HASTOR_PR_MAX; action++)
		if (!strcmp(verb, pr_actions[action]))
			break;
	if (action > HASTOR_PR_MAX)
		return hactl_usage_error(ctx, "unknown action '%s' (register, unregister, reserve, release, clear, preempt)",
					 verb);
	if (has_key && !parse_u64(argv[optind + 2], &key))
		return hactl_usage_error(ctx, "invalid key '%s'",
					 argv[optind + 2]);
	ret = check_path(ctx, path);
	if (ret >= 0)
		return ret;
	if (hactl_client_checks() && action == HASTOR_PR_PREEMPT && !has_key)
		return hactl_usage_error(ctx, "preempt needs the KEY to preempt");
	if (hactl_client_checks() && action != HASTOR_PR_PREEMPT && has_key)
		return hactl_usage_error(ctx, "only preempt takes a KEY");
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = disk_pr(&h, path, action, has_key, key) ? HACTL_EXIT_FAIL :
	      HACTL_EXIT_OK;
	hnl_close(&h);
	if (!ret && !out_json())
		printf("%s: %s done\n", path, verb);
	return ret;
}

/*
 * The dump role lives in the spare label's compat flags, which the
 * kernel's DISK_LABEL has just written with none: both copies get the
 * flag and the next generation, copy 0 durable before copy 1 changes,
 * so a crash in between leaves one valid copy (Documentation/coredump.md).
 */
static int set_dump_role(const char *op, const char *path)
{
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE];
	struct hastor_label *l = (struct hastor_label *)buf;
	struct hastor_label_copies lc;
	uint64_t gen;
	int fd, best, copy, err = 0;

	fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "hactl: %s: %s: %s\n", op, path, strerror(errno));
		return -1;
	}
	best = hastor_read_label_copies(fd, &lc);
	if (best < 0 || !(le32toh(lc.copy[best].incompat) & HASTOR_INCOMPAT_SPARE) ||
	    hastor_read_block(fd, HASTOR_LABEL_BLOCK + best, buf)) {
		fprintf(stderr, "hactl: %s: %s: the spare label just written cannot be read back\n",
			op, path);
		close(fd);
		return -1;
	}
	gen = le64toh(lc.copy[best].hdr.generation) + 1;
	for (copy = 0; copy < 2 && !err; copy++) {
		l->compat = htole32(le32toh(l->compat) | HASTOR_COMPAT_DUMP_DISK);
		l->hdr.generation = htole64(gen);
		l->hdr.blocknr = htole64(HASTOR_LABEL_BLOCK + copy);
		hastor_seal_block(buf);
		err = hastor_write_block(fd, HASTOR_LABEL_BLOCK + copy, buf);
		if (!err && fdatasync(fd))
			err = -errno;
	}
	close(fd);
	if (err)
		fprintf(stderr, "hactl: %s: %s: writing the dump role: %s\n", op,
			path, strerror(-err));
	return err ? -1 : 0;
}

static int cmd_disk_assign(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "home",  required_argument, NULL, 'H' },
		{ "role",  required_argument, NULL, 'r' },
		{ "help",  no_argument,       NULL, 'h' },
		{ 0 }
	};
	bool has_owner = false, has_home = false, dump = false;
	uint32_t owner = 0, home = 0;
	struct nlattr *nest;
	struct nl_msg *msg;
	const char *path;
	struct hnl h;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
		case 'H':
			if (!hactl_parse_u32(optarg, c == 'o' ? &owner : &home) ||
			    (hactl_client_checks() &&
			     (!(c == 'o' ? owner : home) ||
			      (c == 'o' ? owner : home) > HASTOR_NODE_ID_MAX)))
				return hactl_usage_error(ctx, "invalid node id '%s' (1..%u)",
							 optarg,
							 HASTOR_NODE_ID_MAX);
			*(c == 'o' ? &has_owner : &has_home) = true;
			break;
		case 'r':
			if (strcmp(optarg, "spare") && strcmp(optarg, "dump"))
				return hactl_usage_error(ctx, "invalid role '%s' (spare, dump)",
							 optarg);
			dump = !strcmp(optarg, "dump");
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind >= argc)
		return hactl_usage_error(ctx, "missing disk");
	if (argc - optind > 1)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind + 1]);
	if (!has_owner)
		return hactl_usage_error(ctx, "--owner N is required");
	path = argv[optind];
	ret = check_path(ctx, path);
	if (ret >= 0)
		return ret;
	if (!has_home)
		home = owner;
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = HACTL_EXIT_FAIL;
	msg = hnl_msg(&h, HASTOR_CMD_DISK_LABEL);
	if (!msg)
		goto out;
	nest = nla_nest_start(msg, HASTOR_A_DISK | NLA_F_NESTED);
	if (!nest || nla_put_string(msg, HASTOR_A_DISK_PATH, path) < 0 ||
	    nla_put_u32(msg, HASTOR_A_DISK_OWNER, owner) < 0 ||
	    nla_put_u32(msg, HASTOR_A_DISK_HOME, home) < 0) {
		nlmsg_free(msg);
		fprintf(stderr, "hactl: %s: request too large\n", h.op);
		goto out;
	}
	nla_nest_end(msg, nest);
	if (hnl_request(&h, msg, NULL, NULL))
		goto out;
	if (dump && set_dump_role(h.op, path))
		goto out;
	ret = HACTL_EXIT_OK;
	if (out_json()) {
		json_open(NULL);
		json_open("disk");
		json_str("path", path);
		json_str("label", "spare");
		json_str("role", dump ? "dump" : "spare");
		json_uint("owner", owner);
		json_uint("home", home);
		json_close();
		json_close();
	} else {
		printf("%s: %s, owner node %u, home node %u\n", path,
		       dump ? "spare (dump)" : "spare", owner, home);
	}
out:
	hnl_close(&h);
	return ret;
}

const struct hactl_cmd disk_cmds[] = {
	{ "list", cmd_disk_list, NULL, "[DISK...]" },
	{ "assign", cmd_disk_assign, NULL,
	  "DISK --owner N [--home N] [--role spare|dump]" },
	{ "pr", cmd_disk_pr, NULL,
	  "DISK register|unregister|reserve|release|clear|preempt [KEY]" },
	{ "heartbeat", cmd_disk_heartbeat, NULL, "[DISK...]" },
	{ 0 }
};

/* ---- pool import and export ---- */

static int own_key_cb(struct nl_msg *msg, void *arg)
{
	return node_msg_parse(nlmsg_hdr(msg), arg);
}

/* This node's key; -1 (reported) if the node has none yet. */
static int own_key(struct hnl *h, uint64_t *key)
{
	struct node_info ni = { 0 };
	struct nl_msg *msg = hnl_msg(h, HASTOR_CMD_NODE_GET);

	if (!msg || hnl_request(h, msg, own_key_cb, &ni) < 0)
		return -1;
	if (!ni.has_pr_key) {
		fprintf(stderr, "hactl: %s: the node has no identity yet (hactl node set): its key fences the pool's disks\n",
			h->op);
		return -1;
	}
	*key = ni.pr_key;
	return 0;
}

/* /dev/NAME of a block device, from sysfs; 0, or -1 (reported). */
static int dev_path(const char *op, unsigned int maj, unsigned int min,
		    char *buf, size_t len)
{
	char sys[PATH_MAX], line[256];
	struct stat st;
	bool found = false;
	FILE *f;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/uevent", maj, min);
	f = fopen(sys, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "/dev/%s", line + 8);
			found = true;
		}
	if (f)
		fclose(f);
	if (found && !stat(buf, &st) && S_ISBLK(st.st_mode) &&
	    st.st_rdev == makedev(maj, min))
		return 0;
	fprintf(stderr, "hactl: %s: no device node for %u:%u under /dev\n",
		op, maj, min);
	return -1;
}

static void pr_read_path(const char *path, struct pr_state *st)
{
	int fd = open_disk(path);

	if (fd < 0) {
		memset(st, 0, sizeof(*st));
		snprintf(st->why, sizeof(st->why), "%s", strerror(errno));
		return;
	}
	pr_read(fd, st);
	close(fd);
}

int disk_pool_reserve(struct hnl *h, const char *pool,
		      const unsigned int *majors, const unsigned int *minors,
		      unsigned int n, bool takeover)
{
	char paths[HASTOR_MAX_MEMBERS][PATH_MAX], k[40];
	struct pr_state st[HASTOR_MAX_MEMBERS];
	bool have_key = false;
	unsigned int i, held = n;
	uint64_t key = 0;

	/*
	 * First every member registered and looked at, so that a pool
	 * another node holds is refused before a reservation changes (and
	 * a later --takeover finds this node registered everywhere).
	 */
	for (i = 0; i < n; i++) {
		if (dev_path(h->op, majors[i], minors[i], paths[i],
			     sizeof(paths[i])))
			return HACTL_EXIT_FAIL;
		pr_read_path(paths[i], &st[i]);
		if (!st[i].supported)
			continue;	/* not a shared disk: nothing to fence */
		if (!have_key && own_key(h, &key))
			return HACTL_EXIT_FAIL;
		have_key = true;
		if (disk_pr(h, paths[i], HASTOR_PR_REGISTER, false, 0))
			return HACTL_EXIT_FAIL;
		if (st[i].reserved && st[i].holder != key && held == n)
			held = i;
	}
	if (held < n && !takeover) {
		fprintf(stderr, "hactl: %s: pool %s is reserved by %s (%s); --takeover preempts it\n",
			h->op, pool, key_str(st[held].holder, k, sizeof(k)),
			paths[held]);
		return HACTL_EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (!st[i].supported)
			continue;
		/*
		 * A reservation under this node's own key may belong to its
		 * I_T nexus from before a reboot: the target keeps it and
		 * refuses the new nexus's writes.  Preempting our own key
		 * moves the reservation to this nexus and drops the stale
		 * registration; when this nexus already held it, nothing
		 * changes for anyone else.
		 */
		if (st[i].reserved && st[i].holder == key) {
			if (disk_pr(h, paths[i], HASTOR_PR_PREEMPT, true,
				       key))
				return HACTL_EXIT_FAIL;
		} else if (st[i].reserved) {
			if (disk_pr(h, paths[i], HASTOR_PR_PREEMPT, true,
				       st[i].holder))
				return HACTL_EXIT_FAIL;
			fprintf(stderr, "hactl: %s: %s: took the reservation from %s\n",
				h->op, paths[i],
				key_str(st[i].holder, k, sizeof(k)));
		} else if (disk_pr(h, paths[i], HASTOR_PR_RESERVE, false,
				      0)) {
			/* Lost a race for it: say to whom. */
			pr_read_path(paths[i], &st[i]);
			if (st[i].reserved && st[i].holder != key)
				fprintf(stderr, "hactl: %s: pool %s is reserved by %s (%s)\n",
					h->op, pool,
					key_str(st[i].holder, k, sizeof(k)),
					paths[i]);
			return HACTL_EXIT_FAIL;
		}
	}
	return HACTL_EXIT_OK;
}

int disk_pool_release(struct hnl *h, const char *pool, const char *members)
{
	unsigned int n, i, maj, min;
	char path[PATH_MAX];
	struct pr_state st;
	uint64_t key;
	int used, ret = HACTL_EXIT_OK;

	if (sscanf(members, "%u%n", &n, &used) != 1 || n > HASTOR_MAX_MEMBERS) {
		fprintf(stderr, "hactl: %s: pool %s: cannot read its members from '%s'\n",
			h->op, pool, members);
		return HACTL_EXIT_FAIL;
	}
	members += used;
	for (i = 0; i < n; i++, members += used) {
		if (sscanf(members, " %u:%u%n", &maj, &min, &used) != 2) {
			fprintf(stderr, "hactl: %s: pool %s: cannot read its members from the table\n",
				h->op, pool);
			return HACTL_EXIT_FAIL;
		}
		if (dev_path(h->op, maj, min, path, sizeof(path))) {
			ret = HACTL_EXIT_FAIL;
			continue;
		}
		pr_read_path(path, &st);
		/* Preempted, or never ours: there is nothing to release. */
		if (!st.supported || !st.reserved)
			continue;
		if (own_key(h, &key))
			return HACTL_EXIT_FAIL;
		if (st.holder == key &&
		    disk_pr(h, path, HASTOR_PR_RELEASE, false, 0))
			ret = HACTL_EXIT_FAIL;
	}
	return ret;
}
