// SPDX-License-Identifier: GPL-2.0
/*
 * hastor-agent: the guest half of the test harness.
 *
 * Runs as PID 1 in a test guest (after /init has set the guest up) and
 * serves the host over a virtio-serial port.  The protocol is line framed
 * with explicit lengths, so output bytes never need escaping:
 *
 *   host -> guest   PING <token>\n
 *                   RUN <id> <len>\n<len bytes of shell script>
 *                   KILL <id> <signal>\n
 *   guest -> host   HELLO\n                      (once, at start)
 *                   PONG <token>\n
 *                   OUT <id> <len>\n<len bytes>  (stdout+stderr, as it comes)
 *                   END <id> <status>\n          (exit code, 128+signal)
 *
 * Several jobs run at once: a test can stream a writer's output while it
 * runs other commands.  A job ends when its shell has exited; what it wrote
 * until then is sent first.  Processes a job left behind are not waited
 * for (a daemon started by a test must redirect its output), and as PID 1
 * the agent reaps every orphan.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOBS	64
#define MAX_SCRIPT	(1 << 20)
#define INBUF		(MAX_SCRIPT + 256)

struct job {
	unsigned long id;
	pid_t pid;
	int fd;			/* read end of the job's output, -1 at EOF */
	int status;
};

static struct job jobs[MAX_JOBS];
static int port = -1;
static char *inbuf;
static size_t inlen;

static void die(const char *what)
{
	fprintf(stderr, "hastor-agent: %s: %s\n", what, strerror(errno));
	/* As PID 1, exiting would panic the guest; the host's timeout fires. */
	for (;;)
		pause();
}

static void port_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(port, p, len);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("write to port");
		}
		p += n;
		len -= n;
	}
}

static void port_printf(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	port_write(line, n);
}

static struct job *job_find(unsigned long id)
{
	for (int i = 0; i < MAX_JOBS; i++)
		if (jobs[i].pid && jobs[i].id == id)
			return &jobs[i];
	return NULL;
}

/* Forward what the job's pipe holds now; returns false at EOF. */
static int job_drain(struct job *j)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(j->fd, buf, sizeof(buf));

		if (n > 0) {
			port_printf("OUT %lu %zd\n", j->id, n);
			port_write(buf, n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		return 0;
	}
}

static void job_finish(struct job *j)
{
	if (j->fd >= 0) {
		job_drain(j);
		close(j->fd);
	}
	port_printf("END %lu %d\n", j->id, j->status);
	memset(j, 0, sizeof(*j));
}

static void job_start(unsigned long id, const char *script, size_t len)
{
	struct job *j = NULL;
	int pfd[2];
	char *copy;
	pid_t pid;

	for (int i = 0; i < MAX_JOBS && !j; i++)
		if (!jobs[i].pid)
			j = &jobs[i];
	if (!j || job_find(id)) {
		port_printf("END %lu 254\n", id);
		return;
	}
	copy = strndup(script, len);
	if (!copy || pipe2(pfd, O_CLOEXEC) < 0) {
		free(copy);
		port_printf("END %lu 253\n", id);
		return;
	}
	pid = fork();
	if (pid < 0) {
		free(copy);
		close(pfd[0]);
		close(pfd[1]);
		port_printf("END %lu 252\n", id);
		return;
	}
	if (pid == 0) {
		sigset_t all;
		int null = open("/dev/null", O_RDONLY);

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setsid();	/* KILL signals the whole job */
		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir("/root"))
			_exit(125);
		execl("/bin/sh", "sh", "-c", copy, (char *)NULL);
		_exit(127);
	}
	free(copy);
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	j->id = id;
	j->pid = pid;
	j->fd = pfd[0];
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_JOBS; i++) {
			struct job *j = &jobs[i];

			if (j->pid != pid)
				continue;
			j->status = WIFEXITED(status) ? WEXITSTATUS(status) :
				    128 + WTERMSIG(status);
			job_finish(j);
		}
	}
}

/* Parse whole requests from inbuf; leave a partial one for later. */
static void handle_input(void)
{
	size_t off = 0;

	for (;;) {
		char *line = inbuf + off;
		char *nl = memchr(line, '\n', inlen - off);
		unsigned long id, len;
		char tok[64];
		int sig;

		if (!nl)
			break;
		*nl = '\0';
		if (sscanf(line, "PING %63s", tok) == 1) {
			port_printf("PONG %s\n", tok);
		} else if (sscanf(line, "RUN %lu %lu", &id, &len) == 2) {
			size_t have = inlen - (nl + 1 - inbuf);

			if (len > MAX_SCRIPT) {
				port_printf("END %lu 251\n", id);
			} else if (have < len) {
				*nl = '\n';	/* wait for the rest */
				break;
			} else {
				job_start(id, nl + 1, len);
				nl += len;
			}
		} else if (sscanf(line, "KILL %lu %d", &id, &sig) == 2) {
			struct job *j = job_find(id);

			if (j)
				kill(-j->pid, sig);
		}
		off = nl + 1 - inbuf;
	}
	memmove(inbuf, inbuf + off, inlen - off);
	inlen -= off;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[MAX_JOBS + 2];
	int sfd, map[MAX_JOBS + 2];
	sigset_t mask;

	if (argc != 2) {
		fprintf(stderr, "usage: hastor-agent PORT\n");
		return 2;
	}
	inbuf = malloc(INBUF);
	if (!inbuf)
		die("malloc");
	port = open(argv[1], O_RDWR | O_CLOEXEC);
	if (port < 0)
		die(argv[1]);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die("signalfd");
	setenv("PATH", "/sbin:/bin:/usr/sbin:/usr/bin", 1);
	setenv("HOME", "/root", 1);
	port_printf("HELLO\n");

	for (;;) {
		int n = 0;

		pfd[n] = (struct pollfd){ .fd = port, .events = POLLIN };
		map[n++] = -1;
		pfd[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		map[n++] = -1;
		for (int i = 0; i < MAX_JOBS; i++) {
			if (!jobs[i].pid || jobs[i].fd < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = jobs[i].fd,
						  .events = POLLIN };
			map[n++] = i;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int k = 2; k < n; k++) {
			struct job *j = &jobs[map[k]];

			if (pfd[k].revents && j->pid && !job_drain(j)) {
				/* EOF: the job is over once its shell is. */
				close(j->fd);
				j->fd = -1;
			}
		}
		if (pfd[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			reap();
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t r = read(port, inbuf + inlen, INBUF - inlen);

			if (r > 0) {
				inlen += r;
				handle_input();
				if (inlen == INBUF)
					inlen = 0;	/* garbage; resync */
			}
		}
		/* No host on the port: wait for one without spinning. */
		if (pfd[0].revents & POLLHUP)
			usleep(100000);
	}
}
