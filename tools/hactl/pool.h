/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_POOL_H
#define HACTL_POOL_H

/*
 * Pools and volumes as hactl sees them: the kernel's replies parsed into
 * copies (the reply buffer is gone once a request returns), and the dm
 * devices that serve them (Documentation/targets.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/hastor.h>
#include <linux/hastor_format.h>

#include "hactl.h"

/* Bit (1 << HASTOR_A_POOL_x) / (1 << HASTOR_A_VOL_x): sent by the kernel. */
#define HAS(info, attr) (((info)->has >> (attr)) & 1)

/* "MAJ:MIN": at most 4095:1048575. */
#define DEV_STR_LEN 24

struct pool_info {
	uint32_t has;
	char name[128];
	uint8_t uuid[16];
	uint32_t state, owner, home, volumes;
	uint64_t size, used, free, meta_used, cp_generation, cp_time;
	uint64_t replay_records, replay_done;	/* after a takeover */
	unsigned int nr_members;
	char members[HASTOR_MAX_MEMBERS][DEV_STR_LEN];
	char dm_dev[DEV_STR_LEN];
	uint32_t event;		/* POOL_NTF only; 0 otherwise */
};

struct vol_info {
	uint32_t has;
	char pool[128];
	char name[256];		/* "VOL" or "VOL@SNAP" */
	char origin[256];
	uint32_t type, active;
	uint64_t id, size, mapped, unique, shared, ctime;
	uint32_t event;		/* VOL_NTF only; 0 otherwise */
};

/* What a volume's dm table and uuid need of its pool. */
struct pool_ref {
	char uuid_hex[33];
	char dev[DEV_STR_LEN];	/* the pool's dm device, "MAJ:MIN" */
};

/* pool.c */
extern const struct hactl_cmd pool_cmds[];
/* A HASTOR_A_POOL nest; negative errno if malformed. */
int pool_parse(struct nlattr *nest, struct pool_info *pi);
/* POOL_GET for one pool, as pool_ref; an exit status, errors reported. */
int pool_ref_get(struct hnl *h, const char *pool, struct pool_ref *ref);
/* POOL_NTF for monitor; negative errno if malformed. */
int pool_event_print(struct nlmsghdr *nlh);
const char *event_name(uint32_t event, char *buf, size_t len);
const char *pool_state_name(uint32_t state, char *buf, size_t len);

/* check.c: "pool check", the offline checker */
int cmd_pool_check(struct hactl *ctx, int argc, char **argv);

/* import.c: "pool import" and "pool export" */
int cmd_pool_import(struct hactl *ctx, int argc, char **argv);
int cmd_pool_export(struct hactl *ctx, int argc, char **argv);
/*
 * Calls fn with the /dev path of every block device that may hold a
 * label (not hastor's own dm devices, unbound loop devices or devices
 * too small), until fn returns nonzero; returns that, or -1 (errno set)
 * if the devices cannot be listed.
 */
int for_each_disk(int (*fn)(const char *path, void *arg), void *arg);

struct stat;
/*
 * Opens the block device at path for reading, with O_DIRECT where the
 * device allows it (labels and heartbeats change behind the page
 * cache); st gets its stat.  A descriptor, or -errno with why set.
 */
int disk_open_direct(const char *path, struct stat *st, char *why,
		     size_t whylen);
/*
 * Activates the pool on these member devices (in member order) and then
 * every volume; an exit status.  Shared by "pool create" and "pool import".
 */
int pool_activate(struct hnl *h, const char *pool, const uint8_t uuid[16],
		  const unsigned int *majors, const unsigned int *minors,
		  unsigned int n, unsigned int *nr_vols);

/* vol.c */
int vol_parse(struct nlattr *nest, struct vol_info *vi);

struct vol_list {
	struct vol_info *v;
	size_t n, cap;
};

/* The attributes of one request; NULL / false ones are left out. */
struct vol_req {
	const char *pool, *name, *snap, *origin;
	bool has_size, space;
	uint64_t size;
};

/* Sends cmd (a dump if dump); replies go to *l.  An exit status. */
int vol_request(struct hnl *h, uint8_t cmd, bool dump,
		const struct vol_req *r, struct vol_list *l);
/* A do request that must answer with exactly one volume. */
int vol_request_one(struct hnl *h, uint8_t cmd, const struct vol_req *r,
		    struct vol_info *vi);
/* As "vol show" prints it, human or JSON. */
void vol_show(const struct vol_info *vi);
/* As "vol list": JSON {"pool": pool, key: [...]}. */
void vol_table(const char *pool, const char *key,
	       const struct vol_info *v, size_t n, bool space);
/* VOL_GET dump of a pool into *vols (malloc'ed); an exit status. */
int vol_dump(struct hnl *h, const char *pool, bool space,
	     struct vol_info **vols, size_t *n);
/* dm name "POOL:VOL"; false if it does not fit device-mapper's limit. */
bool vol_dm_name(const char *pool, const char *vol, char *buf, size_t len);
/*
 * Creates the volume's dm device (read-only for snapshots): 0; or turns
 * its hastor-remote device into a local one: 1; or -1.
 */
int vol_activate(const char *op, const char *pool, const struct vol_info *vi,
		 const struct pool_ref *ref);
struct hdm_dev;
/* A hastor-vol device (from hdm_table()) becomes hastor-remote; 0 or -1. */
int vol_make_remote(const char *op, const struct hdm_dev *d);
int vol_event_print(struct nlmsghdr *nlh);

/* volcmd.c */
extern const struct hactl_cmd vol_cmds[], snapshot_cmds[], clone_cmds[];

#endif
