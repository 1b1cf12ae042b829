import { SESSION_COOKIE, sessionCookie, tokenOf } from './session-cookie';

describe(tokenOf.name, () => {
  it('takes a bearer token first, then the session cookie', () => {
    expect(tokenOf({ authorization: 'Bearer a.b.c', cookie: `${SESSION_COOKIE}=d.e.f` })).toBe('a.b.c');
    expect(tokenOf({ cookie: `theme=dark; ${SESSION_COOKIE}=d.e.f; other=1` })).toBe('d.e.f');
  });

  it('finds none in other schemes, other cookies or an emptied cookie', () => {
    expect(tokenOf({ authorization: 'Basic YW5uOnB3' })).toBeUndefined();
    expect(tokenOf({ cookie: `not_${SESSION_COOKIE}=x` })).toBeUndefined();
    expect(tokenOf({ cookie: `${SESSION_COOKIE}=` })).toBeUndefined();
    expect(tokenOf({})).toBeUndefined();
  });
});

describe(sessionCookie.name, () => {
  it('is HttpOnly and SameSite=Strict, and Secure over HTTPS', () => {
    expect(sessionCookie('t', 60, false)).toBe(
      `${SESSION_COOKIE}=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie('t', 60, true)).toMatch(/; Secure$/);
  });
});
