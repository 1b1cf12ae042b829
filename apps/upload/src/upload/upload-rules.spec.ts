import { fileNameProblem } from './upload-rules';

describe(fileNameProblem.name, () => {
  it.each(['report.pdf', 'a', 'ünïcødé name (1).txt', '.hidden', 'x'.repeat(255)])('accepts %p', (name) => {
    expect(fileNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'info.name must not be empty'],
    ['.', 'info.name "." is not a file name'],
    ['..', 'info.name ".." is not a file name'],
    ['../etc/passwd', 'info.name "../etc/passwd" must be a plain file name, without "/" or "\\"'],
    ['a\\b', 'info.name "a\\\\b" must be a plain file name, without "/" or "\\"'],
    ['a\u0000b', 'info.name "a\\u0000b" must not contain control characters'],
    ['é'.repeat(128), 'info.name is 256 bytes long; at most 255 are allowed'],
  ])('rejects %p, saying why', (name, message) => {
    expect(fileNameProblem(name)).toBe(message);
  });
});
