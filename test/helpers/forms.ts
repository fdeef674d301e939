// Filling in Placard's forms over HTTP, as a browser without JavaScript would:
// GET the page, then POST, with its CSRF token where the page has one (the
// private pages of an emailed link; the public forms carry none: src/http/csrf.ts).
import type { Express } from 'express';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

export function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1]!;
}

/**
 * GETs a form's page; returns its CSRF token, or undefined for a public form,
 * which has none (sent as `_csrf: undefined`, the field is left out).
 */
export async function openForm(agent: Agent, path: string): Promise<string | undefined> {
  const res = await agent.get(path).expect(200);
  return /name="_csrf"/.test(res.text) ? csrfTokenIn(res.text) : undefined;
}

export const ACTION = 'free-the-zhanaozen-prisoners';

export type SignatureFields = Partial<Record<'name' | 'email' | 'country' | 'locality' | 'comment' | 'show_name' | 'wants_updates' | 'website', string>>;

/** Signs the demo petition as a new visitor; returns the response. */
export async function signPetition(app: Express, fields: SignatureFields, slug = ACTION) {
  const agent = request.agent(app);
  await agent.get(`/actions/${slug}`).expect(200);
  return agent
    .post(`/actions/${slug}/signatures`)
    .type('form')
    .send({ name: 'Aigerim', email: 'aigerim@example.org', country: 'KZ', ...fields });
}

/** Opens an emailed link and presses its button; returns the POST's response. */
export async function pressButtonBehind(app: Express, link: string) {
  const path = new URL(link).pathname;
  const agent = request.agent(app);
  const token = await openForm(agent, path);
  return agent.post(path).type('form').send({ _csrf: token });
}
