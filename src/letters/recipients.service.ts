// The directory of recipients as organisers keep it: add, edit, delete a
// recipient; add or remove an address; suppress an address or make it active
// again. Each change is one transaction with its audit entry. A bounced
// address (marked by delivery, src/letters/deliver.task.ts) is flagged in the
// list with since when and why: stale contacts are the most common failure of
// letter campaigns, and an organiser must see one before relying on it.
import { changedFields, recordAudit } from '../admin/audit.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound } from '../errors.ts';
import * as repo from './recipients.repo.ts';
import type { HealthChange, RecipientInput } from './recipients.schema.ts';

type Actor = { organiserId: number };

export type DirectoryEntry = repo.Recipient & { addresses: repo.DirectoryAddress[]; flagged: boolean };

/** Every recipient with its addresses; `flagged` when one of them is not active. */
export async function listDirectory(db: Queryable): Promise<DirectoryEntry[]> {
  const [recipients, addresses] = await Promise.all([repo.listRecipients(db), repo.listAllAddresses(db)]);
  const byRecipient = new Map<number, repo.DirectoryAddress[]>();
  for (const a of addresses) {
    const list = byRecipient.get(a.recipient_id) ?? [];
    list.push(a);
    byRecipient.set(a.recipient_id, list);
  }
  return recipients.map((r) => {
    const own = byRecipient.get(r.id) ?? [];
    return { ...r, addresses: own, flagged: own.some((a) => a.health !== 'active') };
  });
}

export type RecipientPage = { recipient: repo.StoredRecipient; addresses: repo.RecipientAddress[]; usedBy: { id: number; title: string }[] };

export async function getRecipientPage(db: Queryable, id: number): Promise<RecipientPage> {
  const recipient = await repo.getRecipient(db, id);
  if (!recipient) throw new NotFound();
  const [addresses, usedBy] = await Promise.all([repo.listAddresses(db, id), repo.lettersUsingRecipient(db, id)]);
  return { recipient, addresses, usedBy };
}

const fieldsOf = (r: repo.RecipientFields): repo.RecipientFields => ({
  name: r.name,
  title: r.title,
  organisation: r.organisation,
  country: r.country,
  language: r.language,
  time_zone: r.time_zone,
  postal_address: r.postal_address,
});

export async function createRecipient(db: Pool, actor: Actor, input: RecipientInput): Promise<number> {
  return withTransaction(db, async (client) => {
    const id = await repo.insertRecipient(client, {
      name: input.name,
      title: input.title,
      organisation: input.organisation,
      country: input.country,
      language: input.language,
      timeZone: input.time_zone,
      postalAddress: input.postal_address,
      demo: false,
      emails: input.emails,
    });
    await recordAudit(client, { organiserId: actor.organiserId, event: 'recipient.create', subject: { type: 'recipient', id }, summary: `Added ${input.name} to the directory`, after: { ...fieldsOf(input), emails: input.emails } });
    return id;
  });
}

export async function editRecipient(db: Pool, actor: Actor, id: number, input: repo.RecipientFields): Promise<void> {
  await withTransaction(db, async (client) => {
    const stored = await repo.lockRecipient(client, id);
    if (!stored) throw new NotFound();
    const { before, after } = changedFields(fieldsOf(stored), fieldsOf(input));
    if (Object.keys(after).length === 0) return;
    await repo.updateRecipient(client, id, input);
    await recordAudit(client, { organiserId: actor.organiserId, event: 'recipient.update', subject: { type: 'recipient', id }, summary: `Edited ${input.name}`, before, after });
  });
}

/**
 * Deletes a recipient that no letter writes to or falls back to (it would
 * silently change who a letter reaches; the organiser takes it off those
 * letters first). Its delivery log rows keep the address they went to, and
 * its responses stay with the name they came from.
 */
export async function deleteRecipient(db: Pool, actor: Actor, id: number): Promise<void> {
  await withTransaction(db, async (client) => {
    const stored = await repo.lockRecipient(client, id);
    if (!stored) throw new NotFound();
    const usedBy = await repo.lettersUsingRecipient(client, id);
    if (usedBy.length) throw new Invalid({ delete: 'admin.recipients.errors.inUse' }, 'admin.recipients.errors.summary');
    const addresses = await repo.listAddresses(client, id);
    await repo.deleteRecipient(client, id);
    await recordAudit(client, { organiserId: actor.organiserId, event: 'recipient.delete', subject: { type: 'recipient', id }, summary: `Deleted ${stored.name} from the directory`, before: { ...fieldsOf(stored), emails: addresses.map((a) => a.email) } });
  });
}

export async function addAddress(db: Pool, actor: Actor, recipientId: number, email: string): Promise<void> {
  await withTransaction(db, async (client) => {
    const stored = await repo.lockRecipient(client, recipientId);
    if (!stored) throw new NotFound();
    const addressId = await repo.addAddress(client, recipientId, email);
    if (addressId === undefined) throw new Invalid({ email: 'admin.recipients.errors.emailKnown' }, 'admin.recipients.errors.summary');
    await recordAudit(client, { organiserId: actor.organiserId, event: 'recipient.address_add', subject: { type: 'recipient', id: recipientId }, summary: `Added ${email} to ${stored.name}`, after: { email } });
  });
}

/** The recipient an address belongs to (a form about an address shows the recipient's page again). */
export async function recipientOfAddress(db: Queryable, addressId: number): Promise<number> {
  const address = await repo.getAddress(db, addressId);
  if (!address) throw new NotFound();
  return address.recipient_id;
}

/**
 * Suppress (letters stop going to it; the reason is shown), make active again
 * (a bounced address that works again, or a suppression lifted), or remove an
 * address that no letter is waiting for. Returns the recipient's id.
 */
export async function changeAddress(db: Pool, actor: Actor, addressId: number, change: HealthChange, now = new Date()): Promise<number> {
  return withTransaction(db, async (client) => {
    const address = await repo.lockAddress(client, addressId);
    if (!address) throw new NotFound();
    const subject = { type: 'recipient', id: address.recipient_id };
    const was = { email: address.email, health: address.health, health_reason: address.health_reason };
    if (change.change === 'remove') {
      if ((await repo.waitingDeliveriesToAddress(client, addressId)) > 0) throw new Invalid({ change: 'admin.recipients.errors.lettersWaiting' }, 'admin.recipients.errors.summary');
      await repo.deleteAddress(client, addressId);
      await recordAudit(client, { organiserId: actor.organiserId, event: 'recipient.address_remove', subject, summary: `Removed ${address.email}`, before: was });
      return address.recipient_id;
    }
    const health = change.change === 'suppress' ? 'suppressed' : 'active';
    const reason = change.change === 'suppress' ? change.reason : '';
    if (health === address.health && reason === address.health_reason) return address.recipient_id;
    await repo.setAddressHealth(client, addressId, health, now, reason);
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: change.change === 'suppress' ? 'recipient.address_suppress' : 'recipient.address_reactivate',
      subject,
      summary: change.change === 'suppress' ? `Suppressed ${address.email}` : `Made ${address.email} active again`,
      before: was,
      after: { email: address.email, health, health_reason: reason },
    });
    return address.recipient_id;
  });
}
