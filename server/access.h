/* access.h -- who may connect: protected mode.
 *
 * Owns nothing; pure functions. Any thread (the I/O thread uses them at
 * accept).
 *
 * Promises:
 *  - sb_addr_is_loopback is true exactly for 127.0.0.0/8, ::1 and
 *    IPv4-mapped 127.x addresses (and unix sockets, family AF_UNIX).
 *  - sb_protected_refuses follows Redis 7: with protected-mode on and no
 *    password for the default user, only loopback peers are served.
 */
#ifndef SB_ACCESS_H
#define SB_ACCESS_H

#include <sys/socket.h>

int sb_addr_is_loopback(const struct sockaddr *sa);
int sb_protected_refuses(int protected_mode, int has_password, const struct sockaddr *peer);

/* The reply a refused connection gets before it is closed (Redis's). */
extern const char SB_PROTECTED_MSG[];

#endif
