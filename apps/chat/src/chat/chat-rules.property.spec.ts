import fc from 'fast-check';
import { joinProblem, MAX_TEXT_LENGTH, postProblem } from './chat-rules';

/** The chat service's validation on anything a client can put in a join or a post. */
describe('chat rules on any input', () => {
  it('answer any join with nothing or a short problem that echoes at most 40 characters of it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10_000 }), fc.string({ maxLength: 10_000 }), (room, user) => {
        const problem = joinProblem({ room, user, sinceSeq: 0n });
        if (problem !== undefined) expect(problem.length).toBeLessThanOrEqual(160);
      }),
    );
  });

  it('accept exactly the rooms and users of their grammar', () => {
    const name = (chars: string) =>
      fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 32 });
    fc.assert(
      fc.property(name('abcxyz0189-_'), name('ABCabc019-_.'), (room, user) => {
        expect(joinProblem({ room, user, sinceSeq: 0n })).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 33, maxLength: 100 }), (room) => {
        expect(joinProblem({ room, user: 'ann', sinceSeq: 0n })).toBeDefined();
      }),
    );
  });

  it('accept any post of 1 to 1000 characters that is not blank, whatever the characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_TEXT_LENGTH / 4 }), (text) => {
        fc.pre(text.trim() !== '' && [...text].length <= MAX_TEXT_LENGTH);
        expect(postProblem({ text, clientId: '' })).toBeUndefined();
      }),
    );
  });

  it('refuse any post over 1000 characters, saying how long it was', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', minLength: MAX_TEXT_LENGTH + 1, maxLength: 5_000 }),
        (text) => {
          fc.pre(text.trim() !== '');
          expect(postProblem({ text, clientId: '' })).toBe(
            `text is ${[...text].length} characters long; at most ${MAX_TEXT_LENGTH} are allowed`,
          );
        },
      ),
    );
  });
});
