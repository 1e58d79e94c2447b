/* commands.h -- the command table: names, arity, flags, key positions,
 * documentation, and the COMMAND command that reports them.
 *
 * Owns: the static table of every command and subcommand, and a
 * case-insensitive index built once at start-up.
 * Threads: sb_commands_init on the main thread before the engine starts;
 * sb_command_lookup and cmd_command afterwards from the engine thread
 * (the index is read-only by then).
 */
#ifndef SB_COMMANDS_H
#define SB_COMMANDS_H

#include <stddef.h>
#include "engine.h"

void sb_commands_init(void);
const eng_cmd *sb_command_lookup(const char *name, size_t n);
size_t sb_command_count(void);
void cmd_command(eng_ctx *x);
/* ACL: one user, "default", all commands, keys and channels; its password
 * is requirepass. WHOAMI, USERS, LIST, GETUSER, CAT, LOG, GENPASS, HELP. */
void cmd_acl(eng_ctx *x);

/* Handlers implemented in server/ (they need the process). */
void cmd_info(eng_ctx *x);
void cmd_memory(eng_ctx *x); /* MEMORY DOCTOR, MALLOC-STATS, PURGE, STATS, HELP */
void cmd_latency(eng_ctx *x); /* LATENCY HISTOGRAM (real), DOCTOR, LATEST, HISTORY, RESET, GRAPH, HELP */
void cmd_shutdown(eng_ctx *x);

#endif
