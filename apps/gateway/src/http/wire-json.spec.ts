import { chatEventJson } from './wire-json';

describe(chatEventJson.name, () => {
  it('gives a member several presence changes at once as one presence-changes frame', () => {
    expect(
      chatEventJson({
        event: {
          $case: 'presenceChanges',
          value: {
            changes: [
              { room: 'r', user: 'ann', online: true },
              { room: 'r', user: 'bob', online: false },
            ],
          },
        },
      }),
    ).toEqual({
      type: 'presence-changes',
      changes: [
        { room: 'r', user: 'ann', online: true },
        { room: 'r', user: 'bob', online: false },
      ],
    });
  });

  it('gives one presence change as a presence frame', () => {
    expect(
      chatEventJson({ event: { $case: 'presence', value: { room: 'r', user: 'ann', online: true } } }),
    ).toEqual({
      type: 'presence',
      room: 'r',
      user: 'ann',
      online: true,
    });
  });

  it('gives the count of a large room as a members frame', () => {
    expect(
      chatEventJson({ event: { $case: 'members', value: { room: 'r', count: 10_000, members: [] } } }),
    ).toEqual({ type: 'members', room: 'r', count: 10_000, members: [] });
  });
});
