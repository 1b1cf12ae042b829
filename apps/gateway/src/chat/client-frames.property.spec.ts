import fc from 'fast-check';
import { MAX_CLIENT_FRAME_BYTES, parseClientFrame } from './client-frames';

/** Whatever a member sends, the parser answers with a post or a short problem, and never throws. */
describe(`${parseClientFrame.name} on any input`, () => {
  const answered = (frame: ReturnType<typeof parseClientFrame>) =>
    'post' in frame || ('problem' in frame && frame.problem.length > 0 && frame.problem.length <= 120);

  it('answers any bytes, text or binary', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2 * MAX_CLIENT_FRAME_BYTES }),
        fc.boolean(),
        (bytes, isBinary) => {
          const frame = parseClientFrame(Buffer.from(bytes), isBinary);
          expect(answered(frame)).toBe(true);
          if (isBinary) expect('problem' in frame).toBe(true);
        },
      ),
    );
  });

  it('answers any JSON value, and takes a post only from an object of type "post" with string text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const frame = parseClientFrame(Buffer.from(JSON.stringify(value) ?? 'null'), false);
        expect(answered(frame)).toBe(true);
        if ('post' in frame) {
          const object = value as Record<string, unknown>;
          expect(object['type']).toBe('post');
          expect(frame.post.text).toBe(object['text']);
        }
      }),
    );
  });

  it('passes any post that fits in a frame on with its text and client id unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 500 }),
        fc.string({ maxLength: 64 }),
        (text, clientId) => {
          const frame = parseClientFrame(
            Buffer.from(JSON.stringify({ type: 'post', text, clientId })),
            false,
          );
          expect(frame).toEqual({ post: { text, clientId } });
        },
      ),
    );
  });
});
