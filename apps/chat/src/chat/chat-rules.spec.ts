import { joinProblem, postProblem } from './chat-rules';

describe(joinProblem.name, () => {
  it('accepts a room of a-z, 0-9, "-" and "_" and a user of letters, digits, "-", "_" and "."', () => {
    expect(joinProblem({ room: 'lobby_2-b', user: 'Ann.B-2_x', sinceSeq: 0n })).toBeUndefined();
  });

  it.each([
    [{ room: '', user: 'ann' }, 'room "" is not 1 to 32 characters of a-z, 0-9, "-" and "_"'],
    [{ room: 'Lobby', user: 'ann' }, 'room "Lobby" is not 1 to 32 characters of a-z, 0-9, "-" and "_"'],
    [
      { room: 'x'.repeat(33), user: 'ann' },
      `room "${'x'.repeat(33)}" is not 1 to 32 characters of a-z, 0-9, "-" and "_"`,
    ],
    [
      { room: 'lobby', user: '<script>' },
      'user "<script>" is not 1 to 32 characters of A-Z, a-z, 0-9, "-", "_" and "."',
    ],
    [{ room: 'lobby', user: '' }, 'user "" is not 1 to 32 characters of A-Z, a-z, 0-9, "-", "_" and "."'],
  ])('rejects %p, saying why', (join, message) => {
    expect(joinProblem({ ...join, sinceSeq: 0n })).toBe(message);
  });
});

describe(postProblem.name, () => {
  it('accepts text of up to 1000 characters, counting characters', () => {
    expect(postProblem({ text: '🙂'.repeat(1000), clientId: '' })).toBeUndefined();
  });

  it.each([
    [{ text: '', clientId: '' }, 'text must not be blank'],
    [{ text: ' \n\t', clientId: '' }, 'text must not be blank'],
    [{ text: 'x'.repeat(1001), clientId: '' }, 'text is 1001 characters long; at most 1000 are allowed'],
    [{ text: 'hi', clientId: 'c'.repeat(65) }, 'client_id is over 64 characters'],
  ])('rejects %p, saying why', (post, message) => {
    expect(postProblem(post)).toBe(message);
  });
});
