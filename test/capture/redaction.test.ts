import { compileRedaction } from '../../src/capture/redaction';

describe('secret keys', () => {
  const redaction = compileRedaction({});
  it.each([
    'password',
    'Password',
    'db_password',
    'passwd',
    'secret',
    'clientSecret',
    'api_key',
    'apiKey',
    'X-API-KEY',
    'authorization',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'access_token',
    'refreshToken',
    'id_token',
    'auth_header',
    'pass',
    'privateKey',
    'aws_secret_access_key',
    'credentials',
    'x-auth',
    'signature',
  ])('%s is secret', (key) => expect(redaction.isSecretKey(key)).toBe(true));
  it.each([
    'maxTokens',
    'max_tokens',
    'inputTokens',
    'tokens',
    'token_count',
    'tokenizer',
    'author',
    'keyword',
    'passage',
    'name',
    'description',
    'model',
    'sessionId',
    // A bare `token` names a generated token in OpenAI's logprobs; a secret under it is still found by its shape.
    'token',
    'inputToken',
    'secretary',
    'bypass',
  ])('%s is not secret', (key) => expect(redaction.isSecretKey(key)).toBe(false));
});

describe('secret values', () => {
  const redaction = compileRedaction({});
  it.each([
    ['OpenAI key', 'key=sk-abcdefghijklmnopqrstuvwx', 'key=[REDACTED]'],
    ['OpenAI project key', 'sk-proj-AbC_dEf-123456789012345', '[REDACTED]'],
    ['Anthropic key', 'x sk-ant-api03-abcdefghijklmnopqrstuv y', 'x [REDACTED] y'],
    ['Stripe key', 'sk_live_abcdefghijklmnop1234', '[REDACTED]'],
    ['bearer header', 'Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer [REDACTED]'],
    ['basic header', 'Basic dXNlcjpwYXNzd29yZA==', 'Basic [REDACTED]'],
    ['GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', '[REDACTED]'],
    ['AWS key id', 'AKIAIOSFODNN7EXAMPLE', '[REDACTED]'],
    ['JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk', 'token [REDACTED]'],
    ['URL password', 'postgres://app:p4ss@db:5432/x', 'postgres://app:[REDACTED]@db:5432/x'],
    ['Slack token', 'xoxb-1234567890-abcdef', '[REDACTED]'],
    ['PEM key', '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----', '[REDACTED]'],
  ])('%s', (_name, input, expected) => expect(redaction.redactPatterns(input)).toBe(expected));

  it('leaves ordinary text alone and returns the same string', () => {
    const text = 'The quarterly plan: grow sk-less markets by 10% (tokens: 1200).';
    expect(redaction.redactPatterns(text)).toBe(text);
  });

  it('uses a custom replacement literally, even with $ signs', () => {
    const custom = compileRedaction({ replacement: '$$X$1' });
    expect(custom.redactPatterns('sk-abcdefghijklmnopqrstuvwx')).toBe('$$X$1');
  });
});
