/*
 * The Open POSIX test suite's runner inside the kernel (tests/posix/).
 *
 *   runner [-s SKIP] [-d WORKDIR] [-v | -a] [-S] LIST
 *
 * LIST has a line per test: `SECONDS PATH`. From the SKIP+1st line on, each
 * test runs in a process group of its own (its kill(0, ...) and killpg() must
 * not reach us; with -S in a session of its own, without a controlling
 * terminal, as a Linux reference run by Python's start_new_session), in WORKDIR, with stdin /dev/null, stdout and stderr into
 * WORKDIR/.out (WORKDIR made if missing), a fixed environment, default signal dispositions and an empty
 * mask; the runner prints
 *   START n PATH           before it,
 *   RESULT PATH exit N     or RESULT PATH signal N, or RESULT PATH timeout
 * after it (a test still running after SECONDS is killed, its whole group;
 * whatever it left behind in its group is killed too). The timeout is kept by
 * polling waitpid() between short sleeps, not by alarm(): it must not depend on
 * the signals it tests. A test that hangs the kernel itself is the host's to
 * see (no RESULT line in time): it reboots and passes -s. With -v the last
 * KiB of a test's output is printed after a result other than exit 0, each
 * line prefixed "| "; with -a all of it after every result (bash's suite,
 * tests/bash/, compares each test's whole output with Linux's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	/* write() straight away: stdio's buffer would hold a START line back
	 * from the host, which reads a hang from its absence. */
	for (int off = 0; off < n;) {
		ssize_t w = write(1, buf + off, n - off);
		if (w <= 0)
			return;
		off += w;
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child(const char *path, const char *out, int session)
{
	static char *const env[] = {"PATH=/bin", "HOME=/", "TERM=vt100", NULL};
	sigset_t none;
	if (session)
		setsid();
	else
		setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < 65; s++)
		signal(s, SIG_DFL);
	int in = open("/dev/null", O_RDONLY);
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || o < 0) {
		say("runner: cannot open /dev/null or %s (errno %d)\n", out, errno);
		_exit(126);
	}
	dup2(in, 0);
	dup2(o, 1);
	dup2(o, 2);
	close(in);
	close(o);
	char *argv[] = {(char *)path, NULL};
	execve(path, argv, env);
	dprintf(2, "runner: exec %s: errno %d\n", path, errno);
	_exit(127);
}

/* Each line of @buf prefixed "| ", cut into pieces say() can hold. */
static void show_lines(char *buf)
{
	for (char *line = buf, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		do {
			say("| %.400s\n", line);
			line += strnlen(line, 400);
		} while (*line);
	}
}

/* The last KiB of the output, or with @all all of it (a long line comes out
 * in pieces). */
static void show(const char *out, int all)
{
	char buf[1025];
	int fd = open(out, O_RDONLY);
	if (fd < 0)
		return;
	/* The end: a test says why it gave up last. */
	off_t size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > 1024 && !all ? size - 1024 : 0, SEEK_SET);
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += n;
		buf[have] = 0;
		char *cut = strrchr(buf, '\n');
		if (!cut && have < sizeof(buf) - 1)
			continue;
		if (!cut)
			cut = buf + have - 1;
		char keep = cut[1];
		cut[1] = 0;
		show_lines(buf);
		cut[1] = keep;
		have = buf + have - (cut + 1);
		memmove(buf, cut + 1, have);
	}
	close(fd);
	buf[have] = 0;
	show_lines(buf);
}

int main(int argc, char **argv)
{
	long skip = 0;
	const char *dir = "/tmp";
	int verbose = 0, all = 0, session = 0, c;
	while ((c = getopt(argc, argv, "s:d:vaS")) != -1) {
		switch (c) {
		case 's': skip = atol(optarg); break;
		case 'd': dir = optarg; break;
		case 'v': verbose = 1; break;
		case 'a': all = 1; break;
		case 'S': session = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1) {
usage:
		say("usage: runner [-s SKIP] [-d WORKDIR] [-v | -a] [-S] LIST\n");
		return 2;
	}
	FILE *list = fopen(argv[optind], "r");
	if (!list) {
		say("runner: cannot open %s (errno %d)\n", argv[optind], errno);
		return 2;
	}
	mkdir(dir, 0755);
	if (chdir(dir)) {
		say("runner: cannot enter %s (errno %d)\n", dir, errno);
		return 2;
	}
	char out[256];
	snprintf(out, sizeof(out), "%s/.out", dir);
	/* The runner must outlive what a test sends its parent or everyone. */
	signal(SIGPIPE, SIG_IGN);
	char line[1024], path[1000];
	double limit;
	long n = 0, ran = 0;
	while (fgets(line, sizeof(line), list)) {
		if (sscanf(line, "%lf %999s", &limit, path) != 2)
			continue;
		if (n++ < skip)
			continue;
		say("START %ld %s\n", n - 1, path);
		double t0 = now();
		pid_t pid = fork();
		if (pid < 0) {
			say("RESULT %s fork-failed %d\n", path, errno);
			continue;
		}
		if (pid == 0)
			child(path, out, session);
		/* Not for -S: a group leader's setsid() fails. */
		if (!session)
			setpgid(pid, pid);
		int st = 0, timedout = 0;
		struct timespec nap = {0, 1000000};
		for (;;) {
			pid_t w = waitpid(pid, &st, WNOHANG);
			if (w == pid)
				break;
			if (w < 0 && errno != EINTR) {
				say("RESULT %s wait-failed %d\n", path, errno);
				goto next;
			}
			if (now() - t0 > limit) {
				timedout = 1;
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				break;
			}
			nanosleep(&nap, NULL);
			/* Quick tests answer within a few naps; slow ones cost
			 * fewer wakeups. */
			if (nap.tv_nsec < 50000000)
				nap.tv_nsec *= 2;
		}
		kill(-pid, SIGKILL);
		if (timedout)
			say("RESULT %s timeout\n", path);
		else if (WIFEXITED(st))
			say("RESULT %s exit %d\n", path, WEXITSTATUS(st));
		else
			say("RESULT %s signal %d\n", path, WTERMSIG(st));
		if (all || (verbose && (timedout || !WIFEXITED(st) || WEXITSTATUS(st))))
			show(out, all);
next:
		ran++;
	}
	say("DONE %ld\n", ran);
	return 0;
}
