import { EventStreamParser } from './event-stream';

describe(EventStreamParser.name, () => {
  it('returns each event once its blank line arrives', () => {
    const parser = new EventStreamParser();
    expect(parser.push('data: {"seq":1}\n\ndata: {"seq"')).toEqual([{ event: 'message', data: '{"seq":1}' }]);
    expect(parser.push(':2}\n')).toEqual([]);
    expect(parser.push('\nevent: end\ndata: {}\n\n')).toEqual([
      { event: 'message', data: '{"seq":2}' },
      { event: 'end', data: '{}' },
    ]);
  });

  it('reads CRLF and CR line ends, even split between pieces', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: error\r')).toEqual([]);
    expect(parser.push('\ndata: x\r\r\n')).toEqual([{ event: 'error', data: 'x' }]);
    expect(parser.push('data: y\r')).toEqual([]);
    expect(parser.push('\r')).toEqual([]);
    expect(parser.push('data: z\n\n')).toEqual([
      { event: 'message', data: 'y' },
      { event: 'message', data: 'z' },
    ]);
  });

  it('joins multi-line data, skips comments, and keeps the last id and the retry delay', () => {
    const parser = new EventStreamParser();
    expect(parser.push(': keep-alive\nid: 7\ndata: a\ndata:b\nretry: 10\n\n')).toEqual([
      { event: 'message', data: 'a\nb' },
    ]);
    expect(parser).toMatchObject({ lastEventId: '7', retryMs: 10 });
    parser.push('retry: soon\ndata: c\n\n');
    expect(parser).toMatchObject({ lastEventId: '7', retryMs: 10 });
  });

  it('takes an id as the last only once its event is complete, so a cut stream resumes at that event', () => {
    const parser = new EventStreamParser();
    parser.push('id: 22\ndata: a\n\n');
    expect(parser.push('id: 23\ndata: b\n')).toEqual([]);
    expect(parser.lastEventId).toBe('22');
    parser.push('\n');
    expect(parser.lastEventId).toBe('23');
  });

  it('sends no event for a blank line without data', () => {
    expect(new EventStreamParser().push('event: end\n\n\n')).toEqual([]);
  });
});
