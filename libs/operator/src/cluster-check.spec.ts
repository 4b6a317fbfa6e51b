import { parseHubUrl } from './cluster-check';
import { OperatorError } from './operator-error';

describe('parseHubUrl', () => {
  it('keeps an http or https URL without its trailing slashes', () => {
    expect(parseHubUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(parseHubUrl('https://hub.example.org/grid//')).toBe('https://hub.example.org/grid');
  });

  it.each([
    ['htp://127.0.0.1:8080', '--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got htp://127.0.0.1:8080)'],
    ['redis://:pw@127.0.0.1:6379', '--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got redis://****@127.0.0.1:6379)'],
    ['127.0.0.1:8080', '--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got 127.0.0.1:8080)'],
    ['hub', '--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got hub)'],
    ['http://me:secret@hub:8080', '--hub must not hold a user or password: give the token with --token or GRIDCTL_TOKEN'],
  ])('refuses %s in one line', (value, message) => {
    expect(() => parseHubUrl(value)).toThrow(new OperatorError(message));
  });
});
