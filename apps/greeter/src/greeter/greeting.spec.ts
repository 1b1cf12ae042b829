import { greeting, MAX_NAME_LENGTH, nameProblem } from './greeting';

describe('greeting', () => {
  it('greets by name as the quickstart does', () => {
    expect(greeting('you')).toBe('Hello you');
  });
});

describe(nameProblem.name, () => {
  it('accepts a name of one to 256 characters', () => {
    expect(nameProblem('a')).toBeUndefined();
    expect(nameProblem('x'.repeat(MAX_NAME_LENGTH))).toBeUndefined();
  });

  it('rejects an empty or blank name, saying so', () => {
    expect(nameProblem('')).toBe('name must not be empty');
    expect(nameProblem('  \t')).toBe('name must not be empty');
  });

  it('rejects a name over 256 characters, saying how long it is', () => {
    expect(nameProblem('x'.repeat(257))).toBe('name is 257 characters long; at most 256 are allowed');
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    expect(nameProblem('😀'.repeat(MAX_NAME_LENGTH))).toBeUndefined();
  });
});
