import { ChunkCollector } from '../../src/capture/chunk-collector';
import { captureSettings } from '../../src/capture/settings';

const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123';

/** OpenAI chat.completion.chunk objects whose deltas, joined, are `text`, sent `size` characters at a time. */
function openAiChunks(text: string, size: number) {
  const chunks = [];
  for (let i = 0; i < text.length; i += size) {
    chunks.push({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: text.slice(i, i + size) } }],
    });
  }
  return chunks;
}

function collected(chunks: unknown[]): string {
  const collector = new ChunkCollector(captureSettings());
  for (const chunk of chunks) collector.add(chunk);
  return collector.result();
}

function joinedDeltas(json: string): string {
  return (JSON.parse(json) as Array<{ choices: Array<{ delta: { content: string } }> }>)
    .map((chunk) => chunk.choices[0]!.delta.content)
    .join('');
}

describe('a secret sent a few characters per chunk', () => {
  it.each([1, 3, 7])('is not given back by the deltas joined (%s characters a chunk)', (size) => {
    const deltas = joinedDeltas(collected(openAiChunks(`Your key is ${KEY}, keep it safe.`, size)));
    expect(deltas).not.toContain(KEY);
    expect(deltas).not.toContain(KEY.slice(8, 20));
    // Chunks holding part of it are replaced whole; the text around it stays.
    expect(deltas.startsWith('Your ke')).toBe(true);
    expect(deltas.endsWith('safe.')).toBe(true);
    expect(deltas).toContain('[REDACTED]');
  });

  it('in text chunks, joined before capture', () => {
    const pieces = `Your key is ${KEY}.`.match(/.{1,4}/gs)!;
    expect(JSON.parse(collected(pieces))).toBe('Your key is [REDACTED].');
  });

  it('leaves a stream without a secret exactly as captured', () => {
    const chunks = openAiChunks('A token is a piece of text; this is a basic answer.', 3);
    expect(JSON.parse(collected(chunks))).toEqual(chunks);
  });
});
