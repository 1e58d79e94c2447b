/* pubsub.h -- SUBSCRIBE / PSUBSCRIBE / PUBLISH / PUBSUB, as Redis 7.0 has
 * them (not sharded: SSUBSCRIBE and SPUBLISH are not here).
 *
 * Owns: the channel -> subscribers index, the pattern subscriptions, each
 * client's subscriptions (eng_client.ps), and the messages made by the
 * running command for other clients until the engine appends them.
 *
 * Threads: engine thread only (a command handler's thread: the engine
 * thread, or the I/O thread running a batch inline while it holds the
 * engine).
 *
 * Promises:
 *  - Messages are not data: nothing is logged, and a PUBLISH being
 *    replayed (recovery, DEBUG RELOAD, the rebuild after a WAL failure,
 *    a script re-run) delivers nothing, so no subscriber sees a message
 *    twice.
 *  - A message for another client goes out after the reply of the
 *    command that published it (pubsub_flush, called by the engine once
 *    that reply's span is made), in the same reply batch: under
 *    appendfsync always it waits, like every reply of that batch, for the
 *    batch's changes to be durable.
 *  - A client's subscriptions end with it (pubsub_client_free) or RESET.
 */
#ifndef PUBSUB_H
#define PUBSUB_H

#include "engine.h"

typedef struct pubsub pubsub;

pubsub *pubsub_create(void);
void pubsub_destroy(pubsub *ps);

/* Subscriptions (channels + patterns) of c: 0 when none. */
size_t pubsub_count(const eng_client *c);
size_t pubsub_client_channels(const eng_client *c); /* CLIENT LIST sub= */
size_t pubsub_client_patterns(const eng_client *c); /* psub= */
/* In RESP2 a client with subscriptions may run only these commands. */
int pubsub_allowed_subscribed(const eng_cmd *cmd);
/* Drop all of c's subscriptions (disconnection, RESET; no reply). */
void pubsub_client_free(pubsub *ps, eng_client *c);

/* Append the messages made for other clients since the last call, each
 * with its own span (eng_out_span). */
typedef void pubsub_span_fn(void *ud, eng_client *c, size_t off);
void pubsub_flush(pubsub *ps, resp_buf *out, pubsub_span_fn *span, void *ud);

/* Forget the messages not flushed yet (a command that did not run after
 * all: an inline script that yielded to the engine thread). */
void pubsub_drop(pubsub *ps);

size_t pubsub_nchannels(const pubsub *ps);
size_t pubsub_npatterns(const pubsub *ps);

eng_cmd_fn cmd_subscribe, cmd_unsubscribe, cmd_psubscribe, cmd_punsubscribe, cmd_publish,
    cmd_pubsub;

#endif
