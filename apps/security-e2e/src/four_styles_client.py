"""One call of each of the four gRPC styles over mTLS, from Python grpcio: another gRPC stack
than the services' grpc-js, so the TLS set-up is proven against more than itself.

The message classes come from the contracts' descriptor set (`buf build`), since Debian's
grpc-tools bundles a protoc too old for upload.proto's proto3 `optional`.

Usage: four_styles_client.py DESCRIPTORS CA CERT KEY GREETER TICKER UPLOAD CHAT [TOKEN]
Prints one line per service: its name and what it answered.
"""

import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def read(path):
    with open(path, "rb") as file:
        return file.read()


def message_classes(descriptor_set_path):
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(read(descriptor_set_path)).file:
        pool.Add(file)
    factory = message_factory.MessageFactory(pool)
    return lambda name: factory.GetPrototype(pool.FindMessageTypeByName(name))


def method(channel, kind, path, request, response):
    return getattr(channel, kind)(
        path, request_serializer=request.SerializeToString, response_deserializer=response.FromString
    )


def main(descriptors, ca, cert, key, greeter, ticker, upload, chat, token=None):
    message = message_classes(descriptors)
    credentials = grpc.ssl_channel_credentials(read(ca), read(key), read(cert))
    metadata = [("authorization", "Bearer " + token)] if token else None

    with grpc.secure_channel(greeter, credentials) as channel:
        hello, reply = message("helloworld.HelloRequest"), message("helloworld.HelloReply")
        say_hello = method(channel, "unary_unary", "/helloworld.Greeter/SayHello", hello, reply)
        print("greeter " + say_hello(hello(name="python"), timeout=10, metadata=metadata).message)

    with grpc.secure_channel(ticker, credentials) as channel:
        watch_request, tick = message("ticker.v1.WatchRequest"), message("ticker.v1.WatchResponse")
        watch = method(channel, "unary_stream", "/ticker.v1.TickerService/Watch", watch_request, tick)
        ticks = watch(watch_request(symbol="PY", count=3, interval_ms=0), timeout=10, metadata=metadata)
        print("ticker %d ticks" % len(list(ticks)))

    with grpc.secure_channel(upload, credentials) as channel:
        part, summary = message("upload.v1.UploadRequest"), message("upload.v1.UploadResponse")
        info = message("upload.v1.FileInfo")(name="python.txt", content_type="text/plain")
        store = method(channel, "stream_unary", "/upload.v1.UploadService/Upload", part, summary)
        stored = store(iter([part(info=info), part(chunk=b"hello")]), timeout=10, metadata=metadata)
        print("upload %d bytes" % stored.size)

    with grpc.secure_channel(chat, credentials) as channel:
        action, event = message("chat.v1.ChatRequest"), message("chat.v1.ChatResponse")
        join = message("chat.v1.Join")(room="python", user="python")
        post = message("chat.v1.Post")(text="from python")
        talk = method(channel, "stream_stream", "/chat.v1.ChatService/Chat", action, event)
        events = talk(iter([action(join=join), action(post=post)]), timeout=10, metadata=metadata)
        print("chat " + ",".join(e.message.text for e in events if e.HasField("message")))


if __name__ == "__main__":
    main(*sys.argv[1:])
