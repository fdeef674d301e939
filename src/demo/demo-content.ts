// Demo content, loaded once on first start: one author and six posts modelled on
// the Kazakhstan solidarity campaign that Placard grew from. The facts (names,
// places, dates) are the campaign's; the sentences are written for Placard.
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import * as postsRepo from '../posts/posts.repo.ts';
import { createPost } from '../posts/posts.service.ts';
import * as settings from '../settings/settings.repo.ts';
import { insertAction, type NewAction } from '../actions/actions.repo.ts';
import { loadDemoRecipients } from '../letters/demo-recipients.ts';
import { demoEmbassyAction, loadDemoLetters } from '../letters/demo-letters.ts';
import { loadDemoProtestCall } from '../protests/demo-call.ts';

const DEMO_LOADED = 'demo_content_loaded';
const DEMO_ACTIONS_LOADED = 'demo_actions_loaded';
// The directory of recipients came later (issue 10): a flag of its own, so that an existing site gets it once.
const DEMO_RECIPIENTS_LOADED = 'demo_recipients_loaded';
// The letters came after the directory: the Bar Council's, and a new action to the embassies, once per site.
const DEMO_LETTERS_LOADED = 'demo_letters_loaded';

export const demoAuthor = {
  slug: 't',
  name: 'T',
  bio: 'Writes for the Kazakhstan solidarity campaign: news of strikes, protests and political prisoners.',
};

export const demoTags = {
  elections: { slug: 'elections', name: 'Elections', description: 'Votes, candidates and what they mean for working people.' },
  housing: { slug: 'housing', name: 'Housing', description: 'Families defending their homes.' },
  legal: { slug: 'legal-profession', name: 'Lawyers', description: 'Lawyers and the rule of law in Kazakhstan.' },
  zhanaozen: { slug: 'zhanaozen', name: 'Zhanaozen', description: 'The oil workers of Zhanaozen and the massacre of 16 December 2011.' },
  prisoners: { slug: 'political-prisoners', name: 'Political prisoners', description: 'Campaigning for the release of those jailed for their activism.' },
};

type DemoPost = { slug: string; title: string; publishedAt: string; tags: (keyof typeof demoTags)[]; body: string };

export const demoPosts: DemoPost[] = [
  {
    slug: 'roza-tuletaeva-is-free',
    title: 'Roza Tuletaeva is free!',
    publishedAt: '2014-08-14T10:00:00Z',
    tags: ['prisoners', 'zhanaozen'],
    body: `Bakhytzhan Toregozhina sends word from Kazakhstan: she has spoken to **Roza Tuletaeva** on the telephone and passed on our congratulations. Roza is out of prison.

Since her release the calls have not stopped. Friends, fellow strikers and supporters from every corner of Kazakhstan have rung to welcome her home, and many of them told her about the letters and protests from abroad.

To everyone who signed, wrote and stood outside an embassy: this is your news too. Thank you.`,
  },
  {
    slug: 'roza-released-step-up-for-other-prisoners',
    title: 'Roza’s release: now step up the campaign for the other political prisoners',
    publishedAt: '2014-08-20T09:00:00Z',
    tags: ['prisoners', 'zhanaozen'],
    body: `Roza Tuletaeva, one of the leaders of the Zhanaozen oil workers’ strike, is out of prison. She was sentenced to seven years; on appeal the term was cut to five, and this summer she was refused parole. Her release came as a surprise.

It did not come from nowhere. Pressure from trade unionists and human-rights campaigners inside Kazakhstan and around the world made her case impossible to bury.

Others are still behind bars for taking part in the strike or for speaking up about it. **Now is the moment to press harder, not to stop.** Sign the petition for their release below, and ask your union branch to add its name.`,
  },
  {
    slug: 'zhanaozen-massacre-third-anniversary',
    title: 'Zhanaozen, three years on: protest at Kazakhstan’s embassies on 16 December',
    publishedAt: '2014-12-01T09:00:00Z',
    tags: ['zhanaozen'],
    body: `On 16 December 2011, state forces opened fire on oil workers and their families in Zhanaozen, West Kazakhstan. The workers had been on strike for seven months. Their strike had grown into a movement that pensioners and the unemployed had joined.

Ainur Kurmanov of the Socialist Movement Kazakhstan calls on supporters everywhere to mark the third anniversary with **commemoration protests at Kazakhstan’s embassies on 16 December**.

- Find or organise a protest at the embassy in your country.
- Send a letter to the embassy demanding justice for the dead and freedom for the jailed strikers.
- Tell us about your protest so that others can join it.`,
  },
  {
    slug: 'haldane-society-protests-bar-council-mission',
    title: 'Haldane Society protests the Bar Council’s business mission to Kazakhstan',
    publishedAt: '2015-03-02T09:00:00Z',
    tags: ['legal'],
    body: `The Haldane Society of Socialist Lawyers, founded in 1930, has written to the Bar Council of England and Wales, 289–293 High Holborn, London WC1V 7HZ, about its planned business development mission to Kazakhstan. The letter went by post and by email and was marked as extremely urgent.

The Society asks how a professional body that speaks for the rule of law can promote business in a country where striking workers were shot, their lawyers were obstructed and activists remain in prison.

You can add your voice: send the Bar Council a letter of your own using the form below.`,
  },
  {
    slug: 'housing-protest-astana-day-one',
    title: 'Astana housing protest: a report from day one',
    publishedAt: '2015-04-07T18:00:00Z',
    tags: ['housing'],
    body: `**7 April 2015.** Activists of the ONJ, the movement whose name means “Leave the People’s Homes Alone”, came to Astana from several regions of the country. They asked to meet Nursultan Nazarbayev, now a candidate in the presidential election.

They did not get in. Every entrance to the President’s office and to the House of Ministers was blocked.

The families behind the ONJ face losing their homes to banks and developers. We will report on the days that follow; send a message of solidarity and we will pass it on.`,
  },
  {
    slug: 'presidential-election-and-a-workers-movement',
    title: 'Kazakhstan’s presidential election, and why workers need a movement of their own',
    publishedAt: '2015-04-14T09:00:00Z',
    tags: ['elections'],
    body: `Nursultan Nazarbayev has ruled Kazakhstan since 1989. This spring he proposed bringing the 2016 presidential election forward, and parliament, which has never refused him, agreed: the vote is set for **26 April**.

Only three candidates have been allowed to stand. None of them speaks for the oil workers of the west, for the families fighting eviction, or for the prisoners of Zhanaozen.

That is the argument for building an independent workers’ movement: not to choose between the permitted candidates, but to organise in workplaces and neighbourhoods for the rights that no candidate will grant. Follow this campaign to hear how that work goes.`,
  },
];

type DemoAction = Omit<NewAction, 'postId'> & { postSlug: string };

export const demoActions: DemoAction[] = [
  {
    postSlug: 'roza-released-step-up-for-other-prisoners',
    kind: 'petition',
    slug: 'free-the-zhanaozen-prisoners',
    title: 'Free the Zhanaozen strikers still in prison',
    demand:
      'We call on the authorities of Kazakhstan to release every oil worker and activist jailed for the Zhanaozen strike of 2011, as Roza Tuletaeva has been released, and to bring to justice those who ordered the shooting of 16 December 2011.',
    target: 'The President and the Prosecutor General of the Republic of Kazakhstan',
    goal: 5000,
    deadline: null,
    status: 'open',
  },
  {
    postSlug: 'haldane-society-protests-bar-council-mission',
    kind: 'letter',
    slug: 'bar-council-call-off-the-mission',
    title: 'Bar Council: call off the business mission to Kazakhstan',
    demand:
      'We ask the Bar Council of England and Wales not to promote business in Kazakhstan while striking workers’ deaths go unpunished and their lawyers are obstructed.',
    target: 'The Bar Council, 289–293 High Holborn, London WC1V 7HZ',
    goal: 1000,
    deadline: null,
    status: 'open',
  },
  {
    postSlug: 'roza-tuletaeva-is-free',
    kind: 'petition',
    slug: 'release-roza-tuletaeva',
    title: 'Release Roza Tuletaeva',
    demand: 'Release Roza Tuletaeva, jailed for her part in leading the Zhanaozen oil workers’ strike.',
    target: 'The authorities of the Republic of Kazakhstan',
    goal: 2000,
    deadline: null,
    status: 'won',
    outcome: 'Roza Tuletaeva was released from prison in August 2014. Thank you to everyone who signed.',
  },
];

/** Loads the demo actions once, on their own flag, so that an existing site gets them too. */
async function loadDemoActions(db: Parameters<typeof insertAction>[0]): Promise<void> {
  if (!(await settings.claimOnce(db, DEMO_ACTIONS_LOADED))) return;
  const postIds = await postsRepo.listPostIdsBySlugs(db, demoActions.map((a) => a.postSlug));
  for (const { postSlug, ...action } of demoActions) {
    const postId = postIds.get(postSlug);
    if (postId !== undefined) await insertAction(db, { ...action, postId });
  }
}

/** Loads the demo's recipients once, on their own flag. */
async function loadDemoDirectory(db: Parameters<typeof insertAction>[0]): Promise<void> {
  if (await settings.claimOnce(db, DEMO_RECIPIENTS_LOADED)) await loadDemoRecipients(db);
}

/**
 * Loads the demo's letters once, on their own flag, after the directory: the
 * embassy letter's action, then a letter for it and for the Bar Council action
 * (an open letter action needs its letter: it would show nothing to sign).
 */
async function loadDemoLetterActions(db: Parameters<typeof insertAction>[0]): Promise<void> {
  if (!(await settings.claimOnce(db, DEMO_LETTERS_LOADED))) return;
  const { postSlug, ...action } = demoEmbassyAction;
  const postId = (await postsRepo.listPostIdsBySlugs(db, [postSlug])).get(postSlug);
  if (postId !== undefined) await insertAction(db, { ...action, postId });
  await loadDemoLetters(db);
}

/** Loads the demo once; a flag in settings keeps later starts from re-adding deleted posts. */
export async function loadDemoContent(pool: Pool, log: Logger, now = new Date()): Promise<boolean> {
  return withTransaction(pool, async (db) => {
    const claimed = await settings.claimOnce(db, DEMO_LOADED);
    if (!claimed) {
      await loadDemoActions(db);
      await loadDemoDirectory(db);
      await loadDemoLetterActions(db);
      await loadDemoProtestCall(db, now);
      return false;
    }
    const authorId = await postsRepo.upsertAuthor(db, demoAuthor);
    const tagIds = new Map<string, number>();
    for (const [key, tag] of Object.entries(demoTags)) tagIds.set(key, await postsRepo.upsertTag(db, tag));
    for (const post of demoPosts) {
      const postId = await createPost(db, {
        slug: post.slug,
        title: post.title,
        authorId,
        status: 'published',
        publishedAt: new Date(post.publishedAt),
        bodyMarkdown: post.body,
      });
      if (postId === undefined) continue;
      for (const tag of post.tags) await postsRepo.tagPost(db, postId, tagIds.get(tag)!);
    }
    await loadDemoActions(db);
    await loadDemoDirectory(db);
    await loadDemoLetterActions(db);
    // The protest call (issue 11), after the directory: its protests stand at the demo embassies.
    await loadDemoProtestCall(db, now);
    log.info({ posts: demoPosts.length, actions: demoActions.length }, 'demo content loaded');
    return true;
  });
}
