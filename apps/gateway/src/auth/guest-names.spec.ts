import { guestNameProblem, uniqueGuestName } from './guest-names';

describe(uniqueGuestName.name, () => {
  it('keeps the name asked for and adds a suffix, so that two guests named alike differ', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueGuestName('ann')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^ann-[a-z2-9]{5}$/);
  });

  it('makes a user the chat service accepts from the longest name allowed', () => {
    expect(uniqueGuestName('x'.repeat(24))).toMatch(/^[A-Za-z0-9._-]{1,32}$/);
  });
});

describe(guestNameProblem.name, () => {
  it.each([
    ['ann', undefined],
    ['Ann_O.Neil-2', undefined],
    ['', 'user "" is not 1 to 24 of A-Z, a-z, 0-9, "-", "_" and "."'],
    ['ann bob', 'user "ann bob" is not 1 to 24 of A-Z, a-z, 0-9, "-", "_" and "."'],
    [42, 'the body must be JSON such as {"user":"ann"}'],
  ])('%j → %s', (name, problem) => {
    expect(guestNameProblem(name)).toBe(problem);
  });
});
