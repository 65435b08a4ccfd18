/**
 * Secrets in every shape the redaction promises to catch, each inside ordinary surroundings. `secret` is the part
 * that must not survive; `text` the string it hides in. Not one may survive capture or the export scrubbing.
 */
export const SECRET_TEXTS: Array<{ shape: string; secret: string; text: string }> = [
  {
    shape: 'OpenAI key',
    secret: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123',
    text: 'OPENAI_API_KEY=sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123 in .env',
  },
  {
    shape: 'Anthropic key',
    secret: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
    text: 'key sk-ant-api03-abcdefghijklmnopqrstuvwxyz used',
  },
  {
    shape: 'Stripe key',
    secret: 'sk_live_51HabcdefghijklmnopQRST',
    text: 'charge with sk_live_51HabcdefghijklmnopQRST',
  },
  {
    shape: 'GitHub token',
    secret: 'ghp_0123456789abcdefghijABCDEFGHIJ012345',
    text: 'git push https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/x',
  },
  { shape: 'AWS key id', secret: 'AKIAIOSFODNN7EXAMPLE', text: 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE' },
  {
    shape: 'Google API key',
    secret: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
    text: 'maps key AIzaSyA1234567890abcdefghijklmnopqrstuv',
  },
  { shape: 'Slack token', secret: 'xoxb-123456789012-abcdefghij', text: 'slack xoxb-123456789012-abcdefghij' },
  {
    shape: 'JWT',
    secret: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl',
    text: 'session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl',
  },
  { shape: 'Bearer header', secret: 'abc123def456ghi789', text: 'Authorization: Bearer abc123def456ghi789' },
  { shape: 'Basic header', secret: 'dXNlcjpwYXNzd29yZA==', text: 'Authorization: Basic dXNlcjpwYXNzd29yZA==' },
  { shape: 'URL password', secret: 'Pw-9f8e7d6c', text: 'DATABASE_URL=postgres://app:Pw-9f8e7d6c@db:5432/prod' },
  { shape: 'URL password, no user', secret: 'r3dis-pass', text: 'REDIS_URL=redis://:r3dis-pass@cache:6379/0' },
  { shape: 'URL password with / and @', secret: 'p@ss/w0rd', text: 'postgres://app:p@ss/w0rd@db.internal/x failed' },
  {
    shape: 'URL query password',
    secret: 'hunter2hunter2',
    text: 'GET https://host/login?user=bob&password=hunter2hunter2&next=/',
  },
  {
    shape: 'libpq password',
    secret: 's3cr3t-v4lue',
    text: 'host=db.internal port=5432 password=s3cr3t-v4lue dbname=app',
  },
  { shape: 'libpq quoted password', secret: 'two words', text: "host=db password='two words' user=app" },
  {
    shape: 'PEM key',
    secret: 'MIIEowIBAAKCAQEAr9p2',
    text: 'config:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAr9p2\nQm9yZWQ=\n-----END RSA PRIVATE KEY-----\nend',
  },
  // Every literal a rule's anchors list (see redaction.ts), so a long text holding only that variant is caught too.
  {
    shape: 'Stripe restricted test key',
    secret: 'rk_test_51Habcdefghijklmnop',
    text: 'stripe rk_test_51Habcdefghijklmnop',
  },
  ...['gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({
    shape: `GitHub ${prefix} token`,
    secret: `${prefix}0123456789abcdefghijABCDEFGHIJ012345`,
    text: `token ${prefix}0123456789abcdefghijABCDEFGHIJ012345 used`,
  })),
  {
    shape: 'GitHub fine-grained token',
    secret: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
    text: 'GH_TOKEN=github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
  },
  { shape: 'AWS temporary key id', secret: 'ASIAIOSFODNN7EXAMPLE', text: 'aws_session ASIAIOSFODNN7EXAMPLE' },
  ...['xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'].map((prefix) => ({
    shape: `Slack ${prefix} token`,
    secret: `${prefix}123456789012-abcdefghij`,
    text: `slack ${prefix}123456789012-abcdefghij`,
  })),
  ...['bearer', 'BEARER', 'basic', 'BASIC', 'Token', 'token', 'TOKEN'].map((scheme) => ({
    shape: `${scheme} header`,
    secret: 'abc123def456ghi789',
    text: `Authorization: ${scheme} abc123def456ghi789`,
  })),
  { shape: 'Bearer header, tab', secret: 'abc123def456ghi789', text: 'Authorization: Bearer\tabc123def456ghi789' },
  { shape: 'Token header, newline', secret: 'abc123def456ghi789', text: 'Authorization: Token\nabc123def456ghi789' },
  { shape: 'uppercase query password', secret: 'hunter2hunter2', text: 'GET https://h/?PASSWORD=hunter2hunter2' },
  { shape: 'libpq sslpassword', secret: 'k3y-pa55', text: 'host=db sslpassword=k3y-pa55 sslmode=verify-full' },
];

/** Keys whose values are secret whatever they look like. */
export const SECRET_KEYS = [
  'password',
  'db_password',
  'pass',
  'passwd',
  'pwd',
  'secret',
  'clientSecret',
  'api_key',
  'apiKey',
  'X-API-KEY',
  'authorization',
  'auth_header',
  'x-auth',
  'cookie',
  'Set-Cookie',
  'access_token',
  'refreshToken',
  'id_token',
  'csrf-token',
  'privateKey',
  'aws_secret_access_key',
  'credentials',
  'signature',
];
