/*
 * mapfork: a small program to record with `vmscope record` (see README.md
 * here).  It writes a 64 KiB file with write(2), maps it shared and reads
 * and changes every page through the mapping, syncs it, then forks: the
 * child writes into a private anonymous buffer it inherited (copy-on-write)
 * and into the shared mapping, and exits; the parent waits, reads the file
 * back with pread(2), truncates it, unmaps it and removes it.
 *
 * Usage: mapfork [FILE]   (default mapfork.dat in the current directory)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEN (64 * 1024)
#define PAGE 4096

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "mapfork.dat";
	static char buf[PAGE];
	char *map, *anon;
	unsigned long sum = 0;
	int fd, status;
	pid_t pid;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	memset(buf, 'a', sizeof(buf));
	for (int i = 0; i < LEN / PAGE; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			return 1;
		}
	map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || anon == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (int i = 0; i < LEN; i += PAGE) {
		sum += (unsigned char)map[i];
		map[i] = 'b';
	}
	memset(anon, 1, 4 * PAGE);
	msync(map, LEN, MS_SYNC);
	pid = fork();
	if (pid == 0) {
		anon[0] = 2;             /* copy-on-write */
		map[PAGE] = 'c';         /* shared: the parent sees it */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (pread(fd, buf, sizeof(buf), PAGE) != (ssize_t)sizeof(buf))
		return 1;
	ftruncate(fd, LEN / 2);
	munmap(map, LEN);
	munmap(anon, 4 * PAGE);
	close(fd);
	unlink(path);
	printf("%lu %c\n", sum, buf[0]);
	return 0;
}
