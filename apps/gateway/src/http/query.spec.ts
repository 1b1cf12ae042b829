import { BadRequestException } from '@nestjs/common';
import { wholeNumberParam } from './query';

describe(wholeNumberParam.name, () => {
  it('reads a whole number up to its maximum, all 16 digits of a safe integer (a chat seq in Redis has 16)', () => {
    expect(wholeNumberParam({ since: '1883921116561409' }, 'since', 0, Number.MAX_SAFE_INTEGER)).toBe(
      1_883_921_116_561_409,
    );
    expect(wholeNumberParam({ since: '9007199254740991' }, 'since', 0, Number.MAX_SAFE_INTEGER)).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(wholeNumberParam({}, 'since', 7)).toBe(7);
  });

  it.each([['9007199254740992'], ['12345678901234567'], ['-1'], ['1.5'], ['']])(
    'refuses %j with 400 naming the parameter and its range',
    (value) => {
      expect(() => wholeNumberParam({ since: value }, 'since', 0, Number.MAX_SAFE_INTEGER)).toThrow(
        new BadRequestException(
          'query parameter "since" must be given once, as a whole number from 0 to 9007199254740991',
        ),
      );
    },
  );

  it('refuses a parameter given twice', () => {
    expect(() => wholeNumberParam({ since: ['1', '2'] }, 'since', 0)).toThrow(BadRequestException);
  });
});
