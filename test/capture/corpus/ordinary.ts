/**
 * Ordinary text and data that redaction must leave exactly as it is: English prose, code, the JSON of real LLM
 * requests and responses, logprobs. Words near secret words (basic, token, bearer, secretary, pass) included.
 */
export const ORDINARY_TEXTS = [
  'This is a basic question about tokens.',
  'Basic arithmetic comes first; token limits come later.',
  'The bearer of this letter is my secretary, who will pass it on.',
  'Token budgets: the model read 1200 input tokens and wrote 300.',
  'Use a password manager; never write passwords in code.',
  'See https://example.com/docs/getting-started?lang=en#install for details.',
  'Send it to alice@example.com or visit https://example.com/@alice.',
  'const token = tokenizer.encode(text); const password = await vault.read(name);',
  'if (user.passwordHash === hash(input)) { return session.create(user.id); }',
  "SELECT id, email FROM users WHERE created_at > now() - interval '1 day';",
  'def authenticate(username, password):\n    return check(username, password)',
  'The authorization server issues codes; the client exchanges them.',
  'Prices: gpt-4o-mini costs $0.15 per million input tokens (cached: $0.075).',
];

/** JSON as LLM APIs send and receive it: every key and value must come back unchanged. */
export const ORDINARY_JSON: unknown[] = [
  {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'This is a basic question: what is a token?' },
    ],
    max_tokens: 256,
    temperature: 0.2,
    stream_options: { include_usage: true },
  },
  {
    id: 'chatcmpl-abc123',
    object: 'chat.completion',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'A token is a piece of text the model reads.' },
        logprobs: {
          content: [
            { token: 'A', logprob: -0.01, bytes: [65], top_logprobs: [{ token: 'A', logprob: -0.01, bytes: [65] }] },
            { token: ' token', logprob: -0.2, bytes: [32, 116, 111, 107, 101, 110], top_logprobs: [] },
          ],
        },
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  },
  {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5-20251001',
    content: [{ type: 'text', text: 'Basic answer.' }],
    stop_reason: 'end_turn',
    usage: { input_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 300 },
  },
  { secretary: 'Ms. Lee', inputToken: 42, outputToken: 7, tokenizer: 'o200k_base', author: 'Bob', passage: 'ch. 3' },
];
