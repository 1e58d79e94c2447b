/* access.c -- protected mode (see access.h).
 *
 * Redis 7 refuses non-loopback peers while the default user has no
 * password and protected-mode is on, whatever the bind address: a server
 * exposed by mistake (bind 0.0.0.0 in a container) does not serve the
 * network until someone sets a password or turns protected mode off.
 */
#include "access.h"

#include <netinet/in.h>
#include <string.h>

int sb_addr_is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_UNIX) return 1;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        const unsigned char *b = a->sin6_addr.s6_addr;
        static const unsigned char loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(b, loop6, 16)) return 1;
        return !memcmp(b, mapped, 12) && b[12] == 127;
    }
    return 0;
}

int sb_protected_refuses(int protected_mode, int has_password, const struct sockaddr *peer) {
    if (!protected_mode || has_password) return 0;
    return !sb_addr_is_loopback(peer);
}

const char SB_PROTECTED_MSG[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Set up an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";
