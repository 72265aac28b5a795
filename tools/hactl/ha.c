// SPDX-License-Identifier: GPL-2.0
/*
 * hactl ha status | takeover | giveback: requests to the node's "hactl
 * daemon" over its control socket (HA_SOCKET).  The daemon holds the
 * state (what it has seen of the disk heartbeats, the takeover
 * timeline), so these only ask and print its answer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hactl.h"
#include "ha.h"
#include "names.h"
#include "output.h"

/* Sends one request and copies the reply to stdout; an exit status. */
static int ask(struct hactl *ctx, const char *req, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd = { .events = POLLIN };
	char buf[4096];
	bool error = false, first = true;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", HA_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hactl: %s: the HA daemon is not running (%s: %s)\n",
			ctx->path, HA_SOCKET, strerror(errno));
		if (fd >= 0)
			close(fd);
		return HACTL_EXIT_FAIL;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    write(fd, "\n", 1) != 1) {
		fprintf(stderr, "hactl: %s: %s\n", ctx->path, strerror(errno));
		close(fd);
		return HACTL_EXIT_FAIL;
	}
	pfd.fd = fd;
	/* The daemon answers between its polls. */
	while (poll(&pfd, 1, timeout_ms) > 0) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (first && n >= 6 && !strncmp(buf, "error:", 6))
			error = true;
		first = false;
		fwrite(buf, 1, n, error ? stderr : stdout);
		fflush(error ? stderr : stdout);
	}
	close(fd);
	if (first) {
		fprintf(stderr, "hactl: %s: no answer from the HA daemon\n",
			ctx->path);
		return HACTL_EXIT_FAIL;
	}
	return error ? HACTL_EXIT_FAIL : HACTL_EXIT_OK;
}

static int cmd_ha_status(struct hactl *ctx, int argc, char **argv)
{
	int ret = hactl_args(ctx, argc, argv, 0, 0);

	if (ret >= 0)
		return ret;
	return ask(ctx, out_json() ? "status-json" : "status", 30000);
}

int cmd_takeover(struct hactl *ctx, int argc, char **argv)
{
	int ret = hactl_args(ctx, argc, argv, 0, 0);

	if (ret >= 0)
		return ret;
	return ask(ctx, "takeover", 30000);
}

int cmd_giveback(struct hactl *ctx, int argc, char **argv)
{
	int ret = hactl_args(ctx, argc, argv, 0, 0);

	if (ret >= 0)
		return ret;
	return ask(ctx, "giveback", 30000);
}

/* "hactl ha monitor": the daemon's decisions as they happen. */
static int cmd_ha_monitor(struct hactl *ctx, int argc, char **argv)
{
	int ret = hactl_args(ctx, argc, argv, 0, 0);

	if (ret >= 0)
		return ret;
	return ask(ctx, "monitor", -1);
}

const struct hactl_cmd ha_cmds[] = {
	{ "status", cmd_ha_status, NULL, "" },
	{ "monitor", cmd_ha_monitor, NULL, "" },
	{ 0 }
};
