/* net.h -- the I/O thread: libuv listener, connections, parsing, replies.
 *
 * Owns: the listening socket, every connection (socket, RESP parser, output
 * buffers), the batch being filled for the engine, the queue of reply
 * batches coming back from the engine, and (io-uring, where the kernel
 * allows it) the io_uring through which the connections' sockets are read
 * and written while io-uring-clients or more are at work, with its receive
 * buffers; otherwise libuv reads and writes them (epoll).
 *
 * Threads: everything runs on the thread that runs the net's uv loop (the
 * main thread, which creates the ring and is the only one to submit to
 * it), except sb_net_release, which the engine (or, later, the WAL writer)
 * calls to hand back reply batches, and sb_net_stats, readable from any
 * thread.
 *
 * Promises:
 *  - All commands parsed from all connections during one loop iteration go
 *    to the engine as ONE batch (one wake-up), in per-connection order.
 *  - Replies are written with vectored writes straight from the engine's
 *    batch when the socket takes them; only what the kernel refuses is
 *    copied into the connection's pending buffer.
 *  - A connection is freed only after the engine has released it, so the
 *    engine never sees a dangling client.
 *  - Limits: maxclients, client-query-buffer-limit, the output buffer limit
 *    for normal clients and idle timeout close the offending connection and
 *    nothing else.
 *  - A connection's commands reach the engine in rounds sized so that
 *    their replies (estimated from its recent replies) stay within a few
 *    MB: a client pipelining big GETs cannot make the engine build
 *    gigabytes of output before the output limit can act. The rest of
 *    what it sent waits, unparsed, and its socket is not read meanwhile.
 */
#ifndef SB_NET_H
#define SB_NET_H

#include <stdint.h>
#include <uv.h>
#include "config.h"
#include "engine.h"

typedef struct sb_net sb_net;

typedef struct sb_net_stats {
    _Atomic uint64_t connected;
    _Atomic uint64_t rejected;
    _Atomic uint64_t net_input_bytes;
    _Atomic uint64_t net_output_bytes;
    _Atomic uint64_t reads, writes;  /* socket reads with data, writes (INFO total_*_processed) */
    _Atomic uint64_t obuf_disconnects;
    _Atomic uint64_t qbuf_disconnects;
    _Atomic uint64_t reply_waits; /* on_prepare waited for replies, not input */
    _Atomic uint64_t coalesce_sleeps; /* it slept io-coalesce us before the poll */
    _Atomic uint64_t coalesce_contended; /* periods without sleeps: it waited for a CPU */
    _Atomic uint64_t uring_nobufs; /* io_uring receives that found no buffer */
    _Atomic uint64_t uring_switches; /* between the ring and epoll (ring_mode) */
    _Atomic int io_uring;     /* client I/O goes through io_uring (not reset) */
} sb_net_stats;

/* Creates the listener on cfg->bind:cfg->port. Returns NULL and fills err
 * on failure. */
sb_net *sb_net_create(uv_loop_t *loop, sb_config *cfg, char *err, size_t errlen);
void sb_net_set_engine(sb_net *n, eng_engine *e);
/* The eng_options.release callback (ud = the sb_net). */
void sb_net_release(void *ud, eng_outbatch *b);
/* Stop accepting and hand the last batch to the engine (shutdown, step 1). */
void sb_net_stop_listening(sb_net *n);
/* After the engine stopped: write what it produced (best effort), close
 * every connection and the net's handles (shutdown, step 2). */
void sb_net_shutdown(sb_net *n);
void sb_net_destroy(sb_net *n);
const sb_net_stats *sb_net_stats_of(const sb_net *n);
/* CONFIG RESETSTAT: zero the counters (not the connection count). Any
 * thread; the counters are atomic. */
void sb_net_reset_stats(sb_net *n);
int sb_net_port(const sb_net *n);

#endif
