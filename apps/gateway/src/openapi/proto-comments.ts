import type { DescField, DescFile, DescMessage, DescMethod, DescService } from '@bufbuild/protobuf';

type Described = DescMessage | DescField | DescService | DescMethod;

/**
 * The comment written above a message, field, service or method in its .proto file, from the
 * descriptor's source info (`buf build` keeps it), without the comment markers; '' if none.
 */
export function commentOf(desc: Described): string {
  const path = pathOf(desc);
  const location = fileOf(desc).proto.sourceCodeInfo?.location.find(
    (candidate) => candidate.path.length === path.length && candidate.path.every((n, i) => n === path[i]),
  );
  return (location?.leadingComments ?? '')
    .split('\n')
    .map((line) => line.replace(/^ /, '').trimEnd())
    .join('\n')
    .trim();
}

// Field numbers of google.protobuf.FileDescriptorProto, DescriptorProto and ServiceDescriptorProto,
// which source info's paths are made of.
const FILE_MESSAGE = 4;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED = 3;
const SERVICE_METHOD = 2;

function pathOf(desc: Described): number[] {
  switch (desc.kind) {
    case 'message':
      return desc.parent
        ? [...pathOf(desc.parent), MESSAGE_NESTED, desc.parent.proto.nestedType.indexOf(desc.proto)]
        : [FILE_MESSAGE, desc.file.proto.messageType.indexOf(desc.proto)];
    case 'field':
      return [...pathOf(desc.parent), MESSAGE_FIELD, desc.parent.proto.field.indexOf(desc.proto)];
    case 'service':
      return [FILE_SERVICE, desc.file.proto.service.indexOf(desc.proto)];
    case 'rpc':
      return [...pathOf(desc.parent), SERVICE_METHOD, desc.parent.proto.method.indexOf(desc.proto)];
  }
}

function fileOf(desc: Described): DescFile {
  switch (desc.kind) {
    case 'field':
    case 'rpc':
      return desc.parent.file;
    default:
      return desc.file;
  }
}
