/* test_smoke.c -- the server starts, answers, keeps data across
 * connections and stops cleanly on SIGTERM. */
#include "harness.h"

int main(void) {
    sb_server *s = srv_start(NULL);
    redisContext *c = srv_connect(s);
    CHECK_STATUS(cmd(c, "PING"), "PONG");
    CHECK_STATUS(cmd(c, "SET %s %s", "k", "v"), "OK");
    redisContext *c2 = srv_connect(s);
    CHECK_BULK(cmd(c2, "GET %s", "k"), "v");
    redisFree(c2);
    redisFree(c);
    srv_stop(s);
    CHECK(!srv_alive(s));
    TU_DONE();
}
