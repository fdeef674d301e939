// Filling in Placard's forms over HTTP, as a browser without JavaScript would:
// GET the page (which sets the CSRF cookie), then POST with its token.
import type { Express } from 'express';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

export function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1]!;
}

export async function openForm(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path).expect(200);
  return csrfTokenIn(res.text);
}

export const ACTION = 'free-the-zhanaozen-prisoners';

export type SignatureFields = Partial<Record<'name' | 'email' | 'country' | 'locality' | 'comment' | 'show_name' | 'wants_updates' | 'website', string>>;

/** Signs the demo petition as a new visitor; returns the response. */
export async function signPetition(app: Express, fields: SignatureFields, slug = ACTION) {
  const agent = request.agent(app);
  const token = await openForm(agent, `/actions/${slug}`);
  return agent
    .post(`/actions/${slug}/signatures`)
    .type('form')
    .send({ _csrf: token, name: 'Aigerim', email: 'aigerim@example.org', country: 'KZ', ...fields });
}

/** Opens an emailed link and presses its button; returns the POST's response. */
export async function pressButtonBehind(app: Express, link: string) {
  const path = new URL(link).pathname;
  const agent = request.agent(app);
  const token = await openForm(agent, path);
  return agent.post(path).type('form').send({ _csrf: token });
}
