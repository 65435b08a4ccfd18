import { maskUrl, maskUrlsIn } from '../../src/capture/mask-url';

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
