// SPDX-License-Identifier: GPL-2.0
/*
 * hactl: control tool of hastor.  Global options come before the
 * command; commands are looked up in tables, one per group, so a new
 * object (pool, volume...) is a new file and one table line here.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "hactl.h"
#include "output.h"
#include "pool.h"
#include "ic.h"
#include "disk.h"
#include "diskhb.h"
#include "ha.h"
#include "coredump.h"

static const struct hactl_cmd commands[] = {
	{ "version", cmd_version, NULL, "" },
	{ "node", NULL, node_cmds, NULL },
	{ "pool", NULL, pool_cmds, NULL },
	{ "vol", NULL, vol_cmds, NULL },
	{ "snapshot", NULL, snapshot_cmds, NULL },
	{ "clone", NULL, clone_cmds, NULL },
	{ "wlog", NULL, wlog_cmds, NULL },
	{ "partner", NULL, partner_cmds, NULL },
	{ "link", NULL, link_cmds, NULL },
	{ "disk", NULL, disk_cmds, NULL },
	{ "coredump", NULL, coredump_cmds, NULL },
	{ "monitor", cmd_monitor, NULL, "[--count N]" },
	{ "ha", NULL, ha_cmds, NULL },
	{ "takeover", cmd_takeover, NULL, "" },
	{ "giveback", cmd_giveback, NULL, "" },
	{ "daemon", cmd_daemon, NULL,
	  "[--giveback-delay S] [--no-auto-giveback] [--no-auto-takeover] [--grace MS] [--ignore-dump-signal]" },
	{ 0 }
};

static void print_synopsis(FILE *f, const char *prefix,
			   const struct hactl_cmd *cmd)
{
	char path[64];

	snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? " " : "",
		 cmd->name);
	if (!cmd->sub) {
		fprintf(f, "  hactl %s%s%s\n", path, *cmd->args ? " " : "",
			cmd->args);
		return;
	}
	for (cmd = cmd->sub; cmd->name; cmd++)
		print_synopsis(f, path, cmd);
}

static void print_usage(FILE *f, const struct hactl *ctx)
{
	const struct hactl_cmd *cmd;
	char prefix[64];
	char *sp;

	fputs("Usage:\n", f);
	if (ctx->cmd) {
		/* The synopsis wants the parent path: "node set" -> "node". */
		snprintf(prefix, sizeof(prefix), "%s", ctx->path);
		sp = strrchr(prefix, ' ');
		*(sp ? sp : prefix) = '\0';
		print_synopsis(f, prefix, ctx->cmd);
		return;
	}
	fputs("  hactl [-j] [-m PATH] COMMAND [ARGS]\n", f);
	for (cmd = commands; cmd->name; cmd++)
		print_synopsis(f, "", cmd);
}

static void print_help(void)
{
	struct hactl top = { 0 };

	print_usage(stdout, &top);
	fputs("\nOptions (before the command):\n"
	      "  -j, --json          JSON output, one object per line\n"
	      "  -m, --module PATH   hastor.ko to load if the module is not loaded\n"
	      "                      (default: $HASTOR_MODULE, else by name)\n"
	      "  -V                  same as 'hactl version'\n"
	      "  -h, --help          this help\n"
	      "\nSee hactl(8).\n", stdout);
}

int hactl_help(struct hactl *ctx)
{
	print_usage(stdout, ctx);
	return HACTL_EXIT_OK;
}

int hactl_usage_error(struct hactl *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("hactl: ", stderr);
	if (ctx->path[0])
		fprintf(stderr, "%s: ", ctx->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage(stderr, ctx);
	return HACTL_EXIT_USAGE;
}

int hactl_bad_option(struct hactl *ctx, int c, char **argv)
{
	if (c == ':')
		return hactl_usage_error(ctx, "%s needs a value",
					 argv[optind - 1]);
	/* optopt names a bad short option; a bad long one is whole. */
	if (optopt)
		return hactl_usage_error(ctx, "unknown option '-%c'", optopt);
	return hactl_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int hactl_dispatch(struct hactl *ctx, const struct hactl_cmd *table,
		   int argc, char **argv)
{
	const struct hactl_cmd *cmd;
	size_t len;

	for (cmd = table; cmd->name; cmd++)
		if (!strcmp(cmd->name, argv[0]))
			break;
	if (!cmd->name)
		return hactl_usage_error(ctx, "unknown command '%s'", argv[0]);

	len = strlen(ctx->path);
	snprintf(ctx->path + len, sizeof(ctx->path) - len, "%s%s",
		 len ? " " : "", cmd->name);
	ctx->cmd = cmd;
	if (!cmd->sub)
		return cmd->run(ctx, argc, argv);
	if (argc < 2)
		return hactl_usage_error(ctx, "missing command");
	if (is_help(argv[1]))
		return hactl_help(ctx);
	return hactl_dispatch(ctx, cmd->sub, argc - 1, argv + 1);
}

int hactl_connect(struct hactl *ctx, struct hnl *h)
{
	switch (hnl_open(h, ctx->path, ctx->module_path, true)) {
	case HNL_OK:
		return HACTL_EXIT_OK;
	case HNL_NO_FAMILY:
		fprintf(stderr, "hactl: hastor module not loaded (use -m PATH or install it)\n");
		return HACTL_EXIT_FAIL;
	case HNL_ERROR:
		break;
	}
	return HACTL_EXIT_FAIL;
}

/*
 * Decimal, or hexadecimal after "0x".  strtoul alone would also take
 * blanks, a sign, octal and a second "0x", so the digits are checked
 * first and strtoul only catches the overflow.
 */
bool hactl_parse_u32(const char *s, uint32_t *val)
{
	const char *digits = "0123456789";
	unsigned long v;
	int base = 10;
	size_t len;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = "0123456789abcdefABCDEF";
		base = 16;
		s += 2;
	}
	len = strspn(s, digits);
	if (!len || s[len])
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*val = (uint32_t)v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",   no_argument,       NULL, 'j' },
		{ "module", required_argument, NULL, 'm' },
		{ "help",   no_argument,       NULL, 'h' },
		{ 0 }
	};
	static char *version_argv[] = { "version", NULL };
	struct hactl ctx = { 0 };
	bool version = false;
	int c;

	ctx.module_path = getenv("HASTOR_MODULE");
	if (ctx.module_path && !*ctx.module_path)
		ctx.module_path = NULL;

	opterr = 0;
	/* '+': options after the command belong to the command. */
	while ((c = getopt_long(argc, argv, "+:jm:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			out_set_json(true);
			break;
		case 'm':
			ctx.module_path = optarg;
			break;
		case 'h':
			print_help();
			return HACTL_EXIT_OK;
		case 'V':
			version = true;
			break;
		default:
			return hactl_bad_option(&ctx, c, argv);
		}
	}
	argc -= optind;
	argv += optind;

	if (version) {
		if (argc)
			return hactl_usage_error(&ctx, "-V takes no command");
		argc = 1;
		argv = version_argv;
	}
	if (!argc)
		return hactl_usage_error(&ctx, "missing command");
	return hactl_dispatch(&ctx, commands, argc, argv);
}
