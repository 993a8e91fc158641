/*
 * A TCP relay on loopback that holds every chunk DELAY_US microseconds in each direction, in order:
 * `delay-relay <listen port> <target port> <delay us>`. Stands in for a network between a server and
 * Redis where the kernel has no netem. C with epoll and a timerfd, because JavaScript timers round up
 * to ~1 ms and a busy loop would cost the CPU being measured. One thread; each connection gets a
 * FIFO per direction of (release time, bytes).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct chunk { struct chunk *next; uint64_t due; size_t len, off; char data[]; } chunk;
typedef struct side { int fd; struct side *peer; chunk *head, *tail; int closed; } side;

static uint64_t delay_ns;
static int ep, timer;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static side *all[65536];
/* Highest descriptor in use: the scans stop there. */
static int max_fd;

static void arm_timer(void) {
  uint64_t next = 0;
  for (int fd = 0; fd <= max_fd; fd++) {
    side *s = all[fd];
    if (s && s->head && s->head->off == 0 && (next == 0 || s->head->due < next)) next = s->head->due;
  }
  struct itimerspec spec = {0};
  if (next) { spec.it_value.tv_sec = next / 1000000000u; spec.it_value.tv_nsec = next % 1000000000u; }
  timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, NULL);
}

static void close_pair(side *s) {
  side *p = s->peer;
  for (side *x = s; x; x = (x == s ? p : NULL)) {
    while (x->head) { chunk *c = x->head; x->head = c->next; free(c); }
    epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
    close(x->fd);
    all[x->fd] = NULL;
    free(x);
  }
}

/* Writes the due chunks queued for `s` (bytes to send on s->fd); 0 when the pair was closed. */
static int flush(side *s, uint64_t now) {
  while (s->head && s->head->due <= now) {
    chunk *c = s->head;
    ssize_t n = write(s->fd, c->data + c->off, c->len - c->off);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = s->fd};
      epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
      return 1;
    }
    if (n < 0) { close_pair(s); return 0; }
    c->off += (size_t)n;
    if (c->off < c->len) continue;
    s->head = c->next;
    if (!s->head) s->tail = NULL;
    free(c);
  }
  if (!s->head && s->closed) { close_pair(s); return 0; }
  return 1;
}

static void watch(side *s) {
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = s->fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
  all[s->fd] = s;
  if (s->fd > max_fd) max_fd = s->fd;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: delay-relay <listen port> <target port> <delay us>\n"); return 2; }
  int listen_port = atoi(argv[1]), target_port = atoi(argv[2]);
  delay_ns = (uint64_t)atoll(argv[3]) * 1000u;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(listen_port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 512)) { perror("listen"); return 1; }
  ep = epoll_create1(0);
  timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = timer;
  epoll_ctl(ep, EPOLL_CTL_ADD, timer, &ev);
  printf("listening\n");
  fflush(stdout);
  static char buf[65536];
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int client;
        while ((client = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int upstream = socket(AF_INET, SOCK_STREAM, 0);
          struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(target_port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
          if (connect(upstream, (struct sockaddr *)&to, sizeof to)) { close(client); close(upstream); continue; }
          fcntl(upstream, F_SETFL, O_NONBLOCK);
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          side *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
          a->fd = client; b->fd = upstream; a->peer = b; b->peer = a;
          watch(a);
          watch(b);
        }
        continue;
      }
      if (fd == timer) {
        uint64_t expirations;
        (void)!read(timer, &expirations, sizeof expirations);
        uint64_t now = now_ns();
        for (int f = 0; f <= max_fd; f++) if (all[f] && all[f]->head) flush(all[f], now);
        arm_timer();
        continue;
      }
      side *s = all[fd];
      if (!s) continue;
      if (events[i].events & EPOLLOUT) {
        struct epoll_event in = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &in);
        if (!flush(s, now_ns())) continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        side *to = s->peer;
        if (got <= 0) {
          /* The sender is gone: close once what it sent has been delivered. */
          to->closed = 1;
          epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
          if (!to->head) close_pair(s);
          continue;
        }
        chunk *c = malloc(sizeof *c + (size_t)got);
        c->next = NULL; c->len = (size_t)got; c->off = 0; c->due = now_ns() + delay_ns;
        memcpy(c->data, buf, (size_t)got);
        if (to->tail) to->tail->next = c; else to->head = c;
        to->tail = c;
        if (delay_ns == 0) flush(to, c->due);
        else if (to->head == c) arm_timer();
      }
    }
  }
}
