"""Sends bytes that are not a protobuf message to a node's methods, as a
client nobody here wrote (Python's grpcio with identity serializers), over
mutual TLS, and prints each method with the status code it answered.

Usage: malformed.py ADDR SERVER_CERT CLIENT_CERT CLIENT_KEY SERVER_NAME
"""

import os
import sys

import grpc

import connect

# A length-delimited field 1 whose length is a varint that never ends.
GARBAGE = b"\x0a" + b"\xff" * 11

UNARY = [
    "/remedy.v1.Log/Head",
    "/remedy.v1.Federation/Status",
    "/remedy.v1.Federation/Proof",
    "/remedy.v1.View/Stats",
    "/remedy.v1.Admin/Append",
    "/remedy.v1.Admin/Publish",
]
# Streams of requests: the first message is garbage.
CLIENT_STREAMS = ["/remedy.v1.Admin/ImportCases"]
BIDI_STREAMS = ["/remedy.v1.Admin/AppendStream"]
SERVER_STREAMS = ["/remedy.v1.Log/Follow", "/remedy.v1.Log/Read"]


# Every call object stays referenced until the process ends: grpcio can
# deadlock collecting a finished streaming call while its channel still runs.
KEEP = []


def code_of(call):
    try:
        result = call()
        KEEP.append(result)
        if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
            for _ in result:
                pass
        return "OK"
    except grpc.RpcError as e:
        KEEP.append(e)
        return e.code().name + " " + (e.details() or "")


def main(addr, server_cert, client_cert, client_key, server_name):
    channel = connect.channel(addr, server_cert, client_cert, client_key, server_name)
    same = lambda b: b
    for method in UNARY:
        call = channel.unary_unary(method, request_serializer=same, response_deserializer=same)
        print(method, code_of(lambda: call(GARBAGE, timeout=10)))
    for method in SERVER_STREAMS:
        call = channel.unary_stream(method, request_serializer=same, response_deserializer=same)
        print(method, code_of(lambda: call(GARBAGE, timeout=10)))
    for method in CLIENT_STREAMS:
        call = channel.stream_unary(method, request_serializer=same, response_deserializer=same)
        print(method, code_of(lambda: call(iter([GARBAGE]), timeout=10)))
    for method in BIDI_STREAMS:
        call = channel.stream_stream(method, request_serializer=same, response_deserializer=same)
        print(method, code_of(lambda: call(iter([GARBAGE]), timeout=10)))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    sys.stdout.flush()
    # Leave without collecting the calls (see KEEP).
    os._exit(0)
