/** Server-Sent Events as the console's live view sends them, read the way a browser's EventSource does. */

/** One event: its `event:` name (undefined: the default "message") and its `data:` line. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * A chunk consumer for an SSE stream (`res.setEncoding('utf8'); res.on('data', sseReader(onEvent))`): calls
 * `onEvent` for each complete block that carries data. Comment blocks (`: keepalive`) and the `retry:` block
 * carry none and are skipped; a block split across chunks waits for its end.
 */
export function sseReader(onEvent: (event: SseEvent) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const lines = buffer.slice(0, cut).split('\n');
      buffer = buffer.slice(cut + 2);
      const data = lines.find((l) => l.startsWith('data: '));
      if (data === undefined) continue;
      const name = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
      onEvent({ ...(name === undefined ? {} : { event: name }), data: data.slice('data: '.length) });
    }
  };
}
