import { trustedOrigin } from './origin-check';

describe(trustedOrigin.name, () => {
  const allowed = ['https://partner.example'];

  it.each([
    [{ host: 'quartet.example' }, true],
    [{ host: 'quartet.example', origin: 'https://quartet.example' }, true],
    [{ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }, true],
    [{ host: 'quartet.example', origin: 'https://partner.example' }, true],
    [{ host: 'quartet.example', origin: 'https://evil.example' }, false],
    [{ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3001' }, false],
    [{ host: 'quartet.example', origin: 'null' }, false],
  ])('%j → %s', (headers, trusted) => {
    expect(trustedOrigin(headers, allowed)).toBe(trusted);
  });
});
