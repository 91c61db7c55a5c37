/*
 * sendfile_floor.c - the least HTTP server that serves one file: the floor
 * bench/media-serve.sh puts next to GET /api/v1/media/{id}. One
 * connection at a time, keep-alive, each request answered with
 * sendfile(2) straight from the page cache: no routing, no
 * authentication, no database, no user-space copy. A single
 * "Range: bytes=a-b" is honoured (206), anything else gets the whole file.
 *
 * bench/media-serve.sh builds it with
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o build/bench/sendfile_floor \
 *      bench/sendfile_floor.c
 *
 * Usage: sendfile_floor FILE   (prints the port it listens on, 127.0.0.1)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void serve(int c, int fd, off_t size)
{
	char buf[8193];
	size_t have = 0;
	for (;;) {
		char *end;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			ssize_t n = have < sizeof(buf) - 1 ? read(c, buf + have, sizeof(buf) - 1 - have) : 0;
			if (n <= 0)
				return;
			have += (size_t)n;
			buf[have] = '\0';
		}
		*end = '\0';
		long long a = 0, b = size - 1;
		int partial = 0;
		char *r = strcasestr(buf, "\r\nRange: bytes=");
		if (r != NULL && sscanf(r + 15, "%lld-%lld", &a, &b) >= 1 && a < size) {
			partial = 1;
			if (b >= size)
				b = size - 1;
		} else {
			a = 0;
			b = size - 1;
		}
		char hdr[256];
		int h = partial ? snprintf(hdr, sizeof(hdr),
					   "HTTP/1.1 206 Partial Content\r\nContent-Type: "
					   "audio/x-wav\r\nContent-Range: bytes %lld-%lld/%lld\r\n"
					   "Content-Length: %lld\r\n\r\n",
					   a, b, (long long)size, b - a + 1)
				: snprintf(hdr, sizeof(hdr),
					   "HTTP/1.1 200 OK\r\nContent-Type: audio/x-wav\r\n"
					   "Content-Length: %lld\r\n\r\n",
					   (long long)size);
		/* MSG_MORE: the header goes out with the first bytes of the file;
		 * TCP_NODELAY (set at accept): the last short segment is not held
		 * back for an ACK the client delays (40 ms stalls otherwise). */
		if (send(c, hdr, (size_t)h, MSG_MORE) != h)
			return;
		off_t off = a;
		size_t left = (size_t)(b - a + 1);
		while (left > 0) {
			ssize_t n = sendfile(c, fd, &off, left);
			if (n <= 0)
				return;
			left -= (size_t)n;
		}
		size_t used = (size_t)(end + 4 - buf);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
}

int main(int argc, char **argv)
{
	struct stat st;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(addr);
	int fd = argc == 2 ? open(argv[1], O_RDONLY) : -1;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || fstat(fd, &st) != 0 || ls < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&addr, &alen) != 0) {
		perror("sendfile_floor");
		return 1;
	}
	printf("%d\n", ntohs(addr.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept(ls, NULL, NULL);
		int one = 1;
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(c, fd, st.st_size);
		close(c);
	}
}
