// The demo directory: Kazakhstan's embassies in the countries where the
// Zhanaozen anniversary protests were called, and the Bar Council of England
// and Wales (the seed's protest against its business mission to Kazakhstan).
// Every address is on example.org and marked demo: no real inbox gets a letter.
import type { Queryable } from '../db/pool.ts';
import { insertRecipient, type NewRecipient } from './recipients.repo.ts';

const EMBASSY = 'Embassy of the Republic of Kazakhstan';

// Postal addresses are the demo's own (street names made up, cities real), so that the printed letter has a block to show.
const embassies: [country: string, city: string, timeZone: string, language: string][] = [
  ['GB', 'London', 'Europe/London', 'en'],
  ['DE', 'Berlin', 'Europe/Berlin', 'de'],
  ['BE', 'Brussels', 'Europe/Brussels', 'fr'],
  ['FR', 'Paris', 'Europe/Paris', 'fr'],
  ['US', 'Washington', 'America/New_York', 'en'],
  ['RU', 'Moscow', 'Europe/Moscow', 'ru'],
  ['NL', 'The Hague', 'Europe/Amsterdam', 'nl'],
  ['AT', 'Vienna', 'Europe/Vienna', 'de'],
  ['SE', 'Stockholm', 'Europe/Stockholm', 'sv'],
];

export const demoRecipients: NewRecipient[] = [
  ...embassies.map(([country, city, timeZone, language]): NewRecipient => ({
    name: `${EMBASSY} in ${city}`,
    title: 'Ambassador',
    organisation: EMBASSY,
    country,
    language,
    timeZone,
    postalAddress: `${EMBASSY}\n1 Demo Street\n${city}`,
    demo: true,
    emails: [`embassy-${country.toLowerCase()}@example.org`],
  })),
  {
    name: 'The Bar Council of England and Wales',
    title: 'Chair of the Bar',
    organisation: 'The Bar Council',
    country: 'GB',
    language: 'en',
    timeZone: 'Europe/London',
    postalAddress: 'The Bar Council\n289–293 High Holborn\nLondon WC1V 7HZ',
    demo: true,
    emails: ['bar-council@example.org'],
  },
];

export async function loadDemoRecipients(db: Queryable): Promise<void> {
  for (const recipient of demoRecipients) await insertRecipient(db, recipient);
}
