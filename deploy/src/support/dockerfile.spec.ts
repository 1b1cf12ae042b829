import { parseDockerfile } from './dockerfile';

describe(parseDockerfile.name, () => {
  const dockerfile = ['ARG APP', 'FROM node:24-alpine AS deps', 'ARG APP', 'COPY dist/apps/${APP}/ ./'].join(
    '\n',
  );

  it('puts the build arguments given in place of the ARGs they name', () => {
    expect(parseDockerfile(dockerfile, { APP: 'greeter' })).toEqual([
      {
        from: 'node:24-alpine AS deps',
        instructions: [
          { keyword: 'ARG', args: 'APP' },
          { keyword: 'COPY', args: 'dist/apps/greeter/ ./' },
        ],
      },
    ]);
  });

  it('refuses an ARG that is not given, and a reference no ARG declares', () => {
    expect(() => parseDockerfile(dockerfile)).toThrow('the build argument APP is not given');
    expect(() => parseDockerfile('FROM node:24-alpine\nCOPY dist/apps/${APP}/ ./', { APP: 'x' })).toThrow(
      '${APP} is not declared by an ARG',
    );
    expect(() => parseDockerfile('COPY a b\nFROM node:24-alpine')).toThrow('COPY before the first FROM');
  });
});
