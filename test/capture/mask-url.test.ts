import { findUrls, maskUrl, maskUrlsIn } from '../../src/capture/mask-url';

describe('maskUrl', () => {
  it.each([
    ['postgres://agent:s3cret@db.example.com:5432/runs', 'postgres://agent:***@db.example.com:5432/runs'],
    ['postgresql://agent:s3cret@db/runs?sslmode=require', 'postgresql://agent:***@db/runs?sslmode=require'],
    // Unencoded '@', ':' and '/' inside the password: the host starts after the last '@'.
    ['postgres://agent:p@ss:w/rd@db:5432/runs', 'postgres://agent:***@db:5432/runs'],
    ['postgres://agent:p%40ss@db/runs', 'postgres://agent:***@db/runs'],
    ['postgres://agent:@db/runs', 'postgres://agent:***@db/runs'],
    [
      'postgres://db/runs?user=agent&password=s3cret&sslmode=require',
      'postgres://db/runs?user=agent&password=***&sslmode=require',
    ],
    ['postgres://agent@db/runs?sslpassword=keypass', 'postgres://agent@db/runs?sslpassword=***'],
    ['host=db user=agent password=s3cret dbname=runs', 'host=db user=agent password=*** dbname=runs'],
    ["host=db password='s3 cret' dbname=runs", 'host=db password=*** dbname=runs'],
  ])('masks the password in %s', (url, expected) => {
    expect(maskUrl(url)).toBe(expected);
  });

  it.each(['postgres://agent@db:5432/runs', 'postgres://db/runs', 'postgres://postgres@127.0.0.1:5432/test', ''])(
    'leaves %p unchanged (no password)',
    (url) => {
      expect(maskUrl(url)).toBe(url);
    },
  );

  it('never lets any part of the password through', () => {
    const password = 'Xy7:@/Zq#9';
    const masked = maskUrl(`postgres://agent:${password}@db.internal:6543/runs`);
    for (const part of ['Xy7', 'Zq#9']) expect(masked).not.toContain(part);
    expect(masked).toContain('db.internal:6543/runs');
  });

  it('masks connection strings quoted inside a message', () => {
    expect(maskUrlsIn('cannot reach postgres://a:b3cret@h/db (timeout)')).toBe(
      'cannot reach postgres://a:***@h/db (timeout)',
    );
    expect(maskUrlsIn('bad dsn: host=h password=b3cret')).toBe('bad dsn: host=h password=***');
  });
});

describe('findUrls', () => {
  // What the redaction rule's pattern finds; findUrls must find exactly the same, searching from each `://`.
  const URL_PATTERN = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>]+/gi;
  const byPattern = (text: string): Array<[number, number]> =>
    [...text.matchAll(URL_PATTERN)].map((match) => [match.index, match.index + match[0].length]);

  it.each([
    ['see https://user:pw@example.com/x?y=1 ok', [[4, 37]]],
    [
      'redis://:pw@cache:6379 and postgres://a:b@db/x',
      [
        [0, 22],
        [27, 46],
      ],
    ],
    ['"s3://bucket/key"', [[1, 16]]],
    ['<http://x>', [[1, 9]]],
    ['://nothing before', []],
    // A scheme starts where its run of scheme characters starts, with a letter.
    ['1http://digit-first', []],
    ['_http://after-underscore', [[1, 24]]],
    ['http:// followed by space', []],
    [`${'a'.repeat(33)}://too-long-scheme`, []],
    [`${'a'.repeat(32)}://longest-scheme`, [[0, 49]]],
    ['x://a:x://a:x://a:', [[0, 18]]],
    ['-://a+b://c', [[4, 11]]],
    ['A.B-C+D://UPPER', [[0, 15]]],
  ])('%s', (text, expected) => {
    expect(findUrls(text)).toEqual(expected);
    expect(byPattern(text)).toEqual(expected);
  });

  it('finds what the pattern finds in 20,000 random texts of URL characters', () => {
    // Runs of scheme characters long enough to pass the 32-character limit, too.
    const alphabet = [
      'a',
      'aaaaaaaaaaaa',
      'Z',
      '0',
      '+',
      '.',
      '-',
      ':',
      '/',
      '//',
      '://',
      ' ',
      '\t',
      '"',
      "'",
      '<',
      '>',
      '@',
      '_',
      'é',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let length = random(40); length > 0; length--) text += alphabet[random(alphabet.length)];
      expect([text, findUrls(text)]).toEqual([text, byPattern(text)]);
    }
  });
});
