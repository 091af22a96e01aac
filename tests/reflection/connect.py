"""A grpcio channel to a node over mutual TLS with pinned certificates: the
server's own certificate is the only root, the client shows a member's."""

import grpc


def channel(addr, server_cert, client_cert, client_key, server_name, seconds=20.0):
    read = lambda path: open(path, "rb").read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(server_cert),
        private_key=read(client_key),
        certificate_chain=read(client_cert),
    )
    ch = grpc.secure_channel(
        addr, credentials, options=[("grpc.ssl_target_name_override", server_name)]
    )
    grpc.channel_ready_future(ch).result(timeout=float(seconds))
    return ch
