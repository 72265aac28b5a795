// SPDX-License-Identifier: GPL-2.0
/*
 * hactl coredump arm | disarm | status: the capture environment that
 * writes a panicked node's memory to a coredump disk
 * (Documentation/coredump.md, "Capture on panic").
 *
 * arm loads a kernel and an initramfs into the memory reserved with
 * crashkernel= (kexec_file_load(2) with KEXEC_FILE_ON_CRASH: the kernel
 * reads the files itself, so no kexec tool is needed and a signed-image
 * policy, if any, is the kernel's to apply).  The capture kernel gets
 * this kernel's command line with the node's identity appended, because
 * "hactl coredump write" names the node in the dump and registers its
 * key on the disk, and nothing else in a capture environment knows who
 * the node was.  Loading happens long before a panic, so a failure is
 * reported while someone can still fix it.
 *
 * The kernel keeps no record of which files it loaded; arm writes one
 * under /run (gone with the boot it describes), and status trusts it
 * only while the kernel says a capture kernel is loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/hastor.h>
#include <linux/kexec.h>

#include "coredump.h"
#include "coredump_rank.h"
#include "names.h"
#include "output.h"

#define ARM_RECORD	"/run/hastor/coredump-arm"
#define ARM_INITRD	"/boot/hastor-capture.img"
/* x86's COMMAND_LINE_SIZE, the smallest of the architectures hastor runs on. */
#define ARM_CMDLINE_MAX	2048
#define ARM_APPEND_MAX	512

#define SYS_CRASH_LOADED	"/sys/kernel/kexec_crash_loaded"
#define SYS_CRASH_SIZE		"/sys/kernel/kexec_crash_size"

/* A number from a sysfs file; -1 if it cannot be read. */
static int64_t sys_number(const char *path)
{
	unsigned long long v;
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	return n == 1 ? (int64_t)v : -1;
}

/*
 * A node name goes on a kernel command line unquoted: only the
 * characters of a host name, or it is left out (it is informational).
 */
static bool plain_word(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= max || !(s[i] == '-' || s[i] == '_' || s[i] == '.' ||
				  (s[i] >= '0' && s[i] <= '9') ||
				  (s[i] >= 'a' && s[i] <= 'z') ||
				  (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return i > 0;
}

/* Printable, no quotes (the kernel's parser would pair them). */
static bool plain_args(const char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~' || *s == '"')
			return false;
	return true;
}

/*
 * What of this kernel's command line the capture kernel keeps: not the
 * reservation (a capture kernel reserves nothing), not the boot loader's
 * image and initrd names, not an identity a previous arm appended.
 */
static bool dropped(const char *w, size_t len)
{
	static const char *const drop[] = {
		"crashkernel=", "BOOT_IMAGE=", "initrd=", "hastor.capture",
		"hastor.id=", "hastor.cluster=", "hastor.name=",
	};
	size_t i;

	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (len >= strlen(drop[i]) && !strncmp(w, drop[i], strlen(drop[i])))
			return true;
	return false;
}

/* 0, or -1 with why (the line would be too long). */
static int build_cmdline(const struct node_info *ni, const char *append,
			 char *out, size_t outlen, char *why, size_t wlen)
{
	char cur[ARM_CMDLINE_MAX + 1] = "", *w;
	size_t n = 0, len;
	FILE *f;
	int k;

	f = fopen("/proc/cmdline", "re");
	if (f) {
		if (!fgets(cur, sizeof(cur), f))
			cur[0] = '\0';
		fclose(f);
	}
	out[0] = '\0';
	for (w = cur; *w; w += len) {
		w += strspn(w, " \t\n");
		len = strcspn(w, " \t\n");
		if (!len || dropped(w, len))
			continue;
		if (n + len + 2 > outlen)
			goto long_line;
		memcpy(out + n, w, len);
		n += len;
		out[n++] = ' ';
		out[n] = '\0';
	}
	/*
	 * One CPU and polled interrupts: the panicked kernel's devices may
	 * still raise interrupts nothing acknowledges; reset_devices asks
	 * drivers to reset their hardware rather than trust its state.
	 */
	k = snprintf(out + n, outlen - n,
		     "hastor.capture=1 hastor.id=%u hastor.cluster=%u%s%s nr_cpus=1 irqpoll reset_devices%s%s",
		     ni->id, ni->cluster_id,
		     ni->has_name && plain_word(ni->name, 63) ? " hastor.name=" : "",
		     ni->has_name && plain_word(ni->name, 63) ? ni->name : "",
		     *append ? " " : "", append);
	if (k < 0 || (size_t)k >= outlen - n)
		goto long_line;
	return 0;
long_line:
	snprintf(why, wlen, "the capture kernel's command line would be longer than %d bytes",
		 ARM_CMDLINE_MAX - 1);
	return -1;
}

static int open_file(struct hactl *ctx, const char *what, const char *path,
		     struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, st) < 0) {
		fprintf(stderr, "hactl: %s: %s %s: %s\n", ctx->path, what, path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode) || !st->st_size) {
		fprintf(stderr, "hactl: %s: %s %s: not a regular, non-empty file\n",
			ctx->path, what, path);
		close(fd);
		return -1;
	}
	return fd;
}

static const char *kexec_hint(int err)
{
	switch (err) {
	case ENOEXEC:
		return " (not a kernel image this kernel can load)";
	case ENOMEM:
	case EADDRNOTAVAIL:
	case EINVAL:
		return " (the reserved memory may be too small for the kernel and initramfs)";
	case EPERM:
		return " (root, or lockdown forbids unsigned images)";
	case EKEYREJECTED:
		return " (the image's signature is refused)";
	case ENOSYS:
		return " (this kernel has no kexec_file_load)";
	}
	return "";
}

/* The record of what was loaded: "key value" lines. */
static void record_write(const char *kernel, const char *initrd,
			 const char *cmdline)
{
	FILE *f;

	mkdir("/run/hastor", 0700);
	f = fopen(ARM_RECORD ".tmp", "we");
	if (!f)
		return;
	fprintf(f, "kernel %s\ninitrd %s\ncmdline %s\narmed %lld\n", kernel,
		initrd, cmdline, (long long)time(NULL));
	if (fclose(f) || rename(ARM_RECORD ".tmp", ARM_RECORD))
		unlink(ARM_RECORD ".tmp");
}

struct arm_record {
	char kernel[4096], initrd[4096], cmdline[ARM_CMDLINE_MAX];
	long long armed;
	bool ok;
};

static void record_read(struct arm_record *r)
{
	char line[ARM_CMDLINE_MAX + 16], *v;
	FILE *f = fopen(ARM_RECORD, "re");

	memset(r, 0, sizeof(*r));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		v = strchr(line, ' ');
		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(line, "kernel"))
			snprintf(r->kernel, sizeof(r->kernel), "%s", v);
		else if (!strcmp(line, "initrd"))
			snprintf(r->initrd, sizeof(r->initrd), "%s", v);
		else if (!strcmp(line, "cmdline"))
			snprintf(r->cmdline, sizeof(r->cmdline), "%s", v);
		else if (!strcmp(line, "armed"))
			r->armed = strtoll(v, NULL, 10);
	}
	fclose(f);
	r->ok = r->kernel[0] && r->initrd[0] && r->armed > 0;
}

static bool abs_path(const char *p)
{
	return p[0] == '/' && strlen(p) < 4096;
}

int cmd_coredump_arm(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "help",   no_argument,       NULL, 'h' },
		{ 0 }
	};
	static char kdef[4096];
	const char *kernel = NULL, *initrd = ARM_INITRD, *append = "";
	char cmdline[ARM_CMDLINE_MAX], why[128];
	struct node_info ni;
	struct utsname u;
	struct stat ks, is;
	int64_t reserved;
	int c, kfd, ifd, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'i':
			initrd = optarg;
			break;
		case 'a':
			append = optarg;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind]);
	if (!kernel) {
		if (uname(&u))
			return hactl_usage_error(ctx, "--kernel: this kernel's release is unknown");
		snprintf(kdef, sizeof(kdef), "/boot/vmlinuz-%s", u.release);
		kernel = kdef;
	}
	if (!abs_path(kernel) || !abs_path(initrd))
		return hactl_usage_error(ctx, "--kernel and --initrd take absolute paths");
	if (strlen(append) > ARM_APPEND_MAX || !plain_args(append))
		return hactl_usage_error(ctx, "--append: at most %d printable characters, no quotes",
					 ARM_APPEND_MAX);

	reserved = sys_number(SYS_CRASH_SIZE);
	if (reserved <= 0) {
		fprintf(stderr, "hactl: %s: no memory is reserved for a capture kernel (boot with crashkernel=SIZE)\n",
			ctx->path);
		return HACTL_EXIT_FAIL;
	}
	ret = coredump_node_identity(ctx, &ni);
	if (ret)
		return ret;
	if (build_cmdline(&ni, append, cmdline, sizeof(cmdline), why, sizeof(why))) {
		fprintf(stderr, "hactl: %s: %s\n", ctx->path, why);
		return HACTL_EXIT_FAIL;
	}
	kfd = open_file(ctx, "kernel", kernel, &ks);
	if (kfd < 0)
		return HACTL_EXIT_FAIL;
	ifd = open_file(ctx, "initrd", initrd, &is);
	if (ifd < 0) {
		close(kfd);
		return HACTL_EXIT_FAIL;
	}
	ret = HACTL_EXIT_OK;
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1,
		    cmdline, (unsigned long)KEXEC_FILE_ON_CRASH)) {
		fprintf(stderr, "hactl: %s: loading %s and %s into %" PRId64 " MiB reserved: %s%s\n",
			ctx->path, kernel, initrd, reserved >> 20,
			strerror(errno), kexec_hint(errno));
		ret = HACTL_EXIT_FAIL;
	}
	close(kfd);
	close(ifd);
	if (ret)
		return ret;
	record_write(kernel, initrd, cmdline);
	if (out_json()) {
		json_open(NULL);
		json_open("coredump_arm");
		json_str("kernel", kernel);
		json_str("initrd", initrd);
		json_str("cmdline", cmdline);
		json_uint("reserved_bytes", reserved);
		json_close();
		json_close();
	} else {
		printf("armed: %s (%lld KiB) and %s (%lld KiB) loaded into %" PRId64 " MiB reserved\n",
		       kernel, (long long)ks.st_size >> 10, initrd,
		       (long long)is.st_size >> 10, reserved >> 20);
		printf("capture command line: %s\n", cmdline);
	}
	return HACTL_EXIT_OK;
}

/* Commands that take only --help: an exit status, or -1 to go on. */
static int no_args(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return hactl_help(ctx);
		return hactl_bad_option(ctx, c, argv);
	}
	if (optind < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind]);
	return -1;
}

int cmd_coredump_disarm(struct hactl *ctx, int argc, char **argv)
{
	int ret;

	ret = no_args(ctx, argc, argv);
	if (ret >= 0)
		return ret;
	if (syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
		    (unsigned long)(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH))) {
		fprintf(stderr, "hactl: %s: %s\n", ctx->path, strerror(errno));
		return HACTL_EXIT_FAIL;
	}
	unlink(ARM_RECORD);
	if (!out_json())
		printf("disarmed: no capture kernel loaded\n");
	return HACTL_EXIT_OK;
}

/*
 * Exit 0 when a panic now would be captured: a capture kernel loaded
 * and a disk eligible for the dump; 1 otherwise, with the reasons.
 */
int cmd_coredump_status(struct hactl *ctx, int argc, char **argv)
{
	char disk[256] = "", why[CD_REASON_LEN + 300];
	struct arm_record r;
	int64_t loaded, reserved;
	uint64_t size;
	bool has_disk;
	char when[64] = "";
	struct tm tm;
	time_t t;
	int ret;

	ret = no_args(ctx, argc, argv);
	if (ret >= 0)
		return ret;
	loaded = sys_number(SYS_CRASH_LOADED);
	reserved = sys_number(SYS_CRASH_SIZE);
	record_read(&r);
	if (loaded != 1)
		r.ok = false;
	if (r.ok) {
		t = r.armed;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	size = coredump_estimate_size();
	has_disk = !coredump_target(ctx, size, disk, sizeof(disk), why,
				    sizeof(why));
	if (out_json()) {
		json_open(NULL);
		json_open("coredump_status");
		json_bool("armed", loaded == 1);
		json_uint("reserved_bytes", reserved > 0 ? reserved : 0);
		if (r.ok) {
			json_str("kernel", r.kernel);
			json_str("initrd", r.initrd);
			json_str("cmdline", r.cmdline);
			json_uint("armed_at", r.armed);
		}
		json_uint("dump_bytes", size);
		if (has_disk)
			json_str("disk", disk);
		else
			json_null("disk");
		json_str("reason", why);
		json_close();
		json_close();
	} else {
		out_field("armed", "%s", loaded == 1 ? "yes" :
			  loaded == 0 ? "no" : "unknown (no kexec in this kernel)");
		out_field("reserved", "%" PRId64 " MiB%s",
			  reserved > 0 ? reserved >> 20 : 0,
			  reserved > 0 ? "" : " (boot with crashkernel=SIZE)");
		if (r.ok) {
			out_field("kernel", "%s", r.kernel);
			out_field("initrd", "%s", r.initrd);
			out_field("command line", "%s", r.cmdline);
			out_field("armed at", "%s", when);
		} else if (loaded == 1) {
			out_field("kernel", "loaded, not by hactl coredump arm in this boot");
		}
		out_field("dump size", "%" PRIu64 " MiB (this node's memory)",
			  size >> 20);
		if (has_disk)
			out_field("dump disk", "%s (%s)", disk, why);
		else
			out_field("dump disk", "none: %s", why);
	}
	return loaded == 1 && has_disk ? HACTL_EXIT_OK : HACTL_EXIT_FAIL;
}
