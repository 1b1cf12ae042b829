import fc from 'fast-check';
import { symbolProblem } from './price-walk';

describe(`${symbolProblem.name} on any symbol`, () => {
  it('accepts exactly 1 to 12 of A-Z, 0-9 and ".", and refuses the rest in a short message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10_000 }), (symbol) => {
        const problem = symbolProblem(symbol);
        expect(problem === undefined).toBe(/^[A-Z0-9.]{1,12}$/.test(symbol));
        if (problem !== undefined) expect(problem.length).toBeLessThanOrEqual(120);
      }),
    );
  });
});
