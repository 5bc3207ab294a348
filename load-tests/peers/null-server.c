/*
 * The null server: a peer for the ingest benchmark that does nothing but HTTP/1.1 keep-alive.
 * It answers every POST with 200 and an IngestResponse that accepts as many pings as
 * NULL_SERVER_PINGS says (the benchmark's batch size), and every GET with an empty 200, so that
 * /readyz answers. No parsing of pings, no log, no sync: the figure it gives with the load
 * generator on the same cores is the ceiling the kernel's TCP work and the generator leave for
 * any server on this machine.
 *
 * Listens on 127.0.0.1:$PINGSTACK_HTTP_PORT with $NULL_SERVER_THREADS threads (default 2), each
 * with its own epoll set and SO_REUSEPORT listener. Build: gcc -O2 -pthread -o null-server null-server.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER (1 << 20)

struct conn {
  int fd;
  size_t used;
  char buf[BUFFER];
};

static int port;
static char post_answer[256];
static size_t post_answer_len;
static const char get_answer[] = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int listener(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0) die("bind");
  if (listen(fd, 1024) < 0) die("listen");
  return fd;
}

/* Answers every whole request at the front of c->buf; returns -1 when the connection must close. */
static int serve(struct conn *c) {
  for (;;) {
    char *end = memmem(c->buf, c->used, "\r\n\r\n", 4);
    if (end == NULL) return c->used == BUFFER ? -1 : 0;
    size_t head = (size_t) (end - c->buf) + 4;
    size_t body = 0;
    for (char *line = c->buf; line < end; line = strstr(line, "\r\n") + 2) {
      if (strncasecmp(line, "content-length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
    }
    if (head + body > BUFFER) return -1;
    if (c->used < head + body) return 0;
    int post = strncmp(c->buf, "POST ", 5) == 0;
    const char *answer = post ? post_answer : get_answer;
    size_t length = post ? post_answer_len : sizeof get_answer - 1;
    if (write(c->fd, answer, length) != (ssize_t) length) return -1;
    memmove(c->buf, c->buf + head + body, c->used - head - body);
    c->used -= head + body;
  }
}

static void *loop(void *unused) {
  (void) unused;
  int lfd = listener();
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll");
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn *nc = malloc(sizeof *nc);
          if (nc == NULL) die("malloc");
          nc->fd = fd;
          nc->used = 0;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) die("epoll_ctl");
        }
        continue;
      }
      ssize_t got = read(c->fd, c->buf + c->used, BUFFER - c->used);
      if (got > 0) {
        c->used += (size_t) got;
        if (serve(c) == 0) continue;
      } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        continue;
      }
      close(c->fd);
      free(c);
    }
  }
  return NULL;
}

int main(void) {
  const char *p = getenv("PINGSTACK_HTTP_PORT");
  const char *t = getenv("NULL_SERVER_THREADS");
  const char *k = getenv("NULL_SERVER_PINGS");
  if (p == NULL) {
    fprintf(stderr, "null-server: PINGSTACK_HTTP_PORT is not set\n");
    return 2;
  }
  port = atoi(p);
  int threads = t == NULL ? 2 : atoi(t);
  unsigned pings = k == NULL ? 1 : (unsigned) strtoul(k, NULL, 10);
  /* IngestResponse { accepted = pings }: field 1, varint. */
  unsigned char body[8] = {0x08};
  size_t body_len = 1;
  do {
    body[body_len++] = (unsigned char) ((pings & 0x7f) | (pings > 0x7f ? 0x80 : 0));
    pings >>= 7;
  } while (pings != 0);
  post_answer_len = (size_t) snprintf(post_answer, sizeof post_answer,
      "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: %zu\r\n\r\n", body_len);
  memcpy(post_answer + post_answer_len, body, body_len);
  post_answer_len += body_len;
  pthread_t ids[64];
  if (threads < 1 || threads > 64) threads = 2;
  for (int i = 0; i < threads; i++) {
    if (pthread_create(&ids[i], NULL, loop, NULL) != 0) die("pthread_create");
  }
  fprintf(stderr, "null-server: 127.0.0.1:%d, %d threads\n", port, threads);
  pthread_join(ids[0], NULL);
  return 0;
}
