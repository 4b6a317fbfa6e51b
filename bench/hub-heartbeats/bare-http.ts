/**
 * Baseline: a bare Node `http` server that reads the body, parses the JSON and answers
 * `{"stop_requested":false}`. No routing, no auth, no validation: the ceiling of one process.
 * Usage: bare-http.ts <port>
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const answer = Buffer.from(JSON.stringify({ stop_requested: false }));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"malformed JSON"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length }).end(answer);
  });
});

server.listen(port, '127.0.0.1', () => console.log(`bare-http listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
