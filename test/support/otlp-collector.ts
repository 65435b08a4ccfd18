import { createServer, type Server } from 'node:http';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
export interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpAttribute[];
}
export interface OtlpRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }>;
  }>;
}

/** A stand-in OTLP/HTTP collector on loopback that keeps what it receives. */
export function startCollector(): Promise<{ server: Server; url: string; requests: OtlpRequest[]; bodies: string[] }> {
  const requests: OtlpRequest[] = [];
  /** Every request body as it arrived, to search for what must not leave the process. */
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      if (request.url === '/v1/traces' && request.headers['content-type']?.includes('json')) {
        requests.push(JSON.parse(body) as OtlpRequest);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}/v1/traces`, requests, bodies });
    }),
  );
}
