// SPDX-License-Identifier: GPL-2.0
/*
 * hactl disk heartbeat: the disk heartbeats of the pools on this node's
 * disks (Documentation/ondisk-format.md, "Disk heartbeat"), and the
 * reader the HA daemon calls for its partner's disks every second.
 *
 * A disk is read as it is: it may belong to another node, be half
 * written or be garbage, so every field is checked before it is shown,
 * and one bad disk does not stop the others from being reported.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/hastor.h>

#include "diskhb.h"
#include "pool.h"
#include "format.h"
#include "names.h"
#include "output.h"
#include "wlog.h"

#define SYS_BLOCK "/sys/class/block"

/* The kernel's range of diskhb_ms: anything else was not written by it. */
#define DISKHB_MS_MIN	100
#define DISKHB_MS_MAX	60000

static const char *sync_str(uint32_t sync)
{
	const char *s = wlog_sync_name(sync);

	return s ? s : "unknown";
}

static int bad(char *why, size_t whylen, int err, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return err;
}

/* The fields a valid header does not vouch for. */
static int check_fields(const struct hastor_diskhb *b, char *why,
			size_t whylen)
{
	uint32_t ms = le32toh(b->interval_ms);

	if (le64toh(b->counter) != le64toh(b->hdr.generation))
		return bad(why, whylen, HASTOR_E_GENERATION,
			   "counter differs from the header's generation");
	if (!le32toh(b->node_id) || le32toh(b->node_id) > HASTOR_NODE_ID_MAX)
		return bad(why, whylen, HASTOR_E_MEMBERS,
			   "node id out of range");
	if (ms < DISKHB_MS_MIN || ms > DISKHB_MS_MAX)
		return bad(why, whylen, HASTOR_E_DATA_AREA,
			   "interval out of range");
	if (le32toh(b->wlog_sync) > HASTOR_WLOG_NOT_IN_SYNC)
		return bad(why, whylen, HASTOR_E_DATA_AREA,
			   "unknown log sync state");
	if (le64toh(b->flags) & ~(uint64_t)HASTOR_DISKHB_STOPPED)
		return bad(why, whylen, HASTOR_E_INCOMPAT, "unknown flags");
	return HASTOR_OK;
}

int diskhb_read_fd(int fd, struct diskhb_info *out, char *why,
		   size_t whylen)
{
	/* Page-aligned, so that an O_DIRECT fd works. */
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE];
	const struct hastor_diskhb *b = (const void *)buf;
	struct hastor_label label;
	int err;

	memset(out, 0, sizeof(*out));
	err = hastor_read_label(fd, &label, why, whylen);
	if (err)
		return err;
	memcpy(out->pool, label.pool_name, sizeof(out->pool));
	out->pool[sizeof(out->pool) - 1] = '\0';
	memcpy(out->pool_uuid, label.hdr.pool_uuid, 16);
	/* A device that does not fill read buffers reads as zeros. */
	memset(buf, 0, sizeof(buf));
	err = hastor_read_block(fd, HASTOR_DISKHB_BLOCK, buf);
	if (err) {
		snprintf(why, whylen, "heartbeat unreadable: %s",
			 strerror(-err));
		return err;
	}
	if (hastor_block_is_zero(buf))
		return bad(why, whylen, HASTOR_E_MAGIC, "no heartbeat written");
	err = hastor_check_header(buf, HASTOR_DISKHB_MAGIC,
				  HASTOR_DISKHB_BLOCK, label.hdr.pool_uuid,
				  UINT64_MAX, why, whylen);
	if (!err)
		err = check_fields(b, why, whylen);
	if (err)
		return err;
	out->node_id = le32toh(b->node_id);
	out->cluster_id = le32toh(b->cluster_id);
	out->boot_id = le64toh(b->boot_id);
	out->counter = le64toh(b->counter);
	out->time_ns = le64toh(b->time_ns);
	out->interval_ms = le32toh(b->interval_ms);
	out->wlog_sync = le32toh(b->wlog_sync);
	memcpy(out->wlog_uuid, b->wlog_uuid, 16);
	out->stopped = le64toh(b->flags) & HASTOR_DISKHB_STOPPED;
	if (whylen)
		why[0] = '\0';
	return HASTOR_OK;
}

int diskhb_read(const char *path, struct diskhb_info *out, char *why,
		size_t whylen)
{
	struct stat st;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = disk_open_direct(path, &st, why, whylen);
	if (fd < 0)
		return fd;
	err = diskhb_read_fd(fd, out, why, whylen);
	close(fd);
	return err;
}

/* ---- hactl disk heartbeat ---- */

static int64_t age_ms(const struct diskhb_info *hb)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec -
		(int64_t)hb->time_ns) / 1000000;
}

static void print_header(void)
{
	if (!out_json())
		printf("%-20s %-16s %5s %10s %8s %8s %-12s %s\n", "DISK",
		       "POOL", "NODE", "COUNTER", "AGE_MS", "INTERVAL", "LOG",
		       "STATE");
}

/*
 * One disk.  Returns 1 for a disk that could not be read or holds an
 * invalid heartbeat, 0 otherwise (a pool never imported has none yet).
 */
static int report(const char *path, bool quiet_unlabelled)
{
	char why[256], esc[HACTL_ESC_LEN], pool[HACTL_ESC_LEN], uuid[37];
	struct diskhb_info hb;
	bool none;
	int err;

	err = diskhb_read(path, &hb, why, sizeof(why));
	if (quiet_unlabelled && err && !hb.pool[0])
		return 0;
	none = err == HASTOR_E_MAGIC && !strcmp(why, "no heartbeat written");
	hactl_esc(path, esc, sizeof(esc));
	hactl_esc(hb.pool, pool, sizeof(pool));
	if (out_json()) {
		json_open(NULL);
		json_str("disk", path);
		if (hb.pool[0])
			json_str("pool", hb.pool);
		json_bool("valid", !err);
		if (err) {
			json_str("state", none ? "none" : "invalid");
			json_str("reason", why);
		} else {
			json_str("state", hb.stopped ? "stopped" : "running");
			json_uint("node", hb.node_id);
			json_uint("cluster", hb.cluster_id);
			json_uint("boot_id", hb.boot_id);
			json_uint("counter", hb.counter);
			json_uint("time_ns", hb.time_ns);
			/* Clocks of two nodes differ: never below zero. */
			json_uint("age_ms", age_ms(&hb) > 0 ? age_ms(&hb) : 0);
			json_uint("interval_ms", hb.interval_ms);
			json_str("sync", sync_str(hb.wlog_sync));
			hactl_uuid_str(hb.wlog_uuid, uuid);
			json_str("wlog_uuid", uuid);
			json_bool("stopped", hb.stopped);
		}
		json_close();
		return err && !none;
	}
	if (err)
		printf("%-20s %-16s %5s %10s %8s %8s %-12s %s%s\n", esc,
		       hb.pool[0] ? pool : "-", "-", "-", "-", "-", "-",
		       none ? "none: " : "invalid: ", why);
	else
		printf("%-20s %-16s %5u %10llu %8lld %8u %-12s %s\n", esc,
		       pool, hb.node_id, (unsigned long long)hb.counter,
		       (long long)age_ms(&hb), hb.interval_ms,
		       sync_str(hb.wlog_sync),
		       hb.stopped ? "stopped" : "running");
	return err && !none;
}

static int report_one(const char *path, void *arg)
{
	*(int *)arg |= report(path, true);
	return 0;
}

static int scan_all(void)
{
	int failed = 0;

	if (for_each_disk(report_one, &failed) < 0) {
		fprintf(stderr, "hactl: disk heartbeat: /sys/class/block: %s\n",
			strerror(errno));
		return -1;
	}
	return failed;
}

int cmd_disk_heartbeat(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, i, failed = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			out_set_json(true);
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (out_json()) {
		json_open(NULL);
		json_array_open("heartbeats");
	} else {
		print_header();
	}
	if (optind == argc)
		failed = scan_all();
	for (i = optind; i < argc; i++)
		failed |= report(argv[i], false);
	if (out_json()) {
		json_array_close();
		json_close();
	}
	return failed ? HACTL_EXIT_FAIL : HACTL_EXIT_OK;
}

