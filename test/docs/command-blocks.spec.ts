import { commandBlocks, MarkerError } from './command-blocks';

const md = (...lines: string[]) => lines.join('\n');

describe('commandBlocks', () => {
  it('takes bash, sh and shell fences and leaves toml, code and untagged output alone', () => {
    const blocks = commandBlocks(
      'D.md',
      md('# T', '```bash', 'echo one', '```', '```toml', 'a = 1', '```', '```', 'output', '```', '```sh', '# a comment', 'echo two', '```', '```ts', 'x()', '```'),
    );
    expect(blocks.map((b) => [b.line, b.firstLine, b.mode])).toEqual([
      [2, 'echo one', 'run'],
      [11, 'echo two', 'run'],
    ]);
  });

  it('reads a marker on the line just before a block, with its reason', () => {
    const [skipped, background, plain] = commandBlocks(
      'D.md',
      md('<!-- docs-test: skip (needs a Kubernetes cluster) -->', '```bash', 'kubectl apply -k x', '```', '<!-- docs-test: background (runs until Ctrl-C) -->', '```sh', 'npm run dev', '```', '```bash', 'ls', '```'),
    );
    expect([skipped.mode, skipped.reason]).toEqual(['skip', 'needs a Kubernetes cluster']);
    expect([background.mode, background.reason, background.script]).toEqual(['background', 'runs until Ctrl-C', 'npm run dev']);
    expect([plain.mode, plain.reason]).toEqual(['run', null]);
  });

  it('strips the indentation of a block inside a list item', () => {
    const [block] = commandBlocks('D.md', md('- item:', '', '  <!-- docs-test: skip (remote) -->', '  ```bash', '  curl -X POST x \\', '    -d y', '  ```'));
    expect(block.script).toBe('curl -X POST x \\\n  -d y');
    expect(block.mode).toBe('skip');
  });

  it('refuses a marker without a reason, a misspelt one, or one that is not just before a command block', () => {
    expect(() => commandBlocks('D.md', md('<!-- docs-test: skip -->', '```bash', 'x', '```'))).toThrow(MarkerError);
    expect(() => commandBlocks('D.md', md('<!-- docs-test: skipp (x) -->', '```bash', 'x', '```'))).toThrow(/unreadable docs-test marker/);
    expect(() => commandBlocks('D.md', md('<!-- docs-test: skip (x) -->', 'text', '```bash', 'x', '```'))).toThrow(/just before a command block/);
    expect(() => commandBlocks('D.md', md('<!-- docs-test: skip (x) -->', '```toml', 'a = 1', '```'))).toThrow(/only bash\/sh blocks run/);
  });
});
