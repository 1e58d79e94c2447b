#!/bin/bash
# Healthy when the server answers PING on its port: +PONG, or -NOAUTH when a
# password is set (it answers, so it is up). -LOADING (recovery still
# running) and silence are unhealthy. No redis-cli needed in the image.
port=${STRONGBOX_PORT:-6379}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'PING\r\n' >&3
IFS= read -r -t 2 reply <&3 || exit 1
case "$reply" in
    +PONG*|-NOAUTH*) exit 0 ;;
    *) exit 1 ;;
esac
