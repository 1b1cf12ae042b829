import { join, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { fileNameProblem } from './upload-rules';

describe(`${fileNameProblem.name} on any name`, () => {
  const folder = resolve('/srv/uploads/3f2a');

  it('accepts only names that are stored as given, inside the upload folder', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          // UTF-16 code units one by one: lone surrogates included, which no file system can name.
          fc.string({
            unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
            maxLength: 40,
          }),
        ),
        (name) => {
          fc.pre(fileNameProblem(name) === undefined);
          const stored = join(folder, name);
          expect(stored.startsWith(folder + sep)).toBe(true);
          expect(stored.slice(folder.length + 1)).toBe(name);
          // What the file system gets back as the name is what the client sent.
          expect(Buffer.from(name, 'utf8').toString('utf8')).toBe(name);
        },
      ),
    );
  });

  it('refuses every name with a path separator or a dot-only name', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('/', '\\'), fc.string(), (before, separator, after) => {
        expect(fileNameProblem(`${before}${separator}${after}`)).toBeDefined();
      }),
    );
    expect(fileNameProblem('.')).toBeDefined();
    expect(fileNameProblem('..')).toBeDefined();
  });
});
