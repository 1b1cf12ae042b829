import { MAX_CLIENT_FRAME_BYTES, parseClientFrame } from './client-frames';

const text = (value: string) => parseClientFrame(Buffer.from(value), false);

describe(parseClientFrame.name, () => {
  it('reads a post, with or without a client id', () => {
    expect(text('{"type":"post","text":"hi"}')).toEqual({ post: { text: 'hi', clientId: '' } });
    expect(text('{"type":"post","text":"hi","clientId":"c-1"}')).toEqual({
      post: { text: 'hi', clientId: 'c-1' },
    });
  });

  it('leaves the rules of what may be said to the chat service', () => {
    expect(text('{"type":"post","text":""}')).toEqual({ post: { text: '', clientId: '' } });
  });

  it.each([
    ['not JSON', 'hello', 'the frame is not JSON'],
    ['a JSON array', '[1]', 'the frame must be a JSON object with a "type"'],
    ['JSON null', 'null', 'the frame must be a JSON object with a "type"'],
    ['no type', '{"text":"hi"}', 'unknown frame type undefined; the one type is "post"'],
    ['an unknown type', '{"type":"shout"}', 'unknown frame type "shout"; the one type is "post"'],
    ['text that is not a string', '{"type":"post","text":5}', 'a post needs "text", a string'],
    [
      'a client id that is not a string',
      '{"type":"post","text":"a","clientId":1}',
      '"clientId", when given, must be a string',
    ],
  ])('explains %s', (_case, frame, problem) => {
    expect(text(frame)).toEqual({ problem });
  });

  it('refuses binary frames and frames over the limit', () => {
    expect(parseClientFrame(Buffer.from('{}'), true)).toEqual({
      problem: 'frames must be text: JSON such as {"type":"post","text":"hi"}',
    });
    const big = JSON.stringify({ type: 'post', text: 'x'.repeat(MAX_CLIENT_FRAME_BYTES) });
    expect(text(big)).toEqual({
      problem: `the frame is ${Buffer.byteLength(big)} bytes; the limit is ${MAX_CLIENT_FRAME_BYTES}`,
    });
  });
});
