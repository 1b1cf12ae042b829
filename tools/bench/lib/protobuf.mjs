// Just enough protobuf to code the benchmark's messages by hand: fields of varints and of
// length-delimited bytes, which is all the four contracts' hot messages use.

/** The fields of a message by number: varints as numbers, length-delimited ones as Buffers (last wins). */
export function readFields(buffer) {
  const fields = new Map();
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buffer[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const key = varint();
    const type = key & 7;
    const number = Math.floor(key / 8);
    if (type === 0) fields.set(number, varint());
    else if (type === 1) {
      fields.set(number, buffer.readDoubleLE(at));
      at += 8;
    } else if (type === 2) {
      const length = varint();
      fields.set(number, buffer.subarray(at, at + length));
      at += length;
    } else throw new Error(`wire type ${type} is not one the benchmark codes`);
  }
  return fields;
}

function varintBytes(value) {
  const bytes = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

export const varintField = (number, value) => Buffer.concat([varintBytes(number * 8), varintBytes(value)]);
export const bytesField = (number, bytes) =>
  Buffer.concat([varintBytes(number * 8 + 2), varintBytes(bytes.length), bytes]);
export const doubleField = (number, value) => {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return Buffer.concat([varintBytes(number * 8 + 1), bytes]);
};
export const stringField = (number, text) => bytesField(number, Buffer.from(text, 'utf8'));

/** A gRPC length-prefixed frame (not compressed) around a message. */
export const grpcFrame = (message) => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
};
