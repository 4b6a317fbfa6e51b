/** Pieces of a streamed JSON array are about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/**
 * A JSON array written in pieces: `[`, the items' JSON joined by commas, `]`, cut into chunks
 * of about `chunkChars`, so an answer of any length never becomes one string. Items are
 * serialised as the stream is read (a slow reader sees them as they are then).
 */
export function* jsonArrayChunks<T>(items: Iterable<T>, toJson: (item: T) => unknown, chunkChars = CHUNK_CHARS): Generator<string> {
  let piece = '[';
  let first = true;
  for (const item of items) {
    piece += (first ? '' : ',') + JSON.stringify(toJson(item));
    first = false;
    if (piece.length >= chunkChars) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}]`;
}
