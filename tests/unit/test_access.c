/* test_access.c -- unit test of server/access.c: which peers protected
 * mode refuses (integration tests can only connect over loopback). */
#include "access.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

static struct sockaddr_storage v4(const char *ip) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a->sin_addr);
    return ss;
}

static struct sockaddr_storage v6(const char *ip) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a->sin6_addr);
    return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

int main(void) {
    struct sockaddr_storage lo = v4("127.0.0.1"), lo2 = v4("127.8.9.10"), ext = v4("10.0.0.5"),
                            pub = v4("8.8.8.8"), lo6 = v6("::1"), ext6 = v6("2001:db8::1"),
                            map_lo = v6("::ffff:127.0.0.1"), map_ext = v6("::ffff:10.1.2.3");
    struct sockaddr_storage un;
    memset(&un, 0, sizeof(un));
    un.ss_family = AF_UNIX;
    CHECK(sb_addr_is_loopback(SA(lo)) && sb_addr_is_loopback(SA(lo2)));
    CHECK(sb_addr_is_loopback(SA(lo6)) && sb_addr_is_loopback(SA(map_lo)));
    CHECK(sb_addr_is_loopback(SA(un)));
    CHECK(!sb_addr_is_loopback(SA(ext)) && !sb_addr_is_loopback(SA(pub)));
    CHECK(!sb_addr_is_loopback(SA(ext6)) && !sb_addr_is_loopback(SA(map_ext)));
    /* protected mode: refuses outsiders only without a password */
    CHECK(sb_protected_refuses(1, 0, SA(ext)));
    CHECK(sb_protected_refuses(1, 0, SA(ext6)));
    CHECK(!sb_protected_refuses(1, 0, SA(lo)));
    CHECK(!sb_protected_refuses(1, 1, SA(ext)));  /* a password is set */
    CHECK(!sb_protected_refuses(0, 0, SA(pub)));  /* protected-mode no */
    CHECK(!strncmp(SB_PROTECTED_MSG, "-DENIED Redis is running in protected mode", 42));
    CHECK(strstr(SB_PROTECTED_MSG, "\r\n") == SB_PROTECTED_MSG + strlen(SB_PROTECTED_MSG) - 2);
    TU_DONE();
}
