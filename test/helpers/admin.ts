// Organisers in tests: an account made as the command line makes one, and a
// supertest agent signed in through the real sign-in form (so its session
// cookie and CSRF cookie are what a browser would hold).
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { createOrganiser } from '../../src/admin/accounts.service.ts';
import type { Role } from '../../src/admin/kit.ts';
import type { TestApp } from './app.ts';
import { csrfTokenIn, type Agent } from './forms.ts';

export type TestOrganiser = { id: number; email: string; name: string; role: Role; password: string };

export async function createAccount(t: Pick<TestApp, 'db'>, options: { role?: Role; email?: string; name?: string; password?: string } = {}): Promise<TestOrganiser> {
  const password = options.password ?? 'correct horse battery staple';
  const email = options.email ?? `organiser-${randomUUID().slice(0, 8)}@example.org`;
  const noQueue = { enqueue: () => Promise.reject(new Error('no queue')) };
  const made = await createOrganiser({ db: t.db.pool, queue: noQueue }, { email, name: options.name ?? 'Test Organiser', role: options.role ?? 'organiser', password }, null);
  return { ...made, password };
}

/**
 * GETs `path` with the agent and returns the `_csrf` value of its form. Await it
 * before building the POST: supertest takes the agent's cookies when a request is
 * made, so `agent.post(p).send({ _csrf: await csrfToken(agent, p) })` sends the old ones.
 */
export async function csrfToken(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  return csrfTokenIn(res.text);
}

/** Signs in through the form; the agent then holds the session. */
export async function signInAgent(t: Pick<TestApp, 'app'>, organiser: Pick<TestOrganiser, 'email' | 'password'>): Promise<Agent> {
  const agent = request.agent(t.app);
  const token = await csrfToken(agent, '/admin/sign-in');
  const res = await agent.post('/admin/sign-in').type('form').send({ _csrf: token, email: organiser.email, password: organiser.password });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return agent;
}

export async function signIn(t: Pick<TestApp, 'app' | 'db'>, options: { role?: Role; email?: string; name?: string } = {}): Promise<{ agent: Agent; organiser: TestOrganiser }> {
  const organiser = await createAccount(t, options);
  return { agent: await signInAgent(t, organiser), organiser };
}

export type AppRoute = { method: string; path: string };
type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/**
 * Every route of the app, found by walking its router (Express 5's app.router),
 * so that a test of "every admin route" covers a route added later too.
 */
export function routesOf(app: Express): AppRoute[] {
  const found: AppRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push({ method, path: layer.route.path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}
