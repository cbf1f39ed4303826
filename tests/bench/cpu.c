/*
 * cpu: run a command and report the CPU time it used, for tests/bench.sh.
 *
 *   cpu -o FILE CMD [ARGS...]
 *
 * Writes one line to FILE: "SECONDS MAXRSS_KB STATUS", where SECONDS is the
 * user + system time of the child and everything it waited for (wait4's
 * rusage, the same figure getrusage(RUSAGE_CHILDREN) gives), in
 * microseconds' precision, MAXRSS_KB its peak resident set, and STATUS its
 * exit status (128 + the signal when a signal killed it).  The command
 * inherits standard input, output and error.  CPU time, not wall time, is
 * the figure to compare on a machine shared with other work: wall time
 * there includes waiting for a CPU.  GNU time's %U/%S round to 10 ms,
 * which is several percent of a short run.
 *
 * Exit status: 0 when FILE was written (whatever the command's status),
 * 1 when the command could not be run or FILE written, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: cpu -o FILE CMD [ARGS...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("cpu: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "cpu: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("cpu: wait4");
			return 1;
		}
	}
	double s = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		   ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
	int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	FILE *f = fopen(argv[2], "w");
	if (!f || fprintf(f, "%.6f %ld %d\n", s, ru.ru_maxrss, status) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "cpu: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
