// The demo's letters: the Bar Council letter of the Haldane Society's post,
// one letter per confirmed signature; and a letter to Kazakhstan's embassies
// for the Zhanaozen anniversary, routed to the embassy in the signer's country
// (London where there is none) and sent as a daily digest. Every recipient is
// in the demo directory (src/letters/demo-recipients.ts), on example.org.
import type { Queryable } from '../db/pool.ts';
import type { NewAction } from '../actions/actions.repo.ts';
import { demoRecipientIds, insertLetter, letterActionIdBySlug, setLetterRecipients, type LetterSettings } from './letters.repo.ts';

/** The embassy letter's action, on the post that calls for letters to the embassies. */
export const demoEmbassyAction: Omit<NewAction, 'postId'> & { postSlug: string } = {
  postSlug: 'zhanaozen-massacre-third-anniversary',
  kind: 'letter',
  slug: 'zhanaozen-letter-to-the-embassy',
  title: 'Zhanaozen: write to Kazakhstan’s embassy in your country',
  demand: 'We ask the government of Kazakhstan for an independent inquiry into the shooting of oil workers in Zhanaozen on 16 December 2011, justice for the dead and the wounded, and freedom for the strikers and activists still in prison.',
  target: 'The embassy of the Republic of Kazakhstan in your country',
  goal: 2000,
  deadline: null,
  status: 'open',
};

// A collective letter (digest, scheduled) has no town or country of one signer: no empty line for them.
const signOff = `Yours sincerely,

{{signer_name}}
{{#if signer_country}}
{{#if signer_town}}{{signer_town}}, {{/if}}{{signer_country}}
{{/if}}
{{date}}`;

const ownParagraph = `{{#if signer_comment}}

{{signer_comment}}
{{/if}}`;

const barCouncilLetter = `Dear {{recipient_title}},

I am writing to ask the Bar Council of England and Wales to call off its business development mission to Kazakhstan.

On 16 December 2011, state forces opened fire on striking oil workers and their families in Zhanaozen, in the west of Kazakhstan. People were killed and many more were wounded. No one who gave the order to shoot has been brought to justice. Strikers and activists were jailed after trials in which their lawyers were obstructed, and some of them are still in prison.

A professional body that speaks for the rule of law should not lend its name to promoting business in a country where this has happened and goes unpunished. I ask you to call off the mission, and to speak up instead for the lawyers in Kazakhstan who defend workers and activists.
${ownParagraph}

${signOff}`;

const embassyLetter = `Dear {{recipient_title}},

On 16 December 2011, state forces opened fire on oil workers and their families in Zhanaozen. The workers had been on strike for seven months for fair pay and the right to organise. People were killed and many more were wounded, and the strikers and their supporters were then put on trial.

Those who have signed this letter ask the government of the Republic of Kazakhstan:

- to hold an independent, public inquiry into the shooting, and to bring to justice those who gave the order;
- to free every worker and activist still in prison for taking part in the strike or for speaking about it;
- to respect the right of workers to form independent trade unions and to strike.

Please pass this letter on to your government, and tell us what it will do.
${ownParagraph}

${signOff}`;

type DemoLetter = { actionSlug: string; settings: LetterSettings; recipients: (r: { name: string; country: string | null }) => boolean; fallbackCountry?: string };

const EMBASSY = 'Embassy of the Republic of Kazakhstan';

const defaults = { digestEvery: 'daily', digestHour: 9, scheduledLocal: null, attachPdf: false, perHour: 30, copyToSupporter: false } as const;

export const demoLetters: DemoLetter[] = [
  {
    actionSlug: 'bar-council-call-off-the-mission',
    settings: {
      ...defaults,
      subjectTemplate: 'A letter from {{signer_name}}: call off the business mission to Kazakhstan',
      bodyTemplate: barCouncilLetter,
      routing: 'fixed',
      fallbackRecipientId: null,
      delivery: 'each',
      // A supporter may add a paragraph; organisers read it first (Paragraphs to read).
      personalParagraph: true,
      copyToSupporter: true,
    },
    recipients: (r) => r.name === 'The Bar Council of England and Wales',
  },
  {
    actionSlug: demoEmbassyAction.slug,
    settings: {
      ...defaults,
      subjectTemplate: 'Justice for the oil workers of Zhanaozen',
      bodyTemplate: embassyLetter,
      routing: 'by_country',
      fallbackRecipientId: null,
      delivery: 'digest',
      personalParagraph: false,
    },
    recipients: (r) => r.name.startsWith(EMBASSY),
    fallbackCountry: 'GB',
  },
];

/** Writes the demo's letters for the demo actions that have none; skips one whose action or recipients are gone. */
export async function loadDemoLetters(db: Queryable): Promise<void> {
  const directory = await demoRecipientIds(db);
  for (const demo of demoLetters) {
    const actionId = await letterActionIdBySlug(db, demo.actionSlug);
    const recipients = directory.filter(demo.recipients);
    if (actionId === undefined || recipients.length === 0) continue;
    const fallback = demo.fallbackCountry ? recipients.find((r) => r.country === demo.fallbackCountry) : undefined;
    if (await insertLetter(db, actionId, { ...demo.settings, fallbackRecipientId: fallback?.id ?? null })) {
      await setLetterRecipients(db, actionId, recipients.map((r) => r.id));
    }
  }
}
