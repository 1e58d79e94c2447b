/* info.c -- INFO and SHUTDOWN: the commands that report on, or stop, the
 * whole process. They run on the engine thread; what they read from the
 * I/O side (connection counters) is atomic.
 */
#include "cmdstats.h"
#include "commands.h"
#include "config.h"
#include "info.h"
#include "pubsub.h"
#include "keyspace.h"
#include "net.h"
#include "script.h"
#include "persist.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static sb_process *proc; /* bound once at start-up */

void sb_info_bind(sb_process *p) {
    proc = p;
    p->startup_memory = eng_heap_in_use();
}

void sb_info_reset_stats(eng_engine *e) {
    eng_reset_stats(e);
    if (!proc) return;
    if (proc->net) sb_net_reset_stats(proc->net);
    proc->peak_memory = 0;
}

static void addf(resp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(resp_buf *b, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) resp_buf_append(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Redis's bytesToHuman: "123B", "1.21K", "5.00M", ... */
static void human(char *out, size_t cap, double v) {
    static const char *const units[] = {"K", "M", "G", "T", "P"};
    if (v < 1024) {
        snprintf(out, cap, "%lluB", (unsigned long long)v);
        return;
    }
    int u = 0;
    v /= 1024;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(out, cap, "%.2f%s", v, units[u]);
}

static long long total_system_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    return pages > 0 && psize > 0 ? (long long)pages * psize : 0;
}

static long long rss_bytes(void) {
    long long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lld %lld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * sysconf(_SC_PAGESIZE);
}

static int want(int argc, eng_arg *argv, const char *sec, int dflt) {
    if (argc <= 1) return dflt;
    for (int i = 1; i < argc; i++) {
        if (eng_arg_is(&argv[i], sec) || eng_arg_is(&argv[i], "all") ||
            eng_arg_is(&argv[i], "everything"))
            return 1;
        if (eng_arg_is(&argv[i], "default") && dflt) return 1;
    }
    return 0;
}

/* The heap as MEMORY STATS and INFO memory break it down. */
typedef struct mem_report {
    long long total, held, peak, startup, rss, lua, overhead, keys;
} mem_report;
static void mem_measure(eng_engine *e, mem_report *m);

static void add_script_bytes(void *ud, const char *sha, const char *body, size_t len) {
    (void)sha;
    (void)body;
    *(size_t *)ud += len;
}

static void section(resp_buf *b, const char *title) {
    if (b->len) resp_buf_append(b, "\r\n", 2);
    addf(b, "# %s\r\n", title);
}

void cmd_info(eng_ctx *x) {
    if (!proc) { /* an engine without a server process (strongbox-check replay) */
        eng_reply_error(x, "ERR INFO is not available without a running server");
        return;
    }
    resp_buf b;
    resp_buf_init(&b);
    eng_engine *e = x->eng;
    sb_config *cfg = proc->cfg;
    const eng_stats *st = eng_get_stats(e);
    const sb_net_stats *ns = sb_net_stats_of(proc->net);
    int64_t now = x->now_ms;
    long long uptime = (now - eng_start_time_ms(e)) / 1000;

    if (want(x->argc, x->argv, "server", 1)) {
        struct utsname u;
        uname(&u);
        section(&b, "Server");
        addf(&b, "redis_version:%s\r\n", ENG_REDIS_COMPAT_VERSION);
        addf(&b, "strongbox_version:%s\r\n", SB_VERSION);
        addf(&b, "redis_git_sha1:00000000\r\nredis_git_dirty:0\r\n");
        addf(&b, "redis_build_id:strongbox\r\nredis_mode:standalone\r\n");
        addf(&b, "os:%s %s %s\r\n", u.sysname, u.release, u.machine);
        addf(&b, "arch_bits:%d\r\n", (int)(sizeof(void *) * 8));
        addf(&b, "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:%s\r\n",
             ns->io_uring ? "io_uring" : "epoll");
        addf(&b, "atomicvar_api:c11-builtin\r\n");
#ifdef __VERSION__
        addf(&b, "gcc_version:%s\r\n", __VERSION__);
#endif
        addf(&b, "process_id:%d\r\nprocess_supervised:no\r\n", (int)getpid());
        addf(&b, "run_id:%s\r\n", proc->run_id);
        addf(&b, "tcp_port:%d\r\n", sb_net_port(proc->net));
        addf(&b, "server_time_usec:%lld\r\n", (long long)now * 1000);
        addf(&b, "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\n", uptime, uptime / 86400);
        addf(&b, "hz:%lld\r\nconfigured_hz:%lld\r\n", (long long)cfg->hz, (long long)cfg->hz);
        addf(&b, "lru_clock:%lld\r\n", (long long)((now / 1000) & 0xFFFFFF));
        addf(&b, "executable:%s\r\n", proc->executable);
        addf(&b, "config_file:%s\r\n", cfg->config_file ? cfg->config_file : "");
        addf(&b, "io_threads_active:0\r\n");
    }
    if (want(x->argc, x->argv, "clients", 1)) {
        section(&b, "Clients");
        addf(&b, "connected_clients:%zu\r\ncluster_connections:0\r\n", eng_client_count(e));
        addf(&b, "maxclients:%lld\r\n", (long long)cfg->maxclients);
        addf(&b, "client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n");
        addf(&b, "blocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n");
    }
    if (want(x->argc, x->argv, "memory", 1)) {
        mem_report m;
        mem_measure(e, &m);
        long long used = m.total;
        long long rss = m.rss;
        char h1[32], h2[32], h3[32];
        human(h1, sizeof(h1), (double)used);
        human(h2, sizeof(h2), (double)rss);
        human(h3, sizeof(h3), (double)cfg->limits.maxmemory);
        section(&b, "Memory");
        addf(&b, "used_memory:%lld\r\nused_memory_human:%s\r\n", used, h1);
        addf(&b, "used_memory_rss:%lld\r\nused_memory_rss_human:%s\r\n", rss, h2);
        if (used > proc->peak_memory) proc->peak_memory = used;
        char h4[32], h5[32];
        human(h4, sizeof(h4), (double)proc->peak_memory);
        long long sysmem = total_system_memory();
        human(h5, sizeof(h5), (double)sysmem);
        addf(&b, "used_memory_peak:%lld\r\nused_memory_peak_human:%s\r\n",
             proc->peak_memory, h4);
        long long net = used > m.startup ? used - m.startup : 0;
        long long dataset = used > m.overhead ? used - m.overhead : 0;
        addf(&b, "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%lld\r\n"
             "used_memory_startup:%lld\r\nused_memory_dataset:%lld\r\n"
             "used_memory_dataset_perc:%.2f%%\r\n",
             m.peak ? 100.0 * (double)used / (double)m.peak : 0.0, m.overhead, m.startup, dataset,
             net ? 100.0 * (double)dataset / (double)net : 0.0);
        /* glibc's view: bytes in use, bytes it holds from the system */
        long long active = m.held < used ? used : m.held;
        addf(&b, "allocator_allocated:%lld\r\nallocator_active:%lld\r\nallocator_resident:%lld\r\n",
             used, active, rss);
        addf(&b, "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n",
             used ? (double)active / (double)used : 0.0, active - used);
        addf(&b, "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n",
             active ? (double)rss / (double)active : 0.0, rss - active);
        addf(&b, "rss_overhead_ratio:1.00\r\nrss_overhead_bytes:0\r\n");
        addf(&b, "total_system_memory:%lld\r\ntotal_system_memory_human:%s\r\n", sysmem, h5);
        scr_vm *vm = eng_scripts(e);
        char h6[32];
        human(h6, sizeof(h6), (double)scr_memory(vm));
        /* one Lua state runs scripts and functions: its memory is counted
         * as the eval VM's, as used_memory_lua is in Redis 7.0 */
        addf(&b, "used_memory_lua:%zu\r\nused_memory_lua_human:%s\r\n", scr_memory(vm), h6);
        addf(&b, "used_memory_vm_eval:%zu\r\nused_memory_vm_functions:0\r\n"
             "used_memory_vm_total:%zu\r\nused_memory_vm_total_human:%s\r\n",
             scr_memory(vm), scr_memory(vm), h6);
        size_t eval_bytes = 0, fn_bytes = 0;
        scr_script_each(vm, add_script_bytes, &eval_bytes);
        for (scr_lib *l = scr_libs(vm); l; l = l->next) fn_bytes += l->code_len + strlen(l->name);
        char h7[32];
        human(h7, sizeof(h7), (double)(eval_bytes + fn_bytes));
        /* (the code kept: scripts' bodies, libraries' code and names) */
        addf(&b, "used_memory_scripts_eval:%zu\r\nused_memory_functions:%zu\r\n"
             "used_memory_scripts:%zu\r\nused_memory_scripts_human:%s\r\n",
             eval_bytes, fn_bytes, eval_bytes + fn_bytes, h7);
        addf(&b, "number_of_cached_scripts:%zu\r\nnumber_of_functions:%zu\r\n"
             "number_of_libraries:%zu\r\n", scr_script_count(vm), scr_fn_count(vm),
             scr_lib_count(vm));
        addf(&b, "maxmemory:%lld\r\nmaxmemory_human:%s\r\n", (long long)cfg->limits.maxmemory, h3);
        addf(&b, "maxmemory_policy:noeviction\r\n");
        addf(&b, "mem_fragmentation_ratio:%.2f\r\n", used ? (double)rss / (double)used : 0.0);
        addf(&b, "mem_fragmentation_bytes:%lld\r\n", rss - used);
        addf(&b, "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
             "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_cluster_links:0\r\n");
        addf(&b, "mem_allocator:libc\r\n");
        addf(&b, "active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n");
    }
    if (want(x->argc, x->argv, "persistence", 1)) {
        section(&b, "Persistence");
        persist_info(e, &b);
        addf(&b, "current_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\n");
        addf(&b, "current_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n");
        addf(&b, "rdb_changes_since_last_save:%llu\r\n", (unsigned long long)eng_dirty(e));
        addf(&b, "rdb_current_bgsave_time_sec:-1\r\nrdb_last_cow_size:0\r\n");
        addf(&b, "aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n");
    }
    if (want(x->argc, x->argv, "stats", 1)) {
        double dt = (double)(now - proc->ops_sample_ms) / 1000.0;
        long long ops = dt > 0 ? (long long)((double)(st->commands - proc->ops_sample_cmds) / dt) : 0;
        /* (rates since the previous INFO, as instantaneous_ops_per_sec) */
        double in_kbps = dt > 0 ? ((double)ns->net_input_bytes - (double)proc->in_sample_bytes) / 1024 / dt : 0;
        double out_kbps = dt > 0 ? ((double)ns->net_output_bytes - (double)proc->out_sample_bytes) / 1024 / dt : 0;
        proc->ops_sample_ms = now;
        proc->ops_sample_cmds = st->commands;
        proc->in_sample_bytes = ns->net_input_bytes;
        proc->out_sample_bytes = ns->net_output_bytes;
        section(&b, "Stats");
        addf(&b, "total_connections_received:%llu\r\n", (unsigned long long)st->connections_received);
        addf(&b, "total_commands_processed:%llu\r\n", (unsigned long long)st->commands);
        addf(&b, "instantaneous_ops_per_sec:%lld\r\n", ops);
        addf(&b, "total_net_input_bytes:%llu\r\n", (unsigned long long)ns->net_input_bytes);
        addf(&b, "total_net_output_bytes:%llu\r\n", (unsigned long long)ns->net_output_bytes);
        addf(&b, "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n");
        addf(&b, "instantaneous_input_kbps:%.2f\r\ninstantaneous_output_kbps:%.2f\r\n",
             in_kbps < 0 ? 0 : in_kbps, out_kbps < 0 ? 0 : out_kbps);
        addf(&b, "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n");
        addf(&b, "rejected_connections:%llu\r\n", (unsigned long long)ns->rejected);
        addf(&b, "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n");
        addf(&b, "expired_keys:%llu\r\nexpired_stale_perc:%.2f\r\n"
             "expired_time_cap_reached_count:%llu\r\nexpire_cycle_cpu_milliseconds:%llu\r\n",
             (unsigned long long)st->expired_keys, st->expired_stale_perc * 100,
             (unsigned long long)st->expire_time_cap_reached,
             (unsigned long long)(st->expire_cycle_us / 1000));
        addf(&b, "evicted_keys:0\r\nevicted_clients:0\r\n"
             "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n");
        addf(&b, "keyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n",
             (unsigned long long)st->keyspace_hits, (unsigned long long)st->keyspace_misses);
        addf(&b, "pubsub_channels:%zu\r\npubsub_patterns:%zu\r\npubsubshard_channels:0\r\n",
             pubsub_nchannels(eng_pubsub(e)), pubsub_npatterns(eng_pubsub(e)));
        addf(&b, "latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\n");
        addf(&b, "slave_expires_tracked_keys:0\r\n");
        addf(&b, "tracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\n");
        addf(&b, "active_defrag_hits:0\r\nactive_defrag_misses:0\r\n"
             "active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
             "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n");
        addf(&b, "unexpected_error_replies:0\r\ndump_payload_sanitizations:0\r\n");
        /* (Redis resizes each client's reply buffer; nothing here does) */
        addf(&b, "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n");
        addf(&b, "total_reads_processed:%llu\r\ntotal_writes_processed:%llu\r\n"
             "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n",
             (unsigned long long)ns->reads, (unsigned long long)ns->writes);
        addf(&b, "client_output_buffer_limit_disconnections:%llu\r\n",
             (unsigned long long)ns->obuf_disconnects);
        addf(&b, "client_query_buffer_limit_disconnections:%llu\r\n",
             (unsigned long long)ns->qbuf_disconnects);
        addf(&b, "io_reply_waits:%llu\r\n", (unsigned long long)ns->reply_waits);
        addf(&b, "io_coalesce_sleeps:%llu\r\n", (unsigned long long)ns->coalesce_sleeps);
        addf(&b, "io_coalesce_contended:%llu\r\n",
             (unsigned long long)ns->coalesce_contended);
        addf(&b, "io_uring_recv_nobufs:%llu\r\n", (unsigned long long)ns->uring_nobufs);
        addf(&b, "io_uring_switches:%llu\r\n", (unsigned long long)ns->uring_switches);
        addf(&b, "total_error_replies:%llu\r\n", (unsigned long long)st->error_replies);
        addf(&b, "acl_access_denied_auth:%llu\r\n", (unsigned long long)st->auth_failures);
        addf(&b, "engine_batches:%llu\r\n", (unsigned long long)st->batches);
        addf(&b, "engine_inline_batches:%llu\r\n", (unsigned long long)st->inline_batches);
        addf(&b, "engine_inline_yields:%llu\r\n", (unsigned long long)st->inline_yields);
    }
    if (want(x->argc, x->argv, "replication", 1)) {
        section(&b, "Replication");
        addf(&b, "role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n");
        addf(&b, "master_replid:%s\r\n", proc->run_id);
        addf(&b, "master_replid2:0000000000000000000000000000000000000000\r\n");
        addf(&b, "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n");
        addf(&b, "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n");
    }
    if (want(x->argc, x->argv, "cpu", 1)) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        section(&b, "CPU");
        addf(&b, "used_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n",
             (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
             (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
        addf(&b, "used_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n");
        /* the thread that runs commands (the engine: INFO runs there) */
        getrusage(RUSAGE_THREAD, &ru);
        addf(&b, "used_cpu_sys_main_thread:%ld.%06ld\r\nused_cpu_user_main_thread:%ld.%06ld\r\n",
             (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
             (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
    }
    if (want(x->argc, x->argv, "modules", 1)) section(&b, "Modules");
    if (want(x->argc, x->argv, "commandstats", 0)) { /* (not in the default set, as Redis) */
        section(&b, "Commandstats");
        size_t n;
        eng_cmdstat *cs = eng_cmdstats_list(eng_get_cmdstats(e), &n);
        for (size_t i = 0; i < n; i++)
            addf(&b, "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                 "failed_calls=%llu\r\n", cs[i].cmd->name, (unsigned long long)cs[i].calls,
                 (unsigned long long)cs[i].usec,
                 cs[i].calls ? (double)cs[i].usec / (double)cs[i].calls : 0.0,
                 (unsigned long long)cs[i].rejected, (unsigned long long)cs[i].failed);
        free(cs);
    }
    if (want(x->argc, x->argv, "errorstats", 1)) { /* (in the default set, as Redis 7) */
        section(&b, "Errorstats");
        uint64_t count;
        const char *code;
        for (size_t i = 0; (code = eng_errstat(eng_get_cmdstats(e), i, &count)); i++)
            addf(&b, "errorstat_%s:count=%llu\r\n", code, (unsigned long long)count);
    }
    if (want(x->argc, x->argv, "latencystats", 0)) {
        section(&b, "Latencystats");
        double pct[64];
        char label[64][24];
        int np = 0;
        const char *p = cfg->latency_pctl ? cfg->latency_pctl : "";
        while (*p && np < 64) { /* (validated by CONFIG SET: "%g" words) */
            char *end;
            pct[np] = strtod(p, &end);
            if (end == p) break;
            snprintf(label[np], sizeof(label[np]), "p%.*s", (int)(end - p), p);
            np++;
            p = end;
            while (*p == ' ') p++;
        }
        size_t n;
        eng_cmdstat *cs = eng_cmdstats_list(eng_get_cmdstats(e), &n);
        for (size_t i = 0; i < n; i++) {
            if (!cs[i].tracked) continue;
            addf(&b, "latency_percentiles_usec_%s:", cs[i].cmd->name);
            for (int j = 0; j < np; j++)
                addf(&b, "%s%s=%.3f", j ? "," : "", label[j], eng_cmdstat_percentile(&cs[i], pct[j]));
            addf(&b, "\r\n");
        }
        free(cs);
    }
    if (want(x->argc, x->argv, "cluster", 1)) {
        section(&b, "Cluster");
        addf(&b, "cluster_enabled:0\r\n");
    }
    if (want(x->argc, x->argv, "keyspace", 1)) {
        section(&b, "Keyspace");
        eng_keyspace *ks = eng_keyspace_of(e);
        for (int i = 0; i < eng_ks_count(ks); i++) {
            kv_table *t = eng_ks_db(ks, i);
            if (!kv_size(t)) continue;
            long long avg = 0, n = 0;
            for (int s = 0; s < 16 && kv_expires_size(t); s++) {
                kv_entry *en = kv_random_expiring(t);
                if (en && en->expire_ms > now) { avg += en->expire_ms - now; n++; }
            }
            addf(&b, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, kv_size(t),
                 kv_expires_size(t), n ? avg / n : 0);
        }
    }
    resp_add_verbatim(x->out, x->proto, "txt", b.data ? b.data : "", b.len);
    resp_buf_free(&b);
}

/* ------------------------------------------------------------- MEMORY */

static void mem_measure(eng_engine *e, mem_report *m) {
    m->held = eng_heap_held(&m->total);
    if (m->total > proc->peak_memory) proc->peak_memory = m->total;
    m->peak = proc->peak_memory;
    m->startup = proc->startup_memory;
    m->rss = rss_bytes();
    m->lua = (long long)scr_memory(eng_scripts(e));
    m->overhead = m->startup + m->lua;
    m->keys = 0;
    eng_keyspace *ks = eng_keyspace_of(e);
    for (int i = 0; i < eng_ks_count(ks); i++) {
        size_t buckets, expires, entries;
        kv_table *t = eng_ks_db(ks, i);
        kv_mem(t, &buckets, &expires, &entries);
        m->overhead += (long long)(buckets + expires);
        m->keys += (long long)kv_size(t);
    }
}

/* MEMORY STATS: Redis's fields where strongbox has the thing measured
 * (no allocator.* fields: glibc malloc has no such counters). */
static void memory_stats(eng_ctx *x) {
    mem_report m;
    mem_measure(x->eng, &m);
    eng_keyspace *ks = eng_keyspace_of(x->eng);
    int dbs = 0;
    for (int i = 0; i < eng_ks_count(ks); i++) dbs += kv_size(eng_ks_db(ks, i)) != 0;
    long long net = m.total > m.startup ? m.total - m.startup : 0;
    long long dataset = m.total > m.overhead ? m.total - m.overhead : 0;
    resp_buf *o = x->out;
    resp_add_map_len(o, x->proto, 17 + dbs);
    static const char *const ints[] = {"peak.allocated", "total.allocated", "startup.allocated",
                                       "replication.backlog", "clients.slaves", "cluster.links",
                                       "lua.caches"};
    long long vals[] = {m.peak, m.total, m.startup, 0, 0, 0, m.lua};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        resp_add_bulk_cstr(o, ints[i]);
        resp_add_int(o, vals[i]);
    }
    for (int i = 0; i < eng_ks_count(ks); i++) {
        kv_table *t = eng_ks_db(ks, i);
        if (!kv_size(t)) continue;
        size_t buckets, expires, entries;
        kv_mem(t, &buckets, &expires, &entries);
        char name[32];
        snprintf(name, sizeof(name), "db.%d", i);
        resp_add_bulk_cstr(o, name);
        resp_add_map_len(o, x->proto, 2);
        resp_add_bulk_cstr(o, "overhead.hashtable.main");
        resp_add_int(o, (long long)buckets);
        resp_add_bulk_cstr(o, "overhead.hashtable.expires");
        resp_add_int(o, (long long)expires);
    }
    resp_add_bulk_cstr(o, "overhead.total");
    resp_add_int(o, m.overhead);
    resp_add_bulk_cstr(o, "keys.count");
    resp_add_int(o, m.keys);
    resp_add_bulk_cstr(o, "keys.bytes-per-key");
    resp_add_int(o, m.keys ? net / m.keys : 0);
    resp_add_bulk_cstr(o, "dataset.bytes");
    resp_add_int(o, dataset);
    resp_add_bulk_cstr(o, "dataset.percentage");
    resp_add_double(o, x->proto, net ? 100.0 * (double)dataset / (double)net : 0.0);
    resp_add_bulk_cstr(o, "peak.percentage");
    resp_add_double(o, x->proto, m.peak ? 100.0 * (double)m.total / (double)m.peak : 0.0);
    resp_add_bulk_cstr(o, "rss-overhead.bytes");
    resp_add_int(o, m.rss - m.total);
    resp_add_bulk_cstr(o, "fragmentation");
    resp_add_double(o, x->proto, m.total ? (double)m.rss / (double)m.total : 0.0);
    resp_add_bulk_cstr(o, "fragmentation.bytes");
    resp_add_int(o, m.rss - m.total);
    resp_add_bulk_cstr(o, "allocator");
    resp_add_bulk_cstr(o, "libc");
}

/* MEMORY DOCTOR: the two things worth telling an operator about. */
static void memory_doctor(eng_ctx *x) {
    mem_report m;
    mem_measure(x->eng, &m);
    resp_buf b = {0};
    if (m.total < 5 * 1024 * 1024) {
        addf(&b, "This instance holds too little data (%lld bytes allocated) for a memory "
                 "diagnosis.\n", m.total);
    } else {
        int issues = 0;
        if (m.peak > m.total * 3 / 2) {
            addf(&b, " * Peak memory: the heap once reached %lld bytes, more than 150%% of "
                     "the %lld in use now. glibc malloc keeps much of a peak's memory; MEMORY "
                     "PURGE returns what it can to the system.\n", m.peak, m.total);
            issues++;
        }
        if (m.rss > m.total * 14 / 10 && m.rss - m.total > 10 * 1024 * 1024) {
            addf(&b, " * High RSS: the process holds %lld bytes, %.2f times what is allocated "
                     "(%lld): fragmentation, or the pages of a past peak.\n", m.rss,
                 (double)m.rss / (double)m.total, m.total);
            issues++;
        }
        if (!issues) addf(&b, "No memory issue found: %lld bytes allocated for %lld keys, "
                              "RSS %lld.\n", m.total, m.keys, m.rss);
    }
    resp_add_verbatim(x->out, x->proto, "txt", b.data ? b.data : "", b.len);
    resp_buf_free(&b);
}

static void memory_malloc_stats(eng_ctx *x) {
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (f) {
        malloc_info(0, f);
        fclose(f);
    }
    resp_add_verbatim(x->out, x->proto, "txt", text ? text : "", text ? n : 0);
    free(text);
}

void cmd_memory(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    if (eng_arg_is(sub, "stats")) {
        memory_stats(x);
    } else if (eng_arg_is(sub, "doctor")) {
        memory_doctor(x);
    } else if (eng_arg_is(sub, "malloc-stats")) {
        memory_malloc_stats(x);
    } else if (eng_arg_is(sub, "purge")) {
        malloc_trim(0);
        eng_reply_ok(x);
    } else {
        static const char *const help[] = {
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
            "HELP",
            "    Prints this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    }
}

void cmd_shutdown(eng_ctx *x) {
    for (int i = 1; i < x->argc; i++) {
        const eng_arg *a = &x->argv[i];
        if (!eng_arg_is(a, "nosave") && !eng_arg_is(a, "save") &&
            !eng_arg_is(a, "now") && !eng_arg_is(a, "force") && !eng_arg_is(a, "abort")) {
            eng_reply_syntax(x);
            return;
        }
        if (eng_arg_is(a, "abort")) {
            eng_reply_error(x, "ERR No shutdown in progress.");
            return;
        }
    }
    int nosave = 0;
    for (int i = 1; i < x->argc; i++) {
        if (eng_arg_is(&x->argv[i], "nosave")) nosave = 1;
        if (eng_arg_is(&x->argv[i], "save")) nosave = 0;
    }
    /* the final checkpoint is made as the engine stops (persist_on_stop) */
    persist_set_nosave(nosave);
    /* Redis sends no reply on success: the connection just closes. */
    x->out_flags |= ENG_OUT_CLOSE;
    proc->request_shutdown(proc);
}

/* ------------------------------------------------------------ LATENCY */

/* Does LATENCY HISTOGRAM's argument a name the command (or, for a
 * container such as "client", one of its subcommands)? */
static int names_cmd(const eng_arg *a, const char *name) {
    size_t n = strlen(name);
    if (a->n == n && !strncasecmp(a->p, name, n)) return 1;
    return a->n < n && name[a->n] == '|' && !strncasecmp(a->p, name, a->n);
}

/* LATENCY HISTOGRAM [command ...]: per command that ran since the last
 * CONFIG RESETSTAT (latency-tracking yes), its calls and the cumulative
 * count of those under 1, 2, 4, ... us, as Redis 7 gives it. */
static void latency_histogram(eng_ctx *x) {
    size_t n, shown = 0;
    eng_cmdstat *cs = eng_cmdstats_list(eng_get_cmdstats(x->eng), &n);
    for (int pass = 0; pass < 2; pass++) {
        if (pass) resp_add_map_len(x->out, x->proto, (long long)shown);
        for (size_t i = 0; i < n; i++) {
            if (!cs[i].tracked) continue;
            int want = x->argc == 2;
            for (int j = 2; j < x->argc && !want; j++) want = names_cmd(&x->argv[j], cs[i].cmd->name);
            if (!want) continue;
            if (!pass) {
                shown++;
                continue;
            }
            uint64_t bound[40], count[40];
            size_t np = eng_cmdstat_cdf(&cs[i], bound, count, 40);
            resp_add_bulk_cstr(x->out, cs[i].cmd->name);
            resp_add_map_len(x->out, x->proto, 2);
            resp_add_bulk_cstr(x->out, "calls");
            resp_add_int(x->out, (long long)cs[i].tracked);
            resp_add_bulk_cstr(x->out, "histogram_usec");
            resp_add_map_len(x->out, x->proto, (long long)np);
            for (size_t k = 0; k < np; k++) {
                resp_add_int(x->out, (long long)bound[k]);
                resp_add_int(x->out, (long long)count[k]);
            }
        }
    }
    free(cs);
}

/* LATENCY: the histograms are real; latency events (Redis's latency
 * monitor, latency-monitor-threshold) are not kept here, so LATEST and
 * HISTORY are empty, as Redis's are with the monitor off. */
void cmd_latency(eng_ctx *x) {
    const eng_arg *sub = &x->argv[1];
    if (eng_arg_is(sub, "histogram")) {
        latency_histogram(x);
    } else if (eng_arg_is(sub, "latest") || eng_arg_is(sub, "history")) {
        resp_add_array_len(x->out, 0);
    } else if (eng_arg_is(sub, "reset")) {
        resp_add_int(x->out, 0);
    } else if (eng_arg_is(sub, "graph")) {
        eng_reply_error(x, "ERR No samples available for event '%.*s'",
                        (int)(x->argv[2].n > 128 ? 128 : x->argv[2].n), x->argv[2].p);
    } else if (eng_arg_is(sub, "doctor")) {
        static const char text[] =
            "strongbox keeps no latency events (Redis's latency monitor: latency-monitor-threshold "
            "stays 0 here), so there is nothing to diagnose this way.\n"
            "Per-command run times: LATENCY HISTOGRAM and INFO latencystats. Slow commands: "
            "SLOWLOG GET. The write-ahead log's write and fsync times: INFO persistence "
            "(wal_write_us_hist, wal_fsync_us_hist, wal_fsync_max_us).\n";
        resp_add_verbatim(x->out, x->proto, "txt", text, sizeof(text) - 1);
    } else {
        static const char *const help[] = {
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
            "HELP",
            "    Prints this help."};
        eng_reply_lines(x, help, sizeof(help) / sizeof(help[0]));
    }
}
