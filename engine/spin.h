/* spin.h -- adaptive busy-polling before a thread goes to sleep.
 *
 * A request crosses threads twice (I/O -> engine -> I/O, and through the
 * WAL writer in always mode). Waking a sleeping thread costs a futex or
 * eventfd call on one side and a wake-up from idle on the other: on a
 * virtual machine that is 10-20 us per hand-over, more than the command
 * itself. A thread that expects its next piece of work within a few tens
 * of microseconds therefore polls for it first, and sleeps only if it does
 * not come.
 *
 * Polling is only worth it when the wait is short, so each waiter keeps a
 * moving average of how long its recent waits lasted (polled or slept) and
 * polls only while that average is under the limit: under a steady stream
 * of single requests it polls, while fsyncs, idle clients or a saturated
 * machine (where the wait is long) put it back to sleeping at once. The
 * poll loop yields the CPU between polls, so that a thread waiting for
 * this CPU (often the one that will hand over the work) runs first. With
 * a single CPU to run on (taskset, a container's cpuset) nothing polls.
 *
 * Nor does anything poll while as many clients as there are CPUs are at
 * work (sb_spin_set_clients, from the network layer): a poller then holds
 * a CPU that a client or another server thread needs. Measured on 2 CPUs
 * with redis-benchmark, everysec: one client, 12k requests/s without
 * polling and 20k with; 50 clients, 57k without and 37k with.
 *
 * Owns nothing but the waiter's average; reads the limit (the busy-poll
 * option) at each wait. One sb_spin per waiting thread;
 * only that thread may use it.
 */
#ifndef SB_SPIN_H
#define SB_SPIN_H

#include <stdint.h>

typedef struct sb_spin {
    const _Atomic long long *limit_us; /* poll at most this long; 0 = never
                                          (the busy-poll option, any thread
                                          may change it) */
    int64_t avg_ns;                    /* recent waits (1/8 weight) */
} sb_spin;

void sb_spin_init(sb_spin *s, const _Atomic long long *limit_us);

/* Poll ready(ud) until it returns non-zero or the limit passes; returns
 * its last result. Does not poll at all (returns 0) while recent waits
 * were longer than the limit. */
int sb_spin_wait(const sb_spin *s, int (*ready)(void *ud), void *ud);

/* Record a finished wait of waited_ns (polling plus sleeping). */
void sb_spin_note(sb_spin *s, int64_t waited_ns);

/* How many clients sent commands lately (any thread; the last call
 * wins). Nothing polls while they are at least as many as the CPUs. */
void sb_spin_set_clients(int n);
/* The last count set (any thread). */
int sb_spin_clients(void);
/* The network layer, on its own thread, around a batch it runs inline: 1
 * when the clients in flight send a command or two per round trip, so that
 * the thread would wait for the batch's commit anyway -- a commit the WAL
 * may then make on this thread, as with a lone client (wal.c
 * can_commit_inline). Seen by the calling thread only. */
void sb_spin_set_commit_hint(int on);
int sb_spin_commit_hint(void);
/* wal.c: the calling thread committed (wrote and synced) a group itself.
 * sb_spin_take_committed says whether it did since its last call, and
 * forgets it: the network layer, which then need not wait for more
 * requests before its next poll -- the fsync was that wait. */
void sb_spin_note_committed(void);
int sb_spin_take_committed(void);

/* Monotonic clock in ns (the same one the waits are measured with). */
int64_t sb_spin_now(void);

#endif
