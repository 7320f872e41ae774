#!/usr/bin/env python3
"""A TCP proxy in front of one Kafka broker that a test can cut and restore.

  kafka_cut_proxy.py UPSTREAM_HOST UPSTREAM_PORT STATE_DIR

Listens on 127.0.0.1 (a free port, written to STATE_DIR/port once it
listens) and forwards every connection to UPSTREAM. While the file
STATE_DIR/cut exists the proxy is "a stopped broker": every connection is
closed at once and the port refuses new ones; when the file is removed it
listens again on the same port. Only this proxy's clients see the outage:
the shared broker behind it runs on for everyone else.

Kafka clients connect to the address each broker advertises in Metadata
responses, not to the bootstrap address they were given: a plain proxy
would be bypassed after the first request. So the proxy reads the
client's requests (size, api_key, api_version, correlation id) and, in
each Metadata response (api_key 3, versions 0-8, which are not "flexible"),
rewrites every broker's host and port to its own. Clients that ask for
Metadata v9 or later (compact encodings) are refused loudly (the proxy
exits with status 3), so a test cannot pass by talking to the broker
behind the proxy's back. librdkafka 2.0 asks for v4.
"""
import os
import socket
import struct
import sys
import threading
import time

up_host, up_port, state = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cut_path = os.path.join(state, "cut")
lock = threading.Lock()
conns = set()  # open sockets, both sides, closed at a cut
my_port = 0


def frames(sock):
    """Kafka frames (int32 size + payload) read from sock."""
    buf = b""
    while True:
        data = sock.recv(65536)
        if not data:
            return
        buf += data
        while len(buf) >= 4:
            (size,) = struct.unpack(">i", buf[:4])
            if len(buf) < 4 + size:
                break
            yield buf[4:4 + size]
            buf = buf[4 + size:]


def rewrite_metadata(payload, version):
    """The Metadata response with every broker at 127.0.0.1:my_port."""
    pos = 4  # correlation id (response header v0)
    if version >= 3:
        pos += 4  # throttle_time_ms
    (n,) = struct.unpack_from(">i", payload, pos)
    out = [payload[:pos + 4]]
    pos += 4
    for _ in range(n):
        (node,) = struct.unpack_from(">i", payload, pos)
        pos += 4
        (hlen,) = struct.unpack_from(">h", payload, pos)
        pos += 2 + hlen + 4  # host, port
        host = b"127.0.0.1"
        out.append(struct.pack(">ih", node, len(host)) + host + struct.pack(">i", my_port))
        if version >= 1:  # rack: a nullable string, kept
            (rlen,) = struct.unpack_from(">h", payload, pos)
            end = pos + 2 + max(rlen, 0)
            out.append(payload[pos:end])
            pos = end
    out.append(payload[pos:])
    return b"".join(out)


def pump_requests(client, server, pending):
    try:
        for payload in frames(client):
            api_key, api_version, corr = struct.unpack_from(">hhi", payload, 0)
            if api_key == 3:
                if api_version >= 9:
                    sys.stderr.write("kafka_cut_proxy: Metadata v%d is not supported\n" % api_version)
                    os._exit(3)
                pending[corr] = api_version
            server.sendall(struct.pack(">i", len(payload)) + payload)
    except OSError:
        pass
    close_pair(client, server)


def pump_responses(server, client, pending):
    try:
        for payload in frames(server):
            (corr,) = struct.unpack_from(">i", payload, 0)
            version = pending.pop(corr, None)
            if version is not None:
                payload = rewrite_metadata(payload, version)
            client.sendall(struct.pack(">i", len(payload)) + payload)
    except OSError:
        pass
    close_pair(client, server)


def close_pair(*socks):
    for s in socks:
        with lock:
            conns.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


def handle(client):
    try:
        server = socket.create_connection((up_host, up_port))
    except OSError:
        close_pair(client)
        return
    with lock:
        if os.path.exists(cut_path):
            close_pair(client, server)
            return
        conns.update((client, server))
    pending = {}
    threading.Thread(target=pump_requests, args=(client, server, pending), daemon=True).start()
    threading.Thread(target=pump_responses, args=(server, client, pending), daemon=True).start()


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(100):
        try:
            s.bind(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.05)
    s.listen(64)
    return s


def serve(lsock):
    while True:
        try:
            client, _ = lsock.accept()
        except OSError:
            return  # closed by a cut
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        handle(client)


def main():
    global my_port
    lsock = listen(0)
    my_port = lsock.getsockname()[1]
    with open(os.path.join(state, "port.tmp"), "w") as f:
        f.write("%d\n" % my_port)
    os.rename(os.path.join(state, "port.tmp"), os.path.join(state, "port"))
    threading.Thread(target=serve, args=(lsock,), daemon=True).start()
    cut = False
    while True:
        now_cut = os.path.exists(cut_path)
        if now_cut and not cut:
            try:  # wakes the accept() of serve(); new connections are refused
                lsock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            lsock.close()
            with lock:
                socks = list(conns)
            close_pair(*socks)
        elif cut and not now_cut:
            lsock = listen(my_port)
            threading.Thread(target=serve, args=(lsock,), daemon=True).start()
        cut = now_cut
        time.sleep(0.02)


if __name__ == "__main__":
    main()
