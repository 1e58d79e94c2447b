/* info.h -- what the process-wide commands (INFO, SHUTDOWN) need to know
 * about the process: its modules and a few facts fixed at start-up.
 *
 * Owns: nothing; main.c owns the sb_process and binds it once, before the
 * engine thread starts. Threads: read by the engine thread afterwards.
 */
#ifndef SB_INFO_H
#define SB_INFO_H

#include <stdint.h>
#include "config.h"
#include "net.h"

typedef struct sb_process {
    sb_config *cfg;
    sb_net *net;
    eng_engine *eng;
    char run_id[41];
    char executable[512];
    /* asks the main loop to shut down (any thread) */
    void (*request_shutdown)(struct sb_process *p);
    /* engine thread: for instantaneous_ops_per_sec */
    int64_t ops_sample_ms;
    uint64_t ops_sample_cmds;
    uint64_t in_sample_bytes, out_sample_bytes; /* instantaneous_*_kbps */
    long long peak_memory;   /* engine thread: largest used_memory seen */
    long long startup_memory; /* heap in use before the data was loaded */
} sb_process;

void sb_info_bind(sb_process *p);
/* CONFIG RESETSTAT (engine thread): engine, network and INFO's own stats. */
void sb_info_reset_stats(eng_engine *e);

#endif
