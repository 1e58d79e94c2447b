/* net.c -- connections on a libuv loop, batched hand-over to the engine.
 *
 * Why batches: with 50 clients each sending one command per round trip,
 * handing every command to the engine separately would cost a cross-thread
 * wake-up per command in each direction. Instead every read callback of a
 * loop iteration appends to one eng_inbatch, and a uv_check handle (which
 * runs after all I/O callbacks of the iteration) submits it once. Replies
 * come back as one eng_outbatch per engine wake-up; each connection's
 * spans are gathered into an iovec and written with one vectored write.
 *
 * Connection lifetime: the engine holds a pointer to the embedded
 * eng_client until it processes our CLOSE message and answers with a
 * RELEASE span. A connection is freed when both the libuv handle is closed
 * and the engine has released it.
 */
#include "net.h"
#include "access.h"
#include "log.h"
#include "spin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef SB_HAVE_URING
#include <liburing.h>
#endif

#define READ_BUF_SIZE (64 * 1024)
#define INFLIGHT_HIGH 16384   /* at most this many unanswered commands per client */
/* Replies a client's in-flight commands may produce, estimated from the
 * sizes of its recent replies: the engine answers a whole batch at once,
 * so without this a 64 KiB read of "GET bigkey" commands would make the
 * engine build gigabytes of replies before any output limit could act. */
#define INFLIGHT_REPLY_BUDGET (4u * 1024 * 1024)
#define INFLIGHT_MIN 16
#define REPLY_EST_INITIAL (16u * 1024)  /* bytes per reply until we know */
#define BATCH_FLUSH_BYTES (4u * 1024 * 1024)
/* Waiting for replies instead of input (on_prepare): at most this many
 * commands in flight, at most two per connection, for at most this long. */
#define REPLY_WAIT_INFLIGHT 64
#define REPLY_WAIT_NS (2 * 1000 * 1000)
/* Coalescing (coalesce): only with at least this many clients at work */
#define COALESCE_CLIENTS 8
#define ACTIVE_MS 10       /* clients at work, commands: counted per period */
#define COALESCE_FULL 50   /* below this many, a shorter sleep (pro rata) */
#define COALESCE_RATE 200  /* and commands per ACTIVE_MS (20k/s) at least */
/* and this thread waited for a CPU at most this long per ACTIVE_MS (see
 * contended) */
#define COALESCE_MAX_WAIT_US 800
#define SCHED_UNOPENED (-2)
#define DRAIN_MS 2000      /* conn_drain: at most this long (on_timer: +1 s) */
#define DRAIN_MAX_BYTES (64u * 1024 * 1024) /* and this much input dropped */
#define DRAIN_MAX_CONNS 256 /* more at once (a flood of bad requests): closed at once */

/* A counter only this thread writes (others read it): no locked add. */
static inline void count_one(_Atomic uint64_t *v) {
    atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* A count per ACTIVE_MS period: the current one's so far, and the whole
 * of the one before (0 after a quiet period). */
typedef struct period_count {
    uint64_t epoch;
    size_t cur, last;
} period_count;

/* Move p to period ep (the loop's time / ACTIVE_MS); 1 if a new one began. */
static int period_at(period_count *p, uint64_t ep) {
    if (ep == p->epoch) return 0;
    p->last = ep == p->epoch + 1 ? p->cur : 0;
    p->cur = 0;
    p->epoch = ep;
    return 1;
}

typedef struct sb_conn {
    eng_client ec; /* first: the engine sees &conn->ec */
    uv_tcp_t tcp;
    sb_net *net;
    resp_parser parser;
    unsigned closing : 1, handle_closed : 1, released : 1, registered : 1,
        close_after_write : 1, reading : 1, proto_err : 1, writing : 1,
        touched : 1, recv_armed : 1, slow : 1, uv_reading : 1, ring_wr : 1, draining : 1,
        unregistered : 1, pubsub : 1;
    unsigned ring_ops;   /* its io_uring requests in flight (ring.c part) */
    size_t woff;         /* io_uring: how much of wbuf is sent */
    size_t inflight;
    uint64_t active_epoch; /* the last ACTIVE_MS period it sent something in */
    size_t reply_est;  /* recent bytes per reply (see INFLIGHT_REPLY_BUDGET) */
    resp_buf inbuf;    /* input read but not parsed yet (while throttled) */
    size_t inoff;      /* how much of inbuf is parsed */
    resp_buf obuf;   /* output waiting for the next uv_write */
    resp_buf wbuf;   /* output of the uv_write in flight */
    uv_write_t wreq;
    int64_t last_ms;     /* loop time (uv_now) of the last read */
    int64_t soft_since;  /* loop time it went over the soft limit, 0 = not */
    int64_t drain_ms;    /* loop time its draining began (conn_drain) */
    size_t drained;      /* bytes read and dropped since */
    struct sb_conn *prev, *next;
    uv_buf_t *iov;   /* gathered replies of the batch being delivered */
    unsigned niov, iov_cap;
    struct sb_conn *touched_next;
} sb_conn;

struct sb_net {
    uv_loop_t *loop;
    sb_config *cfg;
    eng_engine *eng;
    uv_tcp_t listener;
    uv_check_t check;
    uv_prepare_t prepare;
    _Atomic int io_waiting; /* between prepare and check: may block in poll */
    uv_async_t out_async;
    uv_timer_t timer;
    uv_mutex_t out_mu;
    eng_outbatch *out_head, *out_tail;
    _Atomic int has_out;    /* out_head != NULL, for polling without out_mu */
    uv_cond_t out_cv;       /* signalled by sb_net_release while reply_waiting */
    int reply_waiting;      /* (under out_mu) on_prepare waits on out_cv */
    int round_trip;         /* after this loop iteration's reads: commands
                             * in flight, all from clients that wait for
                             * each reply (reqresp), and many lately */
    period_count cmds;      /* commands read */
    int slack_set;          /* this thread's timer slack is set (coalesce) */
    int sched_fd;           /* its /proc schedstat (contended); -1: none,
                             * never contended; SCHED_UNOPENED: not yet */
    uint64_t sched_wait_ns; /* its run-queue wait at the last read, */
    uint64_t sched_epoch;   /* that read's period */
    uint64_t sched_ms;      /* and loop time */
    uint64_t slept_us;      /* in coalesce since that read */
    int contended;          /* it waited long for a CPU lately: no sleeps */
    size_t inflight;        /* commands at the engine, all connections */
    size_t inflight_conns;  /* connections with commands at the engine */
    sb_spin spin;           /* polling for replies before the poll (spin.h) */
    int64_t wait_t0;        /* since when commands wait for replies, 0 none */
    unsigned spin_polls;
    period_count active;    /* clients at work: that sent something */
    int active_said;        /* the last count told (sb_spin_set_clients) */
    eng_inbatch *batch;
    sb_conn *conns;
    sb_conn *drains;     /* connections draining after a protocol error (conn_drain) */
    unsigned ndrains;
    uint64_t next_id;
    int port;
    int shutting_down;
    sb_net_stats stats;
#ifdef SB_HAVE_URING
    int uring;               /* the ring is open (see "io_uring") */
    int ring_on;             /* the connections' I/O goes through it now
                              * (ring_mode), else through libuv */
    int uv_changed;          /* a libuv read or write began (ring_wait) */
    long long ring_clients;  /* io-uring-clients at the last switch, */
    uint64_t ring_switch_ms; /* and the loop time of that switch */
    struct io_uring ring;
    struct io_uring_buf_ring *br; /* the receive buffers it picks from */
    char *rbufs;
    int poll_armed;          /* a poll of the loop's epoll fd is in the ring */
    int taskrun_flag;        /* the ring says when input waits (TASKRUN_FLAG) */
    unsigned ring_ops;       /* the connections' requests in flight */
    unsigned sends;          /* sends queued since the last entry */
    unsigned quick_sends;    /* of them, those expected to complete at once
                              * (see ring_wait) */
    uv_idle_t idle;          /* after a wait in the ring: libuv's poll must not wait */
#endif
    char readbuf[READ_BUF_SIZE];
};

#ifdef SB_HAVE_URING
#define USING_URING(n) ((n)->uring)
#define RING_ON(n) ((n)->ring_on)
#define SET_UV_CHANGED(n) ((n)->uv_changed = 1)
#else
#define USING_URING(n) 0
#define RING_ON(n) 0
#define SET_UV_CHANGED(n) ((void)(n))
#endif

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const sb_net_stats *sb_net_stats_of(const sb_net *n) { return &n->stats; }

void sb_net_reset_stats(sb_net *n) {
    n->stats.rejected = 0;
    n->stats.net_input_bytes = 0;
    n->stats.net_output_bytes = 0;
    n->stats.reads = n->stats.writes = 0;
    n->stats.obuf_disconnects = 0;
    n->stats.qbuf_disconnects = 0;
    n->stats.reply_waits = 0;
    n->stats.coalesce_sleeps = 0;
    n->stats.coalesce_contended = 0;
    n->stats.uring_nobufs = 0;
    n->stats.uring_switches = 0;
}
int sb_net_port(const sb_net *n) { return n->port; }

/* ------------------------------------------------------------ batches */

/* The clients in flight send a command or two per round trip, and not
 * too many of them: they can send nothing more before their replies. */
static int reqresp(const sb_net *n) {
    return n->inflight && n->inflight <= REPLY_WAIT_INFLIGHT &&
           n->inflight <= 2 * n->inflight_conns;
}

static void flush_batch(sb_net *n) {
    if (n->batch->count == 0 || !n->eng) return;
    sb_spin_set_commit_hint(reqresp(n)); /* (see wait_replies) */
    int ran = eng_run_inline(n->eng, n->batch);
    sb_spin_set_commit_hint(0);
    if (ran) return; /* ran here, emptied */
    eng_submit(n->eng, n->batch);
    n->batch = eng_inbatch_get(n->eng);
}

static void drain_out(sb_net *n);
static int ring_has_input(sb_net *n);
static void ring_wait(sb_net *n);
static void ring_push(sb_net *n);
static void ring_mode(sb_net *n);

/* Polled while replies are due: they came, or a socket has input (which
 * must not wait for us; the epoll fd is readable when events are ready). */
static int replies_ready(void *ud) {
    sb_net *n = ud;
    if (atomic_load_explicit(&n->has_out, memory_order_acquire)) return 1;
    if (++n->spin_polls % 64) return 0;
    if (ring_has_input(n)) return 1;
    struct pollfd p = {.fd = uv_backend_fd(n->loop), .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* After the poll: hand this iteration's commands to the engine. While the
 * loop is busy (between check and prepare) the engine need not wake it:
 * replies it queues are picked up by the prepare callback below. */
static void on_check(uv_check_t *h) {
    sb_net *n = h->data;
    atomic_store(&n->io_waiting, 0);
    period_at(&n->cmds, uv_now(n->loop) / ACTIVE_MS); /* (the loop's time: no clock read) */
    n->cmds.cur += n->batch->count;
    n->round_trip = reqresp(n) && (n->cmds.cur >= COALESCE_RATE || n->cmds.last >= COALESCE_RATE);
    flush_batch(n);
}

/* Replies are due to clients that send a command or two per round trip
 * (reqresp): wait for them (at most REPLY_WAIT_NS) rather than for input,
 * like Redis blocked in its fsync. The batch those clients' commands came
 * in was committed by this thread itself if it could be (appendfsync
 * always: sb_spin_commit_hint, wal.c can_commit_inline); otherwise, and
 * for what the engine thread runs, the replies come from another thread,
 * and in the poll every request that arrived meanwhile would wake this
 * thread (a wake-up its sender pays for too) only to run one command
 * whose reply could not leave before the next commit anyway. At -c 50
 * -P 1 under appendfsync always that was two requests per wake-up, and
 * the client spent 24-32 us of CPU per request on us against 19.5 on
 * Redis. Pipelines send more meanwhile: their next batch runs during the
 * commit (FCALL -P 16: 175k/s, 151k waiting). The input waits in the
 * sockets meanwhile. */
static void wait_replies(sb_net *n) {
    uv_mutex_lock(&n->out_mu);
    if (!n->out_head) {
        n->reply_waiting = 1;
        uv_cond_timedwait(&n->out_cv, &n->out_mu, REPLY_WAIT_NS);
        n->reply_waiting = 0;
        atomic_fetch_add_explicit(&n->stats.reply_waits, 1, memory_order_relaxed);
    }
    uv_mutex_unlock(&n->out_mu);
    drain_out(n);
}

/* Was this thread kept waiting for a CPU in the last period or so? When
 * the clients share its CPU (on this 2-CPU VM the scheduler often puts
 * redis-benchmark there), the sleep only delays this thread's turn: the
 * clients run whether it sleeps or not, and when they wait, the CPU idles
 * until the sleep ends. Measured with both pinned to one CPU, SET -c 50
 * -P 1 everysec: 32k requests/s with the sleep, 42k without (Redis 36k).
 * The sign is the run-queue wait in /proc/thread-self/schedstat, read once
 * per ACTIVE_MS: about 0.2 ms per 10 ms with a CPU of its own (over 0.5 in
 * a tenth of the periods), 1-3 ms when sharing one. It is judged against
 * the time this thread was awake (not asleep in coalesce): asleep, it
 * waits for no CPU, so the sleeps themselves hid the sign. Pinned to one
 * CPU with the clients and sleeping, it waited 0.3-0.9 ms per 10 ms of
 * real time, about 6 of them asleep: 1-2.5 ms per 10 ms awake. */
static int contended(sb_net *n) {
    uint64_t ep = uv_now(n->loop) / ACTIVE_MS;
    if (ep == n->sched_epoch || n->sched_fd == -1) return n->contended;
    if (n->sched_fd == SCHED_UNOPENED) { /* (the I/O thread's own file) */
        n->sched_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
        if (n->sched_fd < 0) return n->contended = 0;
    }
    char buf[96];
    ssize_t r = pread(n->sched_fd, buf, sizeof(buf) - 1, 0);
    unsigned long long run, wait;
    if (r <= 0 || (buf[r] = 0, sscanf(buf, "%llu %llu", &run, &wait) != 2)) {
        close(n->sched_fd);
        n->sched_fd = -1;
        return n->contended = 0;
    }
    /* (over the time since the last read: 0-30 ms, as reads come at the
     * first sleep of a period) */
    uint64_t now = uv_now(n->loop), ms = now - n->sched_ms;
    uint64_t awake_us = ms * 1000 > n->slept_us + 1000 ? ms * 1000 - n->slept_us : 1000;
    n->contended = n->sched_epoch && ep - n->sched_epoch <= 2 && ms > 0 &&
                   wait > n->sched_wait_ns &&
                   (wait - n->sched_wait_ns) * ACTIVE_MS > awake_us * COALESCE_MAX_WAIT_US;
    n->slept_us = 0;
    n->sched_wait_ns = wait;
    n->sched_epoch = ep;
    n->sched_ms = now;
    if (n->contended) atomic_fetch_add_explicit(&n->stats.coalesce_contended, 1,
                                                memory_order_relaxed);
    return n->contended;
}

/* Many clients that each wait for their reply, all answered (appendfsync
 * everysec or no, or reads): sleep io-coalesce us before the poll, so that
 * the next loop iteration finds many of their next requests instead of
 * one or two. In the poll, the first request to arrive wakes this thread,
 * and on a virtual machine that wake-up is an interrupt to another CPU
 * that its sender pays for; with small iterations it came every few
 * requests. Asleep on a timer, nobody wakes it: the requests wait in their
 * sockets, as they do for Redis while it executes (its slower iterations
 * collect more of them). Measured at -c 50 -P 1 (appendonly no and
 * everysec, GET and SET, 50 us): 12-17% more requests/s, 16-25% less CPU
 * time per request for us and 10-14% less for redis-benchmark, which sets
 * the rate there; up to 50 us more latency for a request that comes
 * during the sleep. 100 us (the default since) against 50, the same
 * server alternately, 5 runs each: GET -c 50 8-14% less CPU per request,
 * -c 20 16% (-c 10 2%), FCALL 10-15%, for 2-3% fewer requests/s, p50
 * +0-40 us, p99 +15-150 us, and up to 100 us more for a request that
 * comes during the sleep; in the suite (-c 50 -P 1, 27 cells, 2 runs
 * each) CPU above 0.7x Redis's in 2 and 2 cells against 6 and 9. Not for
 * pipelines (they send more while they wait), nor for a few clients or
 * a trickle (too few requests come during the sleep to be worth it: at
 * least 8 clients at work and 20k commands/s; a test per iteration
 * instead, at least 2 commands, cost a third of the gain: one small
 * iteration led to the next), nor after this thread committed the
 * iteration's writes itself (appendfsync always: the fsync was the wait;
 * measured at -c 12, a sleep after it cost 5% of the throughput), nor
 * while this thread waits for a CPU (contended). */
static void coalesce(sb_net *n) {
    long long us = atomic_load_explicit(&n->cfg->io_coalesce_us, memory_order_relaxed);
    if (us <= 0 || n->active_said < COALESCE_CLIENTS || contended(n)) return;
    if (n->active_said < COALESCE_FULL) us = us * n->active_said / COALESCE_FULL;
    if (!n->slack_set) {
        /* the default slack (50 us) would make a 20 us sleep last 70 */
        prctl(PR_SET_TIMERSLACK, 1000UL);
        n->slack_set = 1;
    }
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    ring_push(n); /* the replies go out first */
    int64_t t0 = sb_spin_now(); /* (the sleep lasts longer than asked) */
    nanosleep(&ts, NULL);
    n->slept_us += (uint64_t)(sb_spin_now() - t0) / 1000;
    atomic_fetch_add_explicit(&n->stats.coalesce_sleeps, 1, memory_order_relaxed);
}

/* Before the poll: from now on the engine must wake us; then take what it
 * queued meanwhile (delivering may parse throttled input, so flush). */
static void on_prepare(uv_prepare_t *h) {
    sb_net *n = h->data;
    if (n->inflight) {
        /* replies are due: poll for them a little before sleeping, unless
         * they have been slow lately (spin.h) */
        if (!n->wait_t0) n->wait_t0 = sb_spin_now();
        flush_batch(n);
        ring_push(n); /* (what is ready goes out before any wait) */
        sb_spin_wait(&n->spin, replies_ready, n);
    }
    atomic_store(&n->io_waiting, 1);
    drain_out(n);
    flush_batch(n);
    int committed = sb_spin_take_committed(); /* (this iteration's only) */
    if (reqresp(n)) {
        ring_push(n);
        wait_replies(n);
    } else if (!committed && n->round_trip && !n->inflight) {
        coalesce(n);
    }
    ring_mode(n);
    ring_wait(n);
}

/* ------------------------------------------------------- conn lifetime */

static void conn_free(sb_conn *c) {
    resp_parser_free(&c->parser);
    resp_buf_free(&c->inbuf);
    resp_buf_free(&c->obuf);
    resp_buf_free(&c->wbuf);
    free(c->iov);
    free(c);
}

static void maybe_free(sb_conn *c) {
    if (c->handle_closed && c->released && !c->ring_ops) conn_free(c);
}

static void ring_release(sb_conn *c);

static void on_closed(uv_handle_t *h) {
    sb_conn *c = h->data;
    c->handle_closed = 1;
    maybe_free(c);
}

/* The connection leaves the engine (its client is freed there, which
 * releases it back) and the counts (connected_clients, maxclients); its
 * socket stays until conn_close. */
static void conn_unregister(sb_conn *c) {
    sb_net *n = c->net;
    if (c->prev) c->prev->next = c->next;
    else n->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    n->stats.connected--;
    if (n->shutting_down) c->released = 1;
    else eng_inbatch_add(n->batch, &c->ec, ENG_MSG_CLOSE, 0, NULL, NULL);
    c->registered = 0;
    c->unregistered = 1;
}

static void conn_close(sb_conn *c) {
    if (c->closing) return;
    sb_net *n = c->net;
    c->closing = 1;
    if (c->registered) {
        conn_unregister(c);
    } else if (c->draining) { /* off the drains list */
        if (c->prev) c->prev->next = c->next;
        else n->drains = c->next;
        if (c->next) c->next->prev = c->prev;
        c->prev = c->next = NULL;
        n->ndrains--;
    } else if (!c->unregistered) {
        c->released = 1;
    }
    ring_release(c);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* ------------------------------------------------------------- output */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

static void on_drain_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
    (void)buf;
    sb_conn *c = st->data;
    if (nread < 0 || (c->drained += (size_t)nread) > DRAIN_MAX_BYTES) conn_close(c);
}

/* The reply to a protocol error is out: close, but not at once. The client
 * may still be sending (the rest of an oversized request), and a socket
 * closed with input unread sends a reset, which can reach the client
 * while it writes, before it has read the error; it would see only
 * "connection reset". So our side ends with a FIN, what still comes is
 * read and dropped, and the socket closes at the client's EOF, after
 * DRAIN_MAX_BYTES, or DRAIN_MS on (on_timer). */
static void conn_drain(sb_conn *c) {
    if (c->closing || c->draining) return;
    sb_net *n = c->net;
    /* it counts no more: Redis would have closed it (the engine has
     * answered everything it sent before the error) */
    if (n->ndrains >= DRAIN_MAX_CONNS) { /* (they hold sockets, not counted) */
        conn_close(c);
        return;
    }
    if (c->registered) conn_unregister(c);
    /* (no receive of its is in the ring: proto_err was set as one completed,
     * or while it was not reading, and nothing re-arms one after it) */
    c->next = n->drains;
    if (n->drains) n->drains->prev = c;
    n->drains = c;
    n->ndrains++;
    c->draining = 1;
    c->drain_ms = (int64_t)uv_now(c->net->loop);
    c->drained = 0;
    if (c->uv_reading) uv_read_stop((uv_stream_t *)&c->tcp);
    c->uv_reading = 0;
    SET_UV_CHANGED(c->net);
    if (shutdown(c->ec.fd, SHUT_WR) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_drain_read) != 0)
        conn_close(c);
}

/* The last reply is out (close_after_write). */
static void conn_end(sb_conn *c) {
    if (c->proto_err) conn_drain(c);
    else conn_close(c);
}

static void on_write(uv_write_t *req, int status);
static void ring_send(sb_conn *c);

/* libuv writes the rest of wbuf (from woff). */
static void uv_send(sb_conn *c) {
    c->ring_wr = 0;
    uv_buf_t b = uv_buf_init(c->wbuf.data + c->woff, (unsigned)(c->wbuf.len - c->woff));
    c->wreq.data = c;
    SET_UV_CHANGED(c->net);
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write) == 0)
        c->writing = 1;
    else
        conn_close(c);
}

static void start_write(sb_conn *c) {
    if (c->writing || c->obuf.len == 0 || c->closing) return;
    resp_buf t = c->wbuf;
    c->wbuf = c->obuf;
    c->obuf = t;
    c->obuf.len = 0;
    c->woff = 0;
    if (!RING_ON(c->net)) {
        uv_send(c);
        return;
    }
    c->ring_wr = 1;
    c->writing = 1;
    ring_send(c);
}

/* The write of wbuf ended (status < 0: failed). */
static void wrote(sb_conn *c, int status) {
    c->writing = 0;
    if (status < 0 || c->closing) {
        conn_close(c);
        return;
    }
    c->net->stats.net_output_bytes += c->wbuf.len;
    count_one(&c->net->stats.writes);
    c->wbuf.len = 0;
    c->woff = 0;
    /* keep a big buffer from a one-off huge reply from pinning memory */
    if (c->wbuf.cap > 1024 * 1024) resp_buf_free(&c->wbuf);
    if (c->obuf.len) start_write(c);
    else if (c->close_after_write) conn_end(c);
}

static void on_write(uv_write_t *req, int status) { wrote(req->data, status); }

/* Write what the socket takes now, without waiting: bytes written, or
 * UV_EAGAIN, or another negative error. */
static int try_write(sb_conn *c, uv_buf_t *iov, unsigned niov) {
    if (!USING_URING(c->net)) return uv_try_write((uv_stream_t *)&c->tcp, iov, niov);
    /* (uv_buf_t has struct iovec's layout on Unix) */
    struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = niov < IOV_MAX ? niov : IOV_MAX};
    ssize_t r = sendmsg(c->ec.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r >= 0) return (int)(r > INT_MAX ? INT_MAX : r);
    return errno == EAGAIN || errno == EWOULDBLOCK ? UV_EAGAIN : uv_translate_sys_error(errno);
}

/* Output buffer limits for normal clients: hard closes at once, soft after
 * staying above it for soft-seconds. Returns -1 when it closed c. */
static int check_obuf_limit(sb_conn *c, int64_t now) {
    sb_config *cfg = c->net->cfg;
    size_t pending = c->obuf.len + c->wbuf.len - c->woff; /* (woff: io_uring's sent part) */
    /* a subscriber: client-output-buffer-limit's pubsub class */
    long long hard = c->pubsub ? cfg->obuf_pubsub[0] : cfg->obuf_hard;
    long long soft = c->pubsub ? cfg->obuf_pubsub[1] : cfg->obuf_soft;
    long long soft_s = c->pubsub ? cfg->obuf_pubsub[2] : cfg->obuf_soft_seconds;
    int over = 0;
    if (hard > 0 && (long long)pending > hard) over = 1;
    if (soft > 0 && (long long)pending > soft) {
        if (c->soft_since == 0) c->soft_since = now;
        else if (now - c->soft_since > soft_s * 1000) over = 1;
    } else {
        c->soft_since = 0;
    }
    if (over) {
        sb_log(LOG_WARNING, "Client id=%llu addr=%s closed for overcoming of output buffer limits.",
               (unsigned long long)c->ec.id, c->ec.addr);
        c->net->stats.obuf_disconnects++;
        conn_close(c);
        return -1;
    }
    return 0;
}

static void conn_flush(sb_conn *c) {
    size_t skip = 0;
    /* (with io_uring the replies are copied and sent by the ring, with
     * the next wait in it: no system call per connection) */
    if (!c->writing && c->obuf.len == 0 && c->niov &&
        (!RING_ON(c->net) || c->net->shutting_down)) {
        int r = try_write(c, c->iov, c->niov);
        if (r >= 0) {
            skip = (size_t)r;
            c->net->stats.net_output_bytes += (uint64_t)r;
            count_one(&c->net->stats.writes);
        } else if (r != UV_EAGAIN) {
            conn_close(c);
            return;
        }
    }
    /* over the hard limit: close without copying what the kernel refused */
    long long hard = c->pubsub ? c->net->cfg->obuf_pubsub[0] : c->net->cfg->obuf_hard;
    if (hard > 0) {
        size_t rest = 0;
        for (unsigned i = 0; i < c->niov; i++) rest += c->iov[i].len;
        rest -= skip < rest ? skip : rest;
        if ((long long)(c->obuf.len + c->wbuf.len - c->woff + rest) > hard) {
            c->niov = 0;
            sb_log(LOG_WARNING, "Client id=%llu addr=%s closed for overcoming of output buffer limits.",
                   (unsigned long long)c->ec.id, c->ec.addr);
            c->net->stats.obuf_disconnects++;
            conn_close(c);
            return;
        }
    }
    for (unsigned i = 0; i < c->niov; i++) {
        size_t len = c->iov[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        resp_buf_append(&c->obuf, c->iov[i].base + skip, len - skip);
        skip = 0;
    }
    c->niov = 0;
    if (c->obuf.len) {
        if (check_obuf_limit(c, (int64_t)uv_now(c->net->loop))) return;
        start_write(c);
    } else if (c->close_after_write && !c->writing) {
        conn_end(c);
    }
}

static void gather(sb_conn *c, char *p, size_t len) {
    if (c->niov == c->iov_cap) {
        c->iov_cap = c->iov_cap ? c->iov_cap * 2 : 8;
        c->iov = realloc(c->iov, c->iov_cap * sizeof(uv_buf_t));
        if (!c->iov) abort();
    }
    c->iov[c->niov++] = uv_buf_init(p, (unsigned)len);
}

static void conn_resume(sb_conn *c);

static void deliver(sb_net *n, eng_outbatch *b) {
    sb_conn *touched = NULL;
    for (size_t i = 0; i < b->nspans; i++) {
        eng_span *s = &b->spans[i];
        sb_conn *c = (sb_conn *)s->c;
        if (s->ncmds) {
            c->inflight -= s->ncmds;
            n->inflight -= s->ncmds;
            if (!c->inflight) n->inflight_conns--;
            /* reply size estimate: up at once, down by halves */
            size_t r = s->len / s->ncmds + 1;
            c->reply_est = r >= c->reply_est ? r : (c->reply_est + r) / 2;
            if (!c->reading) conn_resume(c);
        }
        if (s->flags & (ENG_OUT_PUBSUB | ENG_OUT_NOPUBSUB)) c->pubsub = !!(s->flags & ENG_OUT_PUBSUB);
        if (!c->closing && (s->flags & ENG_OUT_OBUF)) {
            sb_log(LOG_WARNING, "Client id=%llu addr=%s closed for overcoming of output buffer "
                   "limits.", (unsigned long long)c->ec.id, c->ec.addr);
            c->net->stats.obuf_disconnects++;
            conn_close(c);
        }
        if (!c->closing && (s->len || (s->flags & ENG_OUT_CLOSE))) {
            if (s->len) gather(c, b->data.data + s->off, s->len);
            if (s->flags & ENG_OUT_CLOSE) c->close_after_write = 1;
            if (!c->touched) {
                c->touched = 1;
                c->touched_next = touched;
                touched = c;
            }
        }
        if (s->flags & ENG_OUT_RELEASE) {
            c->released = 1;
            maybe_free(c);
        }
    }
    while (touched) {
        sb_conn *c = touched;
        touched = c->touched_next;
        c->touched = 0;
        conn_flush(c);
    }
    eng_outbatch_recycle(n->eng, b);
}

static void drain_out(sb_net *n) {
    uv_mutex_lock(&n->out_mu);
    eng_outbatch *b = n->out_head;
    n->out_head = n->out_tail = NULL;
    atomic_store_explicit(&n->has_out, 0, memory_order_relaxed);
    uv_mutex_unlock(&n->out_mu);
    if (b && n->wait_t0) {
        sb_spin_note(&n->spin, sb_spin_now() - n->wait_t0);
        n->wait_t0 = 0;
    }
    while (b) {
        eng_outbatch *next = b->next;
        deliver(n, b);
        b = next;
    }
}

static void on_out(uv_async_t *h) {
    drain_out(h->data);
    ring_push(h->data); /* (the check callback may run a batch first) */
}

void sb_net_release(void *ud, eng_outbatch *b) {
    sb_net *n = ud;
    b->next = NULL;
    uv_mutex_lock(&n->out_mu);
    if (n->out_tail) n->out_tail->next = b;
    else n->out_head = b;
    n->out_tail = b;
    atomic_store_explicit(&n->has_out, 1, memory_order_release);
    int waiting = n->reply_waiting; /* (then drains them itself) */
    if (waiting) uv_cond_signal(&n->out_cv);
    uv_mutex_unlock(&n->out_mu);
    if (!waiting && atomic_load(&n->io_waiting)) uv_async_send(&n->out_async);
}

/* -------------------------------------------------------------- input */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    sb_conn *c = h->data;
    buf->base = c->net->readbuf;
    buf->len = READ_BUF_SIZE;
}

/* How many commands of c may be in flight now. */
static size_t conn_cap(const sb_conn *c) {
    size_t est = c->reply_est ? c->reply_est : 1;
    size_t cap = INFLIGHT_REPLY_BUDGET / est;
    if (cap < INFLIGHT_MIN) cap = INFLIGHT_MIN;
    if (cap > INFLIGHT_HIGH) cap = INFLIGHT_HIGH;
    return cap;
}

/* (with io_uring a receive already in the ring stays: what it brings
 * goes to inbuf, see ring_recv_done) */
static void stop_reading(sb_conn *c) {
    if (c->uv_reading) uv_read_stop((uv_stream_t *)&c->tcp);
    c->uv_reading = 0;
    c->reading = 0;
}

/* Parse input of c into the batch until the input ends or c has as many
 * commands in flight as it may. Returns the bytes consumed. May close c
 * (query buffer limit) or mark a protocol error. */
static size_t conn_parse(sb_conn *c, const char *p, size_t left) {
    sb_net *n = c->net;
    const char *start = p;
    size_t cap = conn_cap(c);
    /* CONFIG SET proto-max-bulk-len applies to open connections too (from
     * the next bulk header on), as in Redis */
    c->parser.lim.max_bulk_len = (size_t)n->cfg->limits.proto_max_bulk_len;
    while (left && c->inflight < cap) {
        resp_status rs;
        size_t used = resp_parse(&c->parser, p, left, &rs);
        p += used;
        left -= used;
        if (rs == RESP_COMMAND) {
            eng_inbatch_add(n->batch, &c->ec, ENG_MSG_CMD, c->parser.argc,
                            c->parser.argv, c->parser.argvlen);
            if (!c->inflight++) n->inflight_conns++;
            n->inflight++;
        } else if (rs == RESP_ERROR) {
            char *msg = (char *)c->parser.error;
            size_t len = strlen(msg);
            sb_log(LOG_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s",
                   msg, (unsigned long long)c->ec.id, c->ec.addr);
            eng_inbatch_add(n->batch, &c->ec, ENG_MSG_PROTOERR, 1, &msg, &len);
            c->proto_err = 1;
            stop_reading(c);
            return (size_t)(p - start);
        } else {
            break;
        }
    }
    if ((long long)resp_parser_pending(&c->parser) > n->cfg->client_query_buffer_limit) {
        sb_log(LOG_WARNING, "Closing client that reached max query buffer length: id=%llu addr=%s (qbuf initial bytes: %zu)",
               (unsigned long long)c->ec.id, c->ec.addr, resp_parser_pending(&c->parser));
        n->stats.qbuf_disconnects++;
        conn_close(c);
    }
    if (n->batch->buf.len >= BATCH_FLUSH_BYTES) flush_batch(n);
    return (size_t)(p - start);
}

/* Clients at work, for busy-polling (spin.h): those that sent something
 * in the current period of ACTIVE_MS, told as soon as they outnumber the
 * last count, and the final count of each period when the next begins (0
 * after a quiet period). */
static void note_active(sb_net *n, sb_conn *c) {
    uint64_t ep = uv_now(n->loop) / ACTIVE_MS;
    if (period_at(&n->active, ep) && (int)n->active.last != n->active_said)
        sb_spin_set_clients(n->active_said = (int)n->active.last);
    if (c->active_epoch != ep) {
        c->active_epoch = ep;
        if ((int)++n->active.cur > n->active_said)
            sb_spin_set_clients(n->active_said = (int)n->active.cur);
    }
}

/* nread bytes of input came for c (which is open and reading). */
static void got_input(sb_conn *c, const char *buf, size_t nread) {
    sb_net *n = c->net;
    n->stats.net_input_bytes += (uint64_t)nread;
    count_one(&n->stats.reads);
    c->last_ms = (int64_t)uv_now(n->loop); /* no clock read per read */
    note_active(n, c);
    size_t used = conn_parse(c, buf, nread);
    if (c->closing || c->proto_err) return;
    if (used < nread) {
        /* throttled: keep the rest, read no more until replies come back */
        resp_buf_append(&c->inbuf, buf + used, nread - used);
        stop_reading(c);
    }
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
    sb_conn *c = st->data;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (nread == 0 || c->closing || c->proto_err) return;
    got_input(c, buf->base, (size_t)nread);
}

static void ring_recv(sb_conn *c);

/* c reads: through the ring or libuv, whichever the connections use now
 * (ring_mode). A receive still in the ring ends first: its completion
 * calls this again (ring_recv_done), so input is never read out of order. */
static void read_more(sb_conn *c) {
    if (!c->reading || c->closing || c->proto_err || c->recv_armed) return;
    if (RING_ON(c->net)) {
        ring_recv(c);
    } else if (!c->uv_reading) {
        SET_UV_CHANGED(c->net);
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->uv_reading = 1;
        else conn_close(c);
    }
}

static void resume_reading(sb_conn *c) {
    if (c->reading || c->closing || c->proto_err) return;
    c->reading = 1;
    read_more(c);
}

/* Replies came back for a throttled client: parse what it already sent,
 * then read again once that is all in flight. */
static void conn_resume(sb_conn *c) {
    if (c->reading || c->closing || c->proto_err) return;
    if (c->inflight > conn_cap(c) / 2) return;
    if (c->inoff < c->inbuf.len) {
        c->inoff += conn_parse(c, c->inbuf.data + c->inoff, c->inbuf.len - c->inoff);
        if (c->closing || c->proto_err || c->inoff < c->inbuf.len) return;
    }
    c->inoff = 0;
    c->inbuf.len = 0;
    if (c->inbuf.cap > READ_BUF_SIZE) resp_buf_free(&c->inbuf);
    resume_reading(c);
}

/* ----------------------------------------------------------- io_uring */

/* Why: on a VM every system call and every wake-up is dear, and with
 * epoll each request costs a read and a write on its socket (two calls)
 * plus its share of the wake-ups. With io_uring the I/O thread keeps one
 * receive in the ring per reading connection and puts one send per
 * connection with output there, and enters the kernel once per loop
 * iteration, at its wait, for all of them: the receives that completed
 * meanwhile come back as completions, with their data in buffers the
 * ring picked from ours. Completions run only when this thread enters the
 * ring (DEFER_TASKRUN), so arriving requests do not interrupt it either.
 * Measured with the do-nothing floor server (tests/bench/floor.c) at
 * -c 50 -P 1 GET: 0.55x Redis's CPU time per request with io-coalesce's
 * sleep, 0.78-0.82x with epoll; a variant that waited in epoll for the
 * ring instead was worse than epoll alone (21.8 us per request against
 * 11.8: every completion interrupted it).
 *
 * libuv still runs the loop (listener, timers, signals, the engine's
 * wake-ups): the wait happens in on_prepare, in the ring, with a poll of
 * libuv's epoll fd among its requests and libuv's next timeout as its
 * own, and an idle handle then keeps libuv's poll from waiting again.
 * Where the kernel or a seccomp profile (Docker's default) refuses
 * io_uring, or with io-uring no, libuv does all of it (epoll). */
#ifdef SB_HAVE_URING
#define RING_ENTRIES 1024
#define RBUF_COUNT 64           /* receive buffers (a power of 2): the kernel
                                 * runs a bounded number of completions per
                                 * entry, and each buffer comes back at once */
#define RBUF_SIZE (16 * 1024)
#define RBUF_GROUP 0
#define RING_SWITCH_MS 100      /* ring_mode */
enum { OP_CANCEL = 0, OP_RECV = 1, OP_SEND = 2, OP_POLL = 3 }; /* in user_data's low bits */

static void ring_submit(sb_net *n);

static struct io_uring_sqe *ring_sqe(sb_net *n) {
    struct io_uring_sqe *s = io_uring_get_sqe(&n->ring);
    if (!s) { /* full: hand what it holds to the kernel */
        ring_submit(n);
        s = io_uring_get_sqe(&n->ring);
        if (!s) abort(); /* (ring_submit empties it) */
    }
    return s;
}

static void ring_track(sb_conn *c, struct io_uring_sqe *s, int op) {
    io_uring_sqe_set_data64(s, (uint64_t)(uintptr_t)c | (uint64_t)op);
    c->ring_ops++;
    c->net->ring_ops++;
}

static void ring_recv(sb_conn *c) {
    struct io_uring_sqe *s = ring_sqe(c->net);
    io_uring_prep_recv(s, c->ec.fd, NULL, RBUF_SIZE, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = RBUF_GROUP;
    c->recv_armed = 1;
    ring_track(c, s, OP_RECV);
}

static void ring_send(sb_conn *c) {
    struct io_uring_sqe *s = ring_sqe(c->net);
    io_uring_prep_send(s, c->ec.fd, c->wbuf.data + c->woff, c->wbuf.len - c->woff,
                       MSG_NOSIGNAL);
    ring_track(c, s, OP_SEND);
    c->net->sends++;
    if (!c->slow) c->net->quick_sends++;
}

/* Closing c: its requests must end before it is freed (maybe_free waits
 * for them), and before its descriptor is closed they must have taken
 * the socket: the number could name another connection's socket next. */
static void ring_release(sb_conn *c) {
    if (!c->ring_ops) return;
    ring_submit(c->net);
    shutdown(c->ec.fd, SHUT_RDWR); /* ends a waiting receive or send now */
}

static void rbuf_give_back(sb_net *n, unsigned bid) {
    io_uring_buf_ring_add(n->br, n->rbufs + (size_t)bid * RBUF_SIZE, RBUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(RBUF_COUNT), 0);
    io_uring_buf_ring_advance(n->br, 1);
}

static void ring_recv_done(sb_conn *c, int res, unsigned flags) {
    sb_net *n = c->net;
    c->recv_armed = 0;
    if (res == -ENOBUFS) { /* more receives than buffers in one wait */
        atomic_fetch_add_explicit(&n->stats.uring_nobufs, 1, memory_order_relaxed);
        read_more(c);
        return;
    }
    const char *buf = NULL;
    if (flags & IORING_CQE_F_BUFFER)
        buf = n->rbufs + (size_t)(flags >> IORING_CQE_BUFFER_SHIFT) * RBUF_SIZE;
    if (res == -ECANCELED) {
        /* (ring_mode: libuv reads it from now on, in read_more below) */
    } else if (res <= 0) {
        conn_close(c);
    } else if (!c->closing && !c->proto_err && buf) {
        if (c->reading) {
            got_input(c, buf, (size_t)res);
        } else { /* throttled since it was armed: keep it for later */
            n->stats.net_input_bytes += (uint64_t)res;
            count_one(&n->stats.reads);
            resp_buf_append(&c->inbuf, buf, (size_t)res);
        }
    }
    if (buf) rbuf_give_back(n, flags >> IORING_CQE_BUFFER_SHIFT);
    /* A full buffer: more is likely waiting (a pipeline, a big value).
     * Read it now, as libuv does, so that it joins this iteration's batch
     * rather than trickling in 16 KB per iteration. */
    for (int i = 0; res == RBUF_SIZE && i < 16 && c->reading && !c->closing && !c->proto_err; i++) {
        ssize_t r = recv(c->ec.fd, n->readbuf, READ_BUF_SIZE, MSG_DONTWAIT);
        if (r > 0) {
            got_input(c, n->readbuf, (size_t)r);
            if (r < READ_BUF_SIZE) break;
        } else {
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                conn_close(c);
            break;
        }
    }
    read_more(c);
}

static void ring_send_done(sb_conn *c, int res) {
    if (res == -ECANCELED && !c->closing) res = 0; /* (ring_mode: nothing sent) */
    if (res < 0) {
        wrote(c, res);
        return;
    }
    /* a short send: its socket is full (the client reads slowly) */
    if ((size_t)res < c->wbuf.len - c->woff) c->slow = 1;
    else if (c->woff == 0) c->slow = 0;
    c->woff += (size_t)res;
    if (c->woff >= c->wbuf.len || c->closing) wrote(c, 0);
    else if (RING_ON(c->net)) ring_send(c); /* the rest */
    else uv_send(c); /* (the ring is off: ring_mode) */
}

/* Handle every completion the ring holds. Returns 1 if any was more than
 * a send that sent everything (input, libuv's events, an error). */
static int ring_reap(sb_net *n) {
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    int news = 0;
    io_uring_for_each_cqe(&n->ring, head, cqe) {
        seen++;
        uint64_t ud = io_uring_cqe_get_data64(cqe);
        int op = (int)(ud & 3);
        if (op == OP_CANCEL) continue; /* (it found nothing: ring_cancel) */
        if (op == OP_POLL) {
            n->poll_armed = 0;
            news = 1;
            continue;
        }
        sb_conn *c = (sb_conn *)(uintptr_t)(ud & ~(uint64_t)3);
        c->ring_ops--;
        n->ring_ops--;
        if (op == OP_RECV) {
            news = 1;
            ring_recv_done(c, cqe->res, cqe->flags);
        } else {
            news |= cqe->res < 0 || c->closing || c->woff + (size_t)cqe->res < c->wbuf.len;
            ring_send_done(c, cqe->res);
        }
        maybe_free(c);
    }
    io_uring_cq_advance(&n->ring, seen);
    return news;
}

static void on_idle(uv_idle_t *h) { uv_idle_stop(h); }

/* Submit what is queued and handle what has completed, without waiting. */
static void ring_collect(sb_net *n) {
    io_uring_submit_and_get_events(&n->ring);
    if (io_uring_sq_ready(&n->ring)) ring_submit(n); /* (a short submit) */
    n->sends = n->quick_sends = 0;
    ring_reap(n);
}

/* The loop's wait (the end of on_prepare): submit what the iteration put
 * in the ring and wait in it for a completion, for libuv's epoll fd (its
 * handles: the listener, the engine's wake-ups, signals) or for libuv's
 * next timer. The sends just queued complete at once, as the socket takes
 * them: the wait is for one completion more than those (else it would end
 * at once, and the loop would go round and enter the kernel again for the
 * input: at -c 1, 2.5 entries and 1.7 epoll polls per request instead of
 * one each). A send that must wait for its socket does not hold the rest
 * for more than 1 ms; its connection's sends then no longer count, until
 * one goes whole again. */
static void ring_wait(sb_net *n) {
    if (!n->uring) return;
    int uv_changed = n->uv_changed;
    n->uv_changed = 0;
    if (!n->ring_on) {
        /* epoll: libuv's poll waits. What the ring still holds (after a
         * switch: cancelled requests) ends at once: collect it, and come
         * back without waiting while any is left. */
        if (!n->ring_ops && !io_uring_sq_ready(&n->ring)) return;
        ring_collect(n);
        if (n->ring_ops) uv_idle_start(&n->idle, on_idle);
        return;
    }
    if (!n->poll_armed) {
        struct io_uring_sqe *s = ring_sqe(n);
        io_uring_prep_poll_add(s, uv_backend_fd(n->loop), POLLIN);
        io_uring_sqe_set_data64(s, OP_POLL);
        n->poll_armed = 1;
    }
    struct io_uring_cqe *cqe;
    int news = io_uring_cq_ready(&n->ring) ? ring_reap(n) : 0;
    /* (a libuv read or write that began since its last poll is not in its
     * epoll set yet: its poll must come first, without waiting) */
    if (news || n->batch->count || uv_changed) { /* handle what came first */
        ring_collect(n);
    } else {
        unsigned k = 1 + n->quick_sends;
        int ms = uv_backend_timeout(n->loop);
        if (k > 1 && (ms < 0 || ms > 1)) ms = 1;
        struct __kernel_timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long long)(ms % 1000) * 1000000};
        int r = io_uring_submit_and_wait_timeout(&n->ring, &cqe, k, ms >= 0 ? &ts : NULL, NULL);
        if (io_uring_sq_ready(&n->ring)) ring_submit(n); /* (a short submit) */
        n->sends = n->quick_sends = 0;
        ring_reap(n);
        if (r == -ETIME && k > 1)
            for (sb_conn *c = n->conns; c; c = c->next)
                if (c->writing && c->ring_wr) c->slow = 1;
    }
    uv_idle_start(&n->idle, on_idle);
}

/* Hand everything queued to the kernel. The kernel may take less (short
 * of memory, or its completion queue overflowed: then its completions are
 * reaped and it goes on); a request left queued could outlive its
 * socket's descriptor, whose number may name another socket next. */
static void ring_submit(sb_net *n) {
    if (!n->uring) return;
    for (int tries = 0; io_uring_sq_ready(&n->ring); tries++) {
        int r = io_uring_submit(&n->ring);
        if (r >= 0 || r == -EINTR) continue;
        if ((r == -EAGAIN || r == -EBUSY) && tries < 1000) {
            ring_reap(n);
            struct timespec ts = {0, 100 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        sb_log(LOG_WARNING, "io_uring submit failed: %s", strerror(-r));
        abort();
    }
    n->sends = n->quick_sends = 0; /* (their completions are in, or on their way) */
}

/* Replies queued in the ring go out now (before this thread waits
 * elsewhere); receives armed meanwhile wait for the ring wait. */
static void ring_push(sb_net *n) {
    if (n->uring && n->sends) ring_submit(n);
}

static int ring_has_input(sb_net *n) {
    if (!n->uring || (!n->ring_on && !n->ring_ops)) return 0;
    if (io_uring_cq_ready(&n->ring)) return 1;
    return n->taskrun_flag && (IO_URING_READ_ONCE(*n->ring.sq.kflags) & IORING_SQ_TASKRUN);
}

/* Whether the connections' I/O goes through the ring: while at least
 * io-uring-clients clients are at work (those that sent something in the
 * last ACTIVE_MS period, as coalesce counts them), and until fewer than
 * half that many are; through libuv's epoll otherwise. Why: with a few
 * clients each request is a loop iteration of its own, and a receive
 * completed through io_uring's poll and task work costs more in the kernel
 * than epoll_wait and read. Measured on 2 vCPUs, GET -P 1 appendonly no,
 * server CPU time per request, ring against epoll: -c 1 24.5 us against
 * 21.0, -c 2 16.3/14.8, -c 4 15.9/14.5, -c 8 13.0/13.5, -c 50 11-14% less.
 * Switching to epoll: a reading connection's receive in the ring is
 * cancelled, and libuv reads it only after that receive's completion
 * (which may bring input) was handled; a send waiting in the ring is
 * cancelled too, and the rest of it goes through libuv (ring_send_done).
 * Switching to the ring: libuv's reading stops at once; a libuv write in
 * flight ends in libuv, and the next write takes the ring. */
static void ring_cancel(sb_conn *c, int op) {
    struct io_uring_sqe *s = ring_sqe(c->net);
    io_uring_prep_cancel64(s, (uint64_t)(uintptr_t)c | (uint64_t)op, 0);
    io_uring_sqe_set_data64(s, OP_CANCEL);
    s->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

static void ring_mode(sb_net *n) {
    if (!n->uring || n->shutting_down) return;
    long long t = atomic_load_explicit(&n->cfg->io_uring_clients, memory_order_relaxed);
    int on = n->ring_on ? n->active_said >= (t + 1) / 2 : n->active_said >= t;
    if (on == n->ring_on) return;
    /* a switch costs a call or two per connection: with many open and the
     * load about the threshold, at most one per RING_SWITCH_MS (unless
     * io-uring-clients changed) */
    uint64_t now = uv_now(n->loop);
    if (t == n->ring_clients && n->ring_switch_ms && now - n->ring_switch_ms < RING_SWITCH_MS)
        return;
    n->ring_clients = t;
    n->ring_switch_ms = now;
    n->ring_on = on;
    atomic_fetch_add_explicit(&n->stats.uring_switches, 1, memory_order_relaxed);
    for (sb_conn *c = n->conns; c; c = c->next) {
        if (c->closing) continue;
        if (!on) { /* (their completions go on through libuv) */
            if (c->recv_armed) ring_cancel(c, OP_RECV);
            if (c->writing && c->ring_wr) ring_cancel(c, OP_SEND);
            continue;
        }
        if (c->uv_reading) uv_read_stop((uv_stream_t *)&c->tcp);
        c->uv_reading = 0;
        read_more(c);
    }
}

/* Set up the ring, or say why not (then libuv's epoll does it all). */
static void ring_open(sb_net *n) {
    if (!atomic_load(&n->cfg->io_uring)) return;
    struct io_uring_params p;
    unsigned flags[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                            IORING_SETUP_TASKRUN_FLAG,
                        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
    int r = -EINVAL;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && r == -EINVAL; i++) {
        memset(&p, 0, sizeof(p));
        /* a receive and a send per connection can complete at once */
        long long cq = 2 * atomic_load(&n->cfg->maxclients) + 64;
        p.flags = flags[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = (unsigned)(cq < 2 * RING_ENTRIES ? 2 * RING_ENTRIES : cq > 1 << 20 ? 1 << 20 : cq);
        r = io_uring_queue_init_params(RING_ENTRIES, &n->ring, &p);
        n->taskrun_flag = r == 0 && (flags[i] & IORING_SETUP_TASKRUN_FLAG);
    }
    if (r < 0) {
        sb_log(LOG_NOTICE, "io_uring is not available here (%s): client I/O through epoll",
               strerror(-r));
        return;
    }
    size_t brsize = RBUF_COUNT * sizeof(struct io_uring_buf);
    void *br = NULL;
    n->rbufs = malloc((size_t)RBUF_COUNT * RBUF_SIZE);
    if (!n->rbufs || posix_memalign(&br, 4096, brsize) != 0) abort();
    struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)br,
                                   .ring_entries = RBUF_COUNT, .bgid = RBUF_GROUP};
    r = io_uring_register_buf_ring(&n->ring, &reg, 0);
    if (r < 0) {
        sb_log(LOG_NOTICE, "io_uring buffer rings are not available here (%s): client I/O "
               "through epoll", strerror(-r));
        io_uring_queue_exit(&n->ring);
        free(br);
        free(n->rbufs);
        n->rbufs = NULL;
        return;
    }
    n->br = br;
    io_uring_buf_ring_init(n->br);
    for (unsigned i = 0; i < RBUF_COUNT; i++)
        io_uring_buf_ring_add(n->br, n->rbufs + (size_t)i * RBUF_SIZE, RBUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(RBUF_COUNT), (int)i);
    io_uring_buf_ring_advance(n->br, RBUF_COUNT);
    uv_idle_init(n->loop, &n->idle);
    n->uring = 1;
    atomic_store(&n->stats.io_uring, 1);
}

/* Shutdown: wait in the ring, 10 ms at a time and for at most tries of
 * them, until done(n) says what it waits for has ended. */
static void ring_wait_until(sb_net *n, int (*done)(sb_net *), int tries) {
    for (int i = 0; i < tries && !done(n); i++) {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000};
        io_uring_submit_and_wait_timeout(&n->ring, &cqe, 1, &ts, NULL);
        ring_reap(n);
    }
}

static int no_ring_writes(sb_net *n) {
    for (sb_conn *c = n->conns; c; c = c->next)
        if (c->writing && c->ring_wr) return 0;
    return 1;
}

static int no_ring_ops(sb_net *n) { return !n->ring_ops; }

/* Shutdown, before the connections close: let the replies in the ring
 * (and those queued behind them) go out, for half a second at most, as
 * the epoll path's last writes do what the sockets take. */
static void ring_flush_writes(sb_net *n) {
    if (n->uring) ring_wait_until(n, no_ring_writes, 50);
}

/* Shutdown: the connections are closing; wait (a little) for their
 * requests to end, so that they can be freed. */
static void ring_finish(sb_net *n) {
    if (!n->uring) return;
    ring_wait_until(n, no_ring_ops, 100);
    uv_close((uv_handle_t *)&n->idle, NULL);
}

static void ring_close(sb_net *n) {
    if (!n->uring) return;
    io_uring_queue_exit(&n->ring);
    free(n->br);
    free(n->rbufs);
}
#else
static void ring_recv(sb_conn *c) { (void)c; }
static void ring_send(sb_conn *c) { (void)c; }
static void ring_release(sb_conn *c) { (void)c; }
static void ring_wait(sb_net *n) { (void)n; }
static void ring_mode(sb_net *n) { (void)n; }
static int ring_has_input(sb_net *n) { (void)n; return 0; }
static void ring_push(sb_net *n) { (void)n; }
static void ring_open(sb_net *n) { (void)n; }
static void ring_finish(sb_net *n) { (void)n; }
static void ring_flush_writes(sb_net *n) { (void)n; }
static void ring_close(sb_net *n) { (void)n; }
#endif

/* ---------------------------------------------------------- accepting */

static void fmt_addr(const struct sockaddr_storage *ss, char *out, size_t cap) {
    char ip[64] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)ss;
        uv_ip4_name(a, ip, sizeof(ip));
        port = ntohs(a->sin_port);
        snprintf(out, cap, "%s:%d", ip, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)ss;
        uv_ip6_name(a, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
        snprintf(out, cap, "[%s]:%d", ip, port);
    } else {
        snprintf(out, cap, "?:0");
    }
}

/* An accepted connection that is not served: one error line, then close. */
static void refuse(sb_conn *c, const char *msg) {
    uv_buf_t b = uv_buf_init((char *)msg, (unsigned)strlen(msg));
    uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    c->net->stats.rejected++;
    c->released = 1;
    c->closing = 1;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_connection(uv_stream_t *server, int status) {
    sb_net *n = server->data;
    if (status < 0) return;
    sb_conn *c = calloc(1, sizeof(*c));
    if (!c) return;
    c->net = n;
    uv_tcp_init(n->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        c->released = 1;
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    if ((long long)n->stats.connected >= n->cfg->maxclients || n->shutting_down) {
        refuse(c, "-ERR max number of clients reached\r\n");
        return;
    }
    struct sockaddr_storage peer;
    int plen = sizeof(peer);
    memset(&peer, 0, sizeof(peer));
    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen);
    if (sb_protected_refuses((int)n->cfg->protected_mode, (int)n->cfg->has_password,
                             (const struct sockaddr *)&peer)) {
        refuse(c, SB_PROTECTED_MSG);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (n->cfg->tcp_keepalive > 0)
        uv_tcp_keepalive(&c->tcp, 1, (unsigned)n->cfg->tcp_keepalive);

    struct sockaddr_storage ss;
    int len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len);
    fmt_addr(&ss, c->ec.addr, sizeof(c->ec.addr));
    len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len);
    fmt_addr(&ss, c->ec.laddr, sizeof(c->ec.laddr));
    uv_os_fd_t fd = -1;
    uv_fileno((uv_handle_t *)&c->tcp, &fd);
    c->ec.fd = fd;
    c->ec.id = ++n->next_id;
    c->ec.ctime_ms = now_ms();
    c->last_ms = (int64_t)uv_now(n->loop);
    c->reply_est = REPLY_EST_INITIAL;

    resp_limits lim;
    resp_limits_default(&lim);
    lim.max_bulk_len = (size_t)n->cfg->limits.proto_max_bulk_len;
    /* Redis 7.0 accepts any multibulk count up to INT_MAX (the parser
     * allocates per argument received, never for the declared count). */
    lim.max_multibulk_len = INT_MAX;
    resp_parser_init(&c->parser, &lim);

    c->registered = 1;
    c->next = n->conns;
    if (n->conns) n->conns->prev = c;
    n->conns = c;
    n->stats.connected++;
    eng_inbatch_add(n->batch, &c->ec, ENG_MSG_OPEN, 0, NULL, NULL);
    resume_reading(c);
}

/* Once a second: idle timeout, soft output limits, draining's end. */
static void on_timer(uv_timer_t *t) {
    sb_net *n = t->data;
    int64_t now = (int64_t)uv_now(n->loop);
    long long timeout = n->cfg->timeout;
    sb_conn *next;
    for (sb_conn *c = n->conns; c; c = next) {
        next = c->next;
        if (timeout > 0 && c->inflight == 0 && !c->writing && !c->pubsub && /* (as Redis) */
            now - c->last_ms > timeout * 1000) {
            sb_log(LOG_VERBOSE, "Closing idle client id=%llu addr=%s",
                   (unsigned long long)c->ec.id, c->ec.addr);
            conn_close(c);
            continue;
        }
        if (c->obuf.len + c->wbuf.len) check_obuf_limit(c, now);
    }
    for (sb_conn *c = n->drains; c; c = next) {
        next = c->next;
        if (now - c->drain_ms >= DRAIN_MS) conn_close(c);
    }
}

/* ---------------------------------------------------------- lifecycle */

sb_net *sb_net_create(uv_loop_t *loop, sb_config *cfg, char *err, size_t errlen) {
    sb_net *n = calloc(1, sizeof(*n));
    if (!n) abort();
    n->loop = loop;
    n->cfg = cfg;
    n->batch = eng_inbatch_new();
    n->sched_fd = SCHED_UNOPENED;
    uv_mutex_init(&n->out_mu);
    uv_cond_init(&n->out_cv);

    struct sockaddr_storage addr;
    int r;
    if (strchr(cfg->bind, ':'))
        r = uv_ip6_addr(cfg->bind, (int)cfg->port, (struct sockaddr_in6 *)&addr);
    else
        r = uv_ip4_addr(cfg->bind, (int)cfg->port, (struct sockaddr_in *)&addr);
    if (r == 0) {
        uv_tcp_init(loop, &n->listener);
        n->listener.data = n;
        r = uv_tcp_bind(&n->listener, (struct sockaddr *)&addr, 0);
        if (r == 0)
            r = uv_listen((uv_stream_t *)&n->listener, (int)cfg->tcp_backlog, on_connection);
        if (r != 0) {
            snprintf(err, errlen, "Could not create server TCP listening socket %s:%lld: %s",
                     cfg->bind, (long long)cfg->port, uv_strerror(r));
            uv_close((uv_handle_t *)&n->listener, NULL);
            uv_run(loop, UV_RUN_NOWAIT);
            eng_inbatch_free(n->batch);
            uv_mutex_destroy(&n->out_mu);
            uv_cond_destroy(&n->out_cv);
            free(n);
            return NULL;
        }
    } else {
        snprintf(err, errlen, "Invalid bind address '%s': %s", cfg->bind, uv_strerror(r));
        eng_inbatch_free(n->batch);
        uv_mutex_destroy(&n->out_mu);
        uv_cond_destroy(&n->out_cv);
        free(n);
        return NULL;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    uv_tcp_getsockname(&n->listener, (struct sockaddr *)&ss, &len);
    n->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    sb_spin_init(&n->spin, &cfg->limits.busy_poll_us);
    uv_check_init(loop, &n->check);
    n->check.data = n;
    uv_check_start(&n->check, on_check);
    uv_prepare_init(loop, &n->prepare);
    n->prepare.data = n;
    uv_prepare_start(&n->prepare, on_prepare);
    uv_async_init(loop, &n->out_async, on_out);
    n->out_async.data = n;
    uv_timer_init(loop, &n->timer);
    n->timer.data = n;
    uv_timer_start(&n->timer, on_timer, 1000, 1000);
    ring_open(n);
    return n;
}

void sb_net_set_engine(sb_net *n, eng_engine *e) { n->eng = e; }

/* Called after the engine has stopped: write what it produced (best
 * effort), then close everything. */
void sb_net_shutdown(sb_net *n) {
    n->shutting_down = 1;
    drain_out(n);
    ring_flush_writes(n);
    sb_conn *next;
    for (sb_conn *c = n->conns; c; c = next) {
        next = c->next;
        c->released = 1;
        conn_close(c);
    }
    while (n->drains) { /* (their clients were released, or never will be) */
        n->drains->released = 1;
        conn_close(n->drains);
    }
    ring_finish(n);
    if (!uv_is_closing((uv_handle_t *)&n->listener))
        uv_close((uv_handle_t *)&n->listener, NULL);
    uv_close((uv_handle_t *)&n->check, NULL);
    uv_close((uv_handle_t *)&n->prepare, NULL);
    uv_close((uv_handle_t *)&n->out_async, NULL);
    uv_close((uv_handle_t *)&n->timer, NULL);
}

/* Stop accepting new connections (first step of a shutdown). */
void sb_net_stop_listening(sb_net *n) {
    if (!uv_is_closing((uv_handle_t *)&n->listener))
        uv_close((uv_handle_t *)&n->listener, NULL);
    flush_batch(n);
}

void sb_net_destroy(sb_net *n) {
    if (!n) return;
    eng_inbatch_free(n->batch);
    if (n->sched_fd >= 0) close(n->sched_fd);
    ring_close(n);
    uv_mutex_destroy(&n->out_mu);
    uv_cond_destroy(&n->out_cv);
    free(n);
}
