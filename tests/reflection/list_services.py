"""Lists a node's gRPC services with Python's grpcio-reflection client, which
speaks only the v1alpha reflection protocol, over mutual TLS with pinned
certificates (the server's own certificate as the only root).

Usage: list_services.py ADDR SERVER_CERT CLIENT_CERT CLIENT_KEY SERVER_NAME [SECONDS]

SECONDS (default 20) bounds the wait for the connection.

Prints each service name on a line, then the methods of remedy.v1.Log as the
descriptor pool resolves them through reflection. Exit status 0 on success.
"""

import sys

import connect
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main(addr, server_cert, client_cert, client_key, server_name, seconds="20"):
    channel = connect.channel(addr, server_cert, client_cert, client_key, server_name, seconds)
    database = ProtoReflectionDescriptorDatabase(channel)
    for service in sorted(database.get_services()):
        print(service)
    pool = DescriptorPool(database)
    log = pool.FindServiceByName("remedy.v1.Log")
    print("remedy.v1.Log methods: " + ", ".join(sorted(m.name for m in log.methods)))


if __name__ == "__main__":
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    main(*sys.argv[1:])
