import fc from 'fast-check';
import { greeting, MAX_NAME_LENGTH, nameProblem } from './greeting';

describe('greeting on any name', () => {
  it('greets every name it accepts by that name, and refuses the rest in a short message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2 * MAX_NAME_LENGTH }), (name) => {
        const problem = nameProblem(name);
        if (problem === undefined) expect(greeting(name)).toBe(`Hello ${name}`);
        else expect(problem.length).toBeLessThanOrEqual(80);
      }),
    );
  });

  it('accepts any name of 1 to 256 characters that is not blank', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_NAME_LENGTH / 2 }), (name) => {
        fc.pre(name.trim() !== '' && [...name].length <= MAX_NAME_LENGTH);
        expect(nameProblem(name)).toBeUndefined();
      }),
    );
  });
});
