#!/usr/bin/env python3
"""A TCP proxy in front of PostgreSQL that can lose a COMMIT's answer.

  pg_cut_proxy.py UPSTREAM_HOST UPSTREAM_PORT STATE_DIR

Listens on 127.0.0.1 (a free port, written to STATE_DIR/port once it
listens) and forwards every connection to UPSTREAM. The server's side of
each connection is read message by message (the v3 protocol: a type byte
and a length; clients must connect with sslmode=disable and
gssencmode=disable, so that no one-byte SSL/GSS answer comes first).

While the file STATE_DIR/arm exists, the first CommandComplete "COMMIT" a
server sends is not forwarded: the proxy removes STATE_DIR/arm, writes
STATE_DIR/cut (the client's port, the time), and closes the client's side
of that connection at once, so the client sees its connection lost before
the COMMIT's answer, although the server committed. The server's side stays
open until the server closes it (the test terminates that backend).

Used by tests/fault/test_commit_lost.sh for the "the COMMIT landed but its
answer was lost" case, which no signal sent to the client can produce: the
answer would already sit in the client's socket buffer.
"""
import os
import socket
import struct
import sys
import threading
import time

up_host, up_port, state = sys.argv[1], int(sys.argv[2]), sys.argv[3]
arm_path = os.path.join(state, "arm")
cut_lock = threading.Lock()


def pump_client_to_server(client, server, was_cut):
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
    except OSError:
        pass
    if was_cut.is_set():
        return  # the server's session stays until the server ends it
    try:
        server.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def pump_server_to_client(server, client, client_port, was_cut):
    buf = b""
    cut = False
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            if cut:
                continue  # the client's side is closed: drop the rest
            buf += data
            out = []
            while len(buf) >= 5:
                kind = buf[0:1]
                (length,) = struct.unpack(">i", buf[1:5])
                if len(buf) < 1 + length:
                    break
                msg, buf = buf[:1 + length], buf[1 + length:]
                if kind == b"C" and msg[5:].rstrip(b"\0") == b"COMMIT" and os.path.exists(arm_path):
                    with cut_lock:
                        if os.path.exists(arm_path):
                            os.unlink(arm_path)
                            cut = True
                            was_cut.set()
                if cut:
                    break
                out.append(msg)
            if out:
                client.sendall(b"".join(out))
            if cut:
                # Everything before the COMMIT's answer went out; the
                # answer and whatever follows never will.
                with open(os.path.join(state, "cut.tmp"), "w") as f:
                    f.write("%d %.3f\n" % (client_port, time.time()))
                os.rename(os.path.join(state, "cut.tmp"), os.path.join(state, "cut"))
                try:
                    client.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                client.close()
                buf = b""
    except OSError:
        pass
    if not cut:
        try:
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client, addr):
    try:
        server = socket.create_connection((up_host, up_port))
    except OSError:
        client.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    was_cut = threading.Event()
    t1 = threading.Thread(target=pump_client_to_server, args=(client, server, was_cut),
                          daemon=True)
    t2 = threading.Thread(target=pump_server_to_client,
                          args=(server, client, addr[1], was_cut), daemon=True)
    t1.start()
    t2.start()
    t2.join()
    t1.join(timeout=1)
    for s in (client, server):
        try:
            s.close()
        except OSError:
            pass


def main():
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    with open(os.path.join(state, "port.tmp"), "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(os.path.join(state, "port.tmp"), os.path.join(state, "port"))
    while True:
        client, addr = lsock.accept()
        threading.Thread(target=handle, args=(client, addr), daemon=True).start()


if __name__ == "__main__":
    main()
