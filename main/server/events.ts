/**
 * Server-Sent Events for web mode: one subscription to the back end, fanned out to every open page.
 * Each contract event goes out as `event: <name>` with its JSON payload; a comment line every
 * 15 s keeps proxies and idle timers from closing the stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend, EventName } from '../api/contract';

const heartbeatMs = 15_000;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(backend: Backend) {
    this.unsubscribe = backend.subscribe((event, payload) => this.broadcast(event, payload));
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) client.write(': ping\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    // Tell the browser how soon to reconnect, then confirm the stream is open.
    res.write('retry: 2000\n\n');
    res.write('event: ready\ndata: {}\n\n');
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.once('close', drop);
    res.once('close', drop);
  }

  private broadcast(event: EventName, payload: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const client of this.clients) client.write(frame);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
