"""A stock gRPC client of helloworld.Greeter, as the gRPC Python quickstart has one.

It uses only Debian's grpcio and the stubs Debian's grpc-tools generate from
proto/helloworld/helloworld.proto, dials the quickstart's fixed address
localhost:50051 in plain text, and prints the reply: if it works, any client written
for the quickstart works against our greeter unchanged.
"""

import grpc

import helloworld_pb2
import helloworld_pb2_grpc


def main():
    with grpc.insecure_channel("localhost:50051") as channel:
        reply = helloworld_pb2_grpc.GreeterStub(channel).SayHello(
            helloworld_pb2.HelloRequest(name="you"), timeout=10
        )
    print("Greeter client received: " + reply.message)


if __name__ == "__main__":
    main()
