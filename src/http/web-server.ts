// The HTTP server and its graceful stop. On stop it accepts no new connection.
// A request on a connection already open is answered with `Connection: close`,
// and the connection closed after it; requests in flight finish. A connection
// that stays idle is closed after IDLE_GRACE_MS. At the deadline, whatever is
// still open is closed.
import http from 'node:http';
import net from 'node:net';
import type { Logger } from '../log.ts';

// How long a connection idle at the stop may stay open. Under load, the next
// request of a kept-alive connection has often arrived but is still unread:
// closing at once would reset it (measured: about half of the busy connections),
// while within this grace it is read and answered with `Connection: close`.
const IDLE_GRACE_MS = 100;

export type WebServer = {
  server: http.Server;
  /** Resolves once listening; rejects when the port is taken. */
  listen: (port: number, host: string) => Promise<void>;
  stop: (deadline: number) => Promise<void>;
};

export function createWebServer(app: http.RequestListener, log: Logger): WebServer {
  let stopping = false;
  const inFlight = new Set<http.ServerResponse>();
  // After the grace, and after the next read of the sockets: should the event
  // loop have been busy past the grace, what has arrived meanwhile is read first.
  const closeIdleSoon = () => setTimeout(() => setImmediate(() => server.closeIdleConnections()), IDLE_GRACE_MS);
  const server = http.createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // Its headers may have said keep-alive, before the stop: the connection is now idle.
      if (stopping) closeIdleSoon();
    });
    if (stopping) res.setHeader('Connection', 'close');
    app(req, res);
  });
  // Longer than a proxy's idle timeout (60 s for nginx and most load balancers),
  // so that a proxy never sends a request on a connection Placard has just
  // closed. headersTimeout stays at Node's 60 s, counted from a request's first byte.
  server.keepAliveTimeout = 65_000;

  const listen = (port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });

  const stop = (deadline: number) =>
    new Promise<void>((resolve) => {
      stopping = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const timer = setTimeout(() => {
        log.warn({ requests: inFlight.size }, 'connections still open at the deadline; closing them');
        server.closeAllConnections();
      }, Math.max(0, deadline - Date.now()));
      // Stop accepting. Not http.Server's close(), which would also close the idle
      // connections at once: see IDLE_GRACE_MS.
      net.Server.prototype.close.call(server, () => {
        clearTimeout(timer);
        resolve();
      });
      closeIdleSoon();
    });
  return { server, listen, stop };
}
