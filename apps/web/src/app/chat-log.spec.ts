import { ChatLog } from './chat-log';

const line = (seq: number) => ({ seq, user: 'ann', text: `message ${seq}` });

describe(ChatLog.name, () => {
  it('keeps messages in seq order, each once, whatever order they come in', () => {
    const log = new ChatLog();
    expect([3, 1, 2, 3, 1].map((seq) => log.add(line(seq)))).toEqual([true, true, true, false, false]);
    expect(log.all.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(log.lastSeq).toBe(3);
  });

  it('keeps only the latest messages up to its limit', () => {
    const log = new ChatLog(3);
    for (const seq of [1, 2, 3, 4, 5]) log.add(line(seq));
    expect(log.all.map((l) => l.seq)).toEqual([3, 4, 5]);
    expect(log.add(line(1))).toBe(false);
    expect(log.all.map((l) => l.seq)).toEqual([3, 4, 5]);
  });

  it('starts from 0 and can be emptied for another room', () => {
    const log = new ChatLog();
    expect(log.lastSeq).toBe(0);
    log.add(line(9));
    log.clear();
    expect(log.lastSeq).toBe(0);
  });
});
